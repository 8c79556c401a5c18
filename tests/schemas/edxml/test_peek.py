"""The routing peek (sender, receivers, kind) and the one hardened parser every XML reader shares."""

from __future__ import annotations

import pytest

from schemas.edxml import EntityReferenceError, MalformedXmlError, UnsafeXmlError, build_edoc
from schemas.edxml.peek import EdxmlPeekError, peek_edxml
from schemas.edxml.xmlsafe import MAX_XML_BYTES, parse_xml
from tests.schemas.edxml.conftest import make_edoc, sample


def test_edoc_is_routed_to_its_recipients() -> None:
    summary = peek_edxml(build_edoc(make_edoc()))
    assert summary.message_type == "edoc"
    assert summary.sender_id == "000.00.31.H26"
    assert summary.receiver_ids == ("000.00.00.G22", "000.00.00.H41")
    assert summary.document_id == "000.00.31.H26,2026/11/20,123/SNV-VP"
    assert (summary.subject, summary.notation) == ("V/v triển khai liên thông văn bản điện tử", "123/SNV-VP")


def test_status_is_routed_back_to_the_sender_of_the_document() -> None:
    summary = peek_edxml(sample("status_inbox_01.edxml"))
    assert (summary.message_type, summary.status_code) == ("status", "01")
    assert summary.sender_id == "000.00.00.H41"
    assert summary.receiver_ids == ("000.00.00.G22",)
    assert summary.document_id == "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"


@pytest.mark.parametrize(
    ("data", "phrase"),
    [
        (b'<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY x "boom">]><edXML>&x;</edXML>', "DTD"),
        (b"<html/>", "not edXML"),
        (b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"/>', "MessageHeader"),
        (b"<edXML", "not well-formed"),
    ],
    ids=["dtd", "not-edxml", "no-header", "broken"],
)
def test_unroutable_message_names_the_problem(data: bytes, phrase: str) -> None:
    with pytest.raises(EdxmlPeekError, match=phrase):
        peek_edxml(data)


def test_one_size_limit_for_every_reader() -> None:
    with pytest.raises(EdxmlPeekError, match="limit is 100 bytes"):
        peek_edxml(b"<edXML>" + b" " * 200 + b"</edXML>", max_size=100)
    assert MAX_XML_BYTES == 100 * 1024 * 1024


def test_utf16_document_type_declaration_is_refused_as_unsafe() -> None:
    data = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE e [<!ENTITY x "y">]><e>&x;</e>'.encode("utf-16")
    with pytest.raises(UnsafeXmlError, match="DTD"):
        parse_xml(data)


def test_undeclared_entity_is_a_malformed_entity_reference() -> None:
    with pytest.raises(EntityReferenceError, match="entities are not allowed") as caught:
        parse_xml(b"<a>&nope;</a>")
    assert isinstance(caught.value, MalformedXmlError)


def test_empty_document_is_malformed() -> None:
    with pytest.raises(MalformedXmlError, match="empty"):
        parse_xml(b"  \n")

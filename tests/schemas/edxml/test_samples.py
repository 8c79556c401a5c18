"""Every official sample parses, round-trips, and is rebuilt in the sample's element order."""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree

from schemas.edxml import (
    BussinessDocType,
    EdocMessage,
    MalformedXmlError,
    Priority,
    StatusCode,
    StatusMessage,
    build_edoc,
    build_status,
    parse_edoc,
    parse_message,
    parse_status,
)
from schemas.edxml.codes import VN_TZ
from tests.schemas.edxml.conftest import EDOC_SAMPLES, STATUS_SAMPLES, sample, unsigned


def _rebuild(message: EdocMessage | StatusMessage) -> bytes:
    return build_edoc(message) if isinstance(message, EdocMessage) else build_status(message)


@pytest.mark.parametrize("name", EDOC_SAMPLES + STATUS_SAMPLES)
def test_sample_round_trips_to_an_equal_model(name: str) -> None:
    first = parse_message(sample(name))
    again = parse_message(_rebuild(first))
    assert again == first


def test_every_business_type_is_represented_by_a_sample() -> None:
    types = {parse_edoc(sample(n)).trace_header_list.bussiness.bussiness_doc_type for n in EDOC_SAMPLES}  # type: ignore[union-attr]
    assert types == set(BussinessDocType)


def test_every_status_code_is_represented_and_described_as_in_the_samples() -> None:
    messages = [parse_status(sample(n)) for n in STATUS_SAMPLES]
    assert {m.status_code for m in messages} == set(StatusCode)
    for message in messages:
        description = message.description or ""
        # The 03 sample says "Văn thư cơ - ..."; all others match the code list verbatim.
        assert description.replace("Văn thư cơ", "Văn thư") == message.status_code.description


def test_new_document_sample_fields_are_typed() -> None:
    message = parse_edoc(sample("edoc_new.edxml"))
    header = message.message_header
    assert header.from_.organ_id == "002.00.20.H13"
    assert header.document_id == "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
    assert header.code is not None
    assert header.code.joined == "74fass22/VPCP-TTĐT"
    assert header.promulgation_info is not None
    assert header.promulgation_info.promulgation_date == dt.date(2019, 1, 16)
    assert header.other_info.priority is Priority.NORMAL
    assert header.other_info.priority.label == "Thường"
    assert header.other_info.direction is False
    assert header.to_places == ["Cac bo va co quan ngang bo", "Uy ban nhan dan cac tinh, TP"]
    trace = message.trace_header_list.trace_headers[0]
    assert trace.timestamp == dt.datetime(2018, 9, 28, tzinfo=VN_TZ)
    attachment = message.attachments[0]
    assert attachment.content_id == "209"
    assert attachment.zipped
    assert attachment.zip_entry_name == "32da2890-1a55-4ccd-9ac9-cd0d98559e67.edxml"
    assert attachment.data.startswith(b"<?xml")


def test_revocation_update_and_replacement_carry_their_structures() -> None:
    revocation = parse_edoc(sample("edoc_revocation.edxml"))
    assert revocation.message_header.response_for is not None
    assert revocation.message_header.response_for.code == "267/VPCP-TTĐT"
    update = parse_edoc(sample("edoc_update.edxml")).trace_header_list.bussiness
    assert update is not None
    assert update.bussiness_document_info is not None
    assert [(r.organ_id, r.receiver_type) for r in update.bussiness_document_info.receiver_list] == [
        ("000.00.00.H41", 0),
        ("000.00.00.H14", 1),
    ]
    replacement = parse_edoc(sample("edoc_replacement.edxml")).trace_header_list.bussiness
    assert replacement is not None
    assert len(replacement.replacement_info_list) == 2
    assert replacement.replacement_info_list[0].organ_id_list == ["000.00.00.H41", "000.00.00.H14"]


def test_status_sample_children_may_come_in_any_order() -> None:
    first = parse_status(sample("status.edxml"))
    assert first.staff_info is not None
    assert first.staff_info.staff == "Nguyễn Thị Ngọc Trâm"
    assert first.response_for.document_id == "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"


def test_as_published_sample_is_refused_as_not_well_formed() -> None:
    with pytest.raises(MalformedXmlError) as caught:
        parse_message(sample("edoc_new.as-published.edxml"))
    assert "not well-formed XML" in str(caught.value)
    assert "'1212" in str(caught.value)
    assert not caught.value.sender_known


def _shape(data: bytes) -> list[tuple[str | None, str]]:
    root = etree.fromstring(data)
    shape: list[tuple[str | None, str]] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if any(etree.QName(a).localname == "Signature" for a in [element, *element.iterancestors()]):
            continue
        shape.append((element.prefix, etree.QName(element).localname))
    return shape


@pytest.mark.parametrize("name", EDOC_SAMPLES + [n for n in STATUS_SAMPLES if n != "status.edxml"])
def test_builder_follows_the_sample_element_order_and_prefixes(name: str) -> None:
    original = sample(name)
    rebuilt = _rebuild(parse_message(original))
    assert _shape(rebuilt) == _shape(unsigned(original))


def test_builder_declares_namespaces_as_the_samples_do() -> None:
    rebuilt = build_edoc(parse_edoc(sample("edoc_new.edxml")))
    assert rebuilt.startswith(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">\n'
        b'  <edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">\n'
    )
    assert (
        b'<edXML:ContentTransferEncoded xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">UEsDB'
        in rebuilt
    )
    assert b"<edXML:ContentId>cid:209</edXML:ContentId>" in rebuilt
    assert b"<ContentId>cid:209</ContentId>" in rebuilt

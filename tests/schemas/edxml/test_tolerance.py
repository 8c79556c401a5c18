"""The parser accepts the variations seen in real traffic."""

from __future__ import annotations

import base64
import uuid

from schemas.edxml import parse_edoc, parse_status
from tests.schemas.edxml.conftest import sample

NS = b'<edXML:ContentTransferEncoded xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"'


def test_signature_in_the_xmldsig_namespace_is_accepted() -> None:
    data = sample("edoc_new.edxml").replace(
        b"<Signature>", b'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">'
    )
    assert parse_edoc(data) == parse_edoc(sample("edoc_new.edxml"))


def test_bare_content_id_in_attachment_matches_cid_in_manifest() -> None:
    data = sample("edoc_new.edxml").replace(b"<ContentId>cid:209</ContentId>", b"<ContentId>209</ContentId>")
    assert parse_edoc(data).attachments[0].content_id == "209"


def test_trace_header_list_attributes_are_optional_and_kept() -> None:
    data = sample("edoc_new.edxml").replace(
        b"<edXML:TraceHeaderList>",
        b'<edXML:TraceHeaderList id="t1" version="1.0" mustUnderstand="1" '
        b'actor="http://schemas.xmlsoap.org/soap/actor/next">',
    )
    trace = parse_edoc(data).trace_header_list
    assert (trace.id, trace.version) == ("t1", "1.0")


def test_unknown_elements_are_ignored() -> None:
    data = (
        sample("edoc_new.edxml")
        .replace(
            b"</edXML:ToPlaces>",
            b"</edXML:ToPlaces><edXML:ResponseForTask><edXML:TaskCode>T1</edXML:TaskCode></edXML:ResponseForTask>"
            b"<edXML:ApplicationType>1</edXML:ApplicationType>",
        )
        .replace(b"</edXML:Appendixes>", b"</edXML:Appendixes><edXML:ReplyFors/><edXML:ReferenceCodes/>")
    )
    assert parse_edoc(data) == parse_edoc(sample("edoc_new.edxml"))


def test_plain_base64_attachment_is_not_unzipped() -> None:
    pdf = b"%PDF-1.4 plain attachment"
    data = sample("edoc_new.edxml")
    start = data.index(NS + b">") + len(NS) + 1
    end = data.index(b"</edXML:ContentTransferEncoded>")
    data = data[:start] + base64.b64encode(pdf) + data[end:]
    attachment = parse_edoc(data).attachments[0]
    assert attachment.data == pdf
    assert not attachment.zipped


def test_base64_with_line_breaks_is_accepted() -> None:
    data = sample("edoc_new.edxml")
    start = data.index(NS + b">") + len(NS) + 1
    end = data.index(b"</edXML:ContentTransferEncoded>")
    encoded = data[start:end]
    wrapped = b"\r\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))
    assert parse_edoc(data[:start] + wrapped + data[end:]) == parse_edoc(data)


def test_uuid_document_id_is_accepted() -> None:
    document_id = str(uuid.uuid4())
    data = sample("edoc_new.edxml").replace(
        b"<edXML:DocumentId>000.00.00.G22,2015/09/30,7816/VPCP-TT\xc4\x90T</edXML:DocumentId>",
        f"<edXML:DocumentId>{document_id}</edXML:DocumentId>".encode(),
    )
    assert parse_edoc(data).message_header.document_id == document_id


def test_empty_response_for_and_blank_optional_elements_are_absent() -> None:
    data = sample("edoc_new.edxml").replace(
        b"<edXML:SteeringType>1</edXML:SteeringType>",
        b"<edXML:ResponseFor/><edXML:SteeringType> </edXML:SteeringType>",
    )
    header = parse_edoc(data).message_header
    assert header.response_for is None
    assert header.steering_type is None


def test_status_children_in_shuffled_order() -> None:
    data = sample("status_finish_06.edxml")
    timestamp = b"<edXML:Timestamp>" + data.split(b"<edXML:Timestamp>")[1].split(b"</edXML:Timestamp>")[0]
    timestamp += b"</edXML:Timestamp>"
    moved = data.replace(timestamp, b"").replace(b"<edXML:From>", timestamp + b"<edXML:From>")
    assert parse_status(moved) == parse_status(data)


def test_xml_comments_do_not_truncate_values() -> None:
    data = sample("edoc_new.edxml").replace(b"002.00.20.H13", b"002.00<!-- note -->.20.H13")
    assert parse_edoc(data).message_header.from_.organ_id == "002.00.20.H13"

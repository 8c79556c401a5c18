"""Hostile or invalid input is refused with an error that names the problem, the field and the sender."""

from __future__ import annotations

import base64
import io
import zipfile

import pytest

from schemas.edxml import (
    AttachmentError,
    DuplicateRecipientError,
    EdxmlError,
    InvalidBase64Error,
    InvalidFieldError,
    MalformedXmlError,
    ManifestMismatchError,
    MessageTooLargeError,
    MissingFieldError,
    NotEdxmlError,
    ParseOptions,
    UnsafeXmlError,
    parse_edoc,
    parse_message,
    parse_status,
)
from tests.schemas.edxml.conftest import sample

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><Subject>&xxe;</Subject></edXML>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&lol4;</edXML>"""

PLAIN_DOCTYPE = (
    b'<?xml version="1.0"?>\n<!-- hello -->\n<!DOCTYPE edXML SYSTEM "http://evil.example/x.dtd">\n<edXML/>'
)

SENDER = "000.00.31.H26"


def _refused(
    data: bytes, kind: type[EdxmlError], *words: str, options: ParseOptions | None = None
) -> EdxmlError:
    with pytest.raises(kind) as caught:
        parse_message(data, options)
    for word in words:
        assert word in str(caught.value), str(caught.value)
    return caught.value


@pytest.mark.parametrize(
    "payload", [XXE, BILLION_LAUGHS, PLAIN_DOCTYPE], ids=["xxe", "billion-laughs", "doctype"]
)
def test_doctype_and_entities_are_refused(payload: bytes) -> None:
    error = _refused(payload, UnsafeXmlError, "DOCTYPE")
    assert not error.sender_known


def test_entity_reference_without_doctype_is_not_well_formed() -> None:
    _refused(b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&xxe;</edXML>', MalformedXmlError)


def test_oversized_message_is_refused_before_parsing(edoc_bytes: bytes) -> None:
    error = _refused(
        edoc_bytes, MessageTooLargeError, "limit is 1000 bytes", options=ParseOptions(max_size=1000)
    )
    assert not error.sender_known


def test_zip_expanding_beyond_the_attachment_limit_is_refused(edoc_bytes: bytes) -> None:
    _refused(edoc_bytes, MessageTooLargeError, "expands to", options=ParseOptions(max_attachment_size=1000))


def test_plain_attachment_beyond_the_attachment_limit_is_refused() -> None:
    from schemas.edxml import BuildOptions, build_edoc
    from tests.schemas.edxml.conftest import make_edoc

    data = build_edoc(make_edoc(), BuildOptions(zip_attachments=False))
    _refused(data, MessageTooLargeError, "the limit is 100", options=ParseOptions(max_attachment_size=100))


def test_root_that_is_not_edxml_is_refused() -> None:
    _refused(b"<html><body/></html>", NotEdxmlError, "expected edXML")


def test_invalid_base64_names_the_attachment(edoc_bytes: bytes) -> None:
    bad = edoc_bytes.replace(b'QCVN_102_2016">UEsDB', b'QCVN_102_2016">UE$DB')
    error = _refused(bad, InvalidBase64Error, "Attachment[1]/ContentTransferEncoded", "invalid base64")
    assert error.sender == SENDER
    assert error.sender_known


def test_truncated_base64_is_refused(edoc_bytes: bytes) -> None:
    bad = edoc_bytes.replace(b"</edXML:ContentTransferEncoded>", b"Q</edXML:ContentTransferEncoded>")
    _refused(bad, InvalidBase64Error, "truncated base64")


def test_attachment_without_manifest_entry_is_refused(edoc_bytes: bytes) -> None:
    bad = edoc_bytes.replace(
        b"<edXML:ContentId>cid:1</edXML:ContentId>", b"<edXML:ContentId>cid:2</edXML:ContentId>"
    )
    error = _refused(bad, ManifestMismatchError, "cid:")
    assert error.sender == SENDER


def test_manifest_entry_without_attachment_is_refused(edoc_bytes: bytes) -> None:
    start = edoc_bytes.index(b"\n  <AttachmentEncoded>")
    end = edoc_bytes.index(b"</AttachmentEncoded>") + len(b"</AttachmentEncoded>")
    _refused(
        edoc_bytes[:start] + edoc_bytes[end:],
        ManifestMismatchError,
        "manifest Reference cid:1 has no Attachment",
    )


def test_duplicate_content_ids_are_refused(edoc_bytes: bytes) -> None:
    start = edoc_bytes.index(b"    <Attachment>")
    end = edoc_bytes.index(b"</Attachment>") + len(b"</Attachment>\n")
    attachment = edoc_bytes[start:end]
    _refused(edoc_bytes[:end] + attachment + edoc_bytes[end:], AttachmentError, "more than one attachment")


def _drop(data: bytes, element: bytes) -> bytes:
    start = data.index(b"<edXML:" + element + b">")
    end = data.index(b"</edXML:" + element + b">", start) + len(element) + 9
    return data[:start] + data[end:]


def test_missing_sender_organ_id_is_refused_and_sender_unknown(edoc_bytes: bytes) -> None:
    bad = edoc_bytes.replace(f"<edXML:OrganId>{SENDER}</edXML:OrganId>".encode(), b"", 1)
    error = _refused(bad, MissingFieldError, "MessageHeader/From/OrganId")
    assert not error.sender_known


def test_message_without_recipient_is_refused(edoc_bytes: bytes) -> None:
    bad = _drop(_drop(edoc_bytes, b"To"), b"To")
    error = _refused(bad, MissingFieldError, "MessageHeader/To")
    assert error.sender == SENDER


def test_duplicate_recipient_is_refused(edoc_bytes: bytes) -> None:
    bad = edoc_bytes.replace(b"000.00.00.H41", b"000.00.00.G22")
    _refused(bad, DuplicateRecipientError, "000.00.00.G22 appears in more than one To")


def test_missing_subject_is_refused(edoc_bytes: bytes) -> None:
    _refused(_drop(edoc_bytes, b"Subject"), MissingFieldError, "MessageHeader/Subject", "missing")


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (b"V/v tri\xe1\xbb\x83n khai", "Đ".encode() * 501, "MessageHeader/Subject"),
        ("Sở Nội vụ Hà Nội".encode(), b"x" * 201, "MessageHeader/From/OrganName"),
        ("Như trên".encode(), b"x" * 151, "MessageHeader/ToPlaces[1]"),
        (
            b"123-SNV-VP.pdf</edXML:AttachmentName>",
            b"y" * 501 + b"</edXML:AttachmentName>",
            "Reference[1]/AttachmentName",
        ),
    ],
    ids=["subject", "organ-name", "to-place", "attachment-name"],
)
def test_bkav_length_limits_are_enforced(edoc_bytes: bytes, old: bytes, new: bytes, field: str) -> None:
    error = _refused(edoc_bytes.replace(old, new, 1), InvalidFieldError, field, "at most")
    assert error.sender_known


def test_bad_date_is_refused(edoc_bytes: bytes) -> None:
    bad = edoc_bytes.replace(b"2026/11/20 08:30:00", b"20-11-2026 08:30")
    _refused(bad, InvalidFieldError, "TraceHeader/Timestamp", "yyyy/MM/dd HH:mm:ss")


def test_document_id_must_be_uuid_or_composite(edoc_bytes: bytes) -> None:
    bad = edoc_bytes.replace(b"000.00.31.H26,2026/11/20,123/SNV-VP", b"just-a-number-42")
    _refused(bad, InvalidFieldError, "MessageHeader/DocumentId", "UUID")


def test_unknown_priority_is_refused(edoc_bytes: bytes) -> None:
    bad = edoc_bytes.replace(b"<edXML:Priority>0</edXML:Priority>", b"<edXML:Priority>9</edXML:Priority>")
    _refused(bad, InvalidFieldError, "OtherInfo/Priority")


def _status(old: bytes, new: bytes) -> bytes:
    data = sample("status_rejection_02.edxml")
    assert old in data
    return data.replace(old, new)


def test_status_without_status_code_is_refused() -> None:
    with pytest.raises(MissingFieldError, match="MessageHeader/StatusCode") as caught:
        parse_status(_status(b"<edXML:StatusCode>02</edXML:StatusCode>", b""))
    assert caught.value.sender == "000.00.00.H41"


def test_status_without_response_for_code_is_refused() -> None:
    with pytest.raises(MissingFieldError, match="ResponseFor/Code"):
        parse_status(_status(b"<edXML:Code>7816/VPCP-TT\xc4\x90T</edXML:Code>", b""))


def test_status_with_unknown_code_is_refused() -> None:
    with pytest.raises(InvalidFieldError, match="StatusCode"):
        parse_status(
            _status(b"<edXML:StatusCode>02</edXML:StatusCode>", b"<edXML:StatusCode>99</edXML:StatusCode>")
        )


def test_edoc_given_to_the_status_parser_is_refused(edoc_bytes: bytes) -> None:
    with pytest.raises(NotEdxmlError, match="not a status message"):
        parse_status(edoc_bytes)
    with pytest.raises(NotEdxmlError, match="not an edoc"):
        parse_edoc(sample("status_finish_06.edxml"))


def test_zip_with_a_bad_body_is_refused(edoc_bytes: bytes) -> None:
    start = edoc_bytes.index(b'QCVN_102_2016">UEsDB') + len(b'QCVN_102_2016">')
    end = edoc_bytes.index(b"</edXML:ContentTransferEncoded>")
    broken = base64.b64encode(b"PK\x03\x04" + b"\x00" * 60).decode().encode()
    _refused(edoc_bytes[:start] + broken + edoc_bytes[end:], AttachmentError, "not a valid ZIP")


def test_multi_entry_zip_is_kept_as_a_genuine_archive(edoc_bytes: bytes) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "a")
        archive.writestr("b.txt", "b")
    start = edoc_bytes.index(b'QCVN_102_2016">UEsDB') + len(b'QCVN_102_2016">')
    end = edoc_bytes.index(b"</edXML:ContentTransferEncoded>")
    data = edoc_bytes[:start] + base64.b64encode(buffer.getvalue()) + edoc_bytes[end:]
    attachment = parse_edoc(data).attachments[0]
    assert not attachment.zipped
    assert attachment.data == buffer.getvalue()

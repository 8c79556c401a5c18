"""Messages built from models parse back equal; attachments zipped like the SDK or plain."""

from __future__ import annotations

import base64
import datetime as dt
import io
import zipfile
from pathlib import Path

from schemas.edxml import (
    AttachmentInfo,
    AttachmentSource,
    BuildOptions,
    EdocHeader,
    Organization,
    StaffInfo,
    StatusCode,
    StatusMessage,
    StatusResponseFor,
    build_edoc,
    build_status,
    parse_edoc,
    parse_status,
    write_edoc,
)
from tests.schemas.edxml.conftest import make_edoc


def _encoded(data: bytes) -> bytes:
    marker = b'QCVN_102_2016">'
    start = data.index(marker, data.index(b"<AttachmentEncoded>")) + len(marker)
    return base64.b64decode(data[start : data.index(b"</edXML:ContentTransferEncoded>")])


def test_zipped_build_follows_the_sdk_convention() -> None:
    message = make_edoc()
    data = build_edoc(message, BuildOptions(zip_attachments=True))
    assert b"<ContentType>application/zip</ContentType>" in data
    assert b"<edXML:ContentType>application/pdf</edXML:ContentType>" in data
    with zipfile.ZipFile(io.BytesIO(_encoded(data))) as archive:
        (entry,) = archive.infolist()
        assert entry.filename.endswith(".pdf")
        assert archive.read(entry) == message.attachments[0].data
    parsed = parse_edoc(data)
    assert parsed.attachments[0].data == message.attachments[0].data
    assert parsed.attachments[0].zipped
    assert parse_edoc(build_edoc(parsed)) == parsed


def test_plain_build_round_trips_to_an_equal_model() -> None:
    message = make_edoc()
    data = build_edoc(message, BuildOptions(zip_attachments=False))
    assert _encoded(data) == message.attachments[0].data
    parsed = parse_edoc(data)
    assert parsed.model_copy(update={"references": []}) == message
    assert [r.content_id for r in parsed.references] == ["1"]


def test_vietnamese_text_survives_and_timestamps_are_written_in_vietnam_time() -> None:
    message = make_edoc()
    trace = message.trace_header_list.model_copy(
        update={
            "trace_headers": [
                message.trace_header_list.trace_headers[0].model_copy(
                    update={"timestamp": dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.UTC)}
                )
            ]
        }
    )
    data = build_edoc(message.model_copy(update={"trace_header_list": trace}))
    assert b"<edXML:Timestamp>2026/11/20 08:30:00</edXML:Timestamp>" in data
    assert "V/v triển khai liên thông văn bản điện tử".encode() in data


def test_write_edoc_streams_attachments_from_files(tmp_path: Path) -> None:
    content = bytes(range(256)) * 4096 + b"tail"
    source = tmp_path / "bao-cao.pdf"
    source.write_bytes(content)
    message = make_edoc(attachments=[])
    header = EdocHeader(message_header=message.message_header, trace_header_list=message.trace_header_list)
    info = AttachmentInfo(content_id="a1", attachment_name="bao-cao.pdf", content_type="application/pdf")
    out = tmp_path / "out.edxml"
    with out.open("wb") as stream:
        write_edoc(stream, header, [AttachmentSource(info, source)], BuildOptions(zip_attachments=True))
    parsed = parse_edoc(out.read_bytes())
    assert parsed.references[0].content_type == "application/pdf"
    assert parsed.attachments[0].data == content
    assert parsed.attachments[0].zipped


def test_status_message_builds_like_the_numbered_samples() -> None:
    status = StatusMessage(
        from_=Organization(organ_id="000.00.31.H26", organ_name="Sở Nội vụ Hà Nội"),
        response_for=StatusResponseFor(
            organ_id="000.00.00.G22",
            code="7816/VPCP-TTĐT",
            document_id="000.00.00.G22,2015/09/30,7816/VPCP-TTĐT",
            promulgation_date=dt.date(2015, 9, 30),
        ),
        staff_info=StaffInfo(department="Văn phòng", staff="Nguyễn Thị Hà"),
        status_code=StatusCode.REJECTED,
        description=StatusCode.REJECTED.description,
        timestamp=dt.datetime(2026, 11, 20, 9, 0),
    )
    data = build_status(status)
    assert b"<edXML:StatusCode>02</edXML:StatusCode>" in data
    assert "Từ chối không tiếp nhận văn bản điện tử".encode() in data
    order = [data.index(f"<edXML:{n}>".encode()) for n in ("From", "ResponseFor", "StaffInfo", "StatusCode")]
    assert order == sorted(order)
    assert parse_status(data) == status

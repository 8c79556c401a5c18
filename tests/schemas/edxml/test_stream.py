"""Streaming parse delivers the same content as the in-memory parse, to sync and async sinks."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from schemas.edxml import (
    Attachment,
    AttachmentInfo,
    AttachmentSource,
    BuildOptions,
    EdocHeader,
    FileSink,
    InvalidBase64Error,
    ManifestMismatchError,
    MemorySink,
    MessageTooLargeError,
    ParseOptions,
    UnsafeXmlError,
    build_edoc,
    parse_edoc,
    stream_edoc,
    stream_edoc_async,
    write_edoc,
)
from tests.paths import official_sample, official_sample_path
from tests.schemas.edxml.conftest import EDOC_SAMPLES, make_edoc


@pytest.mark.parametrize("name", EDOC_SAMPLES)
def test_streaming_sink_equals_in_memory_decode(name: str) -> None:
    sink = MemorySink()
    streamed = stream_edoc(official_sample_path(name), sink)
    parsed = parse_edoc(official_sample(name))
    assert streamed.header.message_header == parsed.message_header
    assert streamed.header.trace_header_list == parsed.trace_header_list
    assert streamed.header.references == parsed.references
    for stored, attachment in zip(streamed.attachments, parsed.attachments, strict=True):
        assert sink.files[stored.info.content_id] == attachment.data
        assert stored.size == attachment.size
        assert stored.sha256 == attachment.sha256
        assert (stored.info.zipped, stored.info.zip_entry_name) == (
            attachment.zipped,
            attachment.zip_entry_name,
        )


@pytest.fixture
def five_mb_message(tmp_path: Path) -> tuple[Path, bytes, bytes]:
    """An edoc on disk with a ~5 MB random attachment (zipped) and a small plain one."""
    big = os.urandom(5 * 1024 * 1024)
    small = "Báo cáo tổng hợp".encode() * 100
    (tmp_path / "big.bin").write_bytes(big)
    message = make_edoc(attachments=[])
    header = EdocHeader(message_header=message.message_header, trace_header_list=message.trace_header_list)
    sources = [
        AttachmentSource(
            AttachmentInfo(
                content_id="big", attachment_name="big.pdf", content_type="application/pdf", zipped=True
            ),
            tmp_path / "big.bin",
        ),
        AttachmentSource(
            AttachmentInfo(content_id="small", attachment_name="small.txt", content_type="text/plain"), small
        ),
    ]
    path = tmp_path / "big.edxml"
    with path.open("wb") as out:
        write_edoc(out, header, sources)
    return path, big, small


def test_five_megabyte_attachment_streams_to_files(
    tmp_path: Path, five_mb_message: tuple[Path, bytes, bytes]
) -> None:
    path, big, small = five_mb_message
    target = tmp_path / "out"
    target.mkdir()
    streamed = stream_edoc(path, FileSink(target))
    by_id = {s.info.content_id: s for s in streamed.attachments}
    assert Path(str(by_id["big"].result)).read_bytes() == big
    assert by_id["big"].sha256 == hashlib.sha256(big).hexdigest()
    assert by_id["big"].size == len(big)
    assert by_id["big"].info.zipped
    assert Path(str(by_id["small"].result)).read_bytes() == small
    assert not by_id["small"].info.zipped
    assert [a.data for a in parse_edoc(path.read_bytes()).attachments] == [big, small]


class _AsyncWriter:
    def __init__(self, store: dict[str, bytearray], key: str) -> None:
        self.store, self.key = store, key
        store[key] = bytearray()

    async def write(self, data: bytes) -> None:
        self.store[self.key] += data

    async def close(self) -> str:
        return f"object-store://{self.key}"


async def test_async_sink_receives_the_same_content(five_mb_message: tuple[Path, bytes, bytes]) -> None:
    path, big, small = five_mb_message
    store: dict[str, bytearray] = {}

    async def sink(info: AttachmentInfo) -> _AsyncWriter:
        return _AsyncWriter(store, info.content_id)

    streamed = await stream_edoc_async(path, sink)
    assert bytes(store["big"]) == big
    assert bytes(store["small"]) == small
    assert [s.result for s in streamed.attachments] == ["object-store://big", "object-store://small"]


def test_sync_driver_refuses_an_async_sink(edoc_bytes: bytes) -> None:
    class _Writer:
        def write(self, data: bytes) -> None: ...

        async def close(self) -> None: ...

    with pytest.raises(TypeError, match="stream_edoc_async"):
        stream_edoc(edoc_bytes, lambda info: _Writer())


def test_content_id_after_content_is_spooled_and_matched() -> None:
    message = make_edoc()
    data = build_edoc(message, BuildOptions(zip_attachments=False))
    moved = data.replace(b"      <ContentId>cid:1</ContentId>\n", b"").replace(
        b"</edXML:ContentTransferEncoded>", b"</edXML:ContentTransferEncoded><ContentId>cid:1</ContentId>"
    )
    sink = MemorySink()
    stream_edoc(moved, sink)
    assert sink.files["1"] == message.attachments[0].data


def test_invalid_base64_midway_aborts_the_file_writer(
    tmp_path: Path, five_mb_message: tuple[Path, bytes, bytes]
) -> None:
    path, _, _ = five_mb_message
    data = path.read_bytes()
    cut = data.index(b"<ContentId>cid:small</ContentId>")
    start = data.index(b'QCVN_102_2016">', cut) + len(b'QCVN_102_2016">')
    bad = data[: start + 40] + b"!!!!" + data[start + 44 :]
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(InvalidBase64Error, match="Attachment\\[2\\]/ContentTransferEncoded") as caught:
        stream_edoc(bad, FileSink(target))
    assert caught.value.sender == "000.00.31.H26"
    assert sorted(p.name for p in target.iterdir()) == ["1-big"]


def test_attachment_without_manifest_entry_is_refused_before_any_write(edoc_bytes: bytes) -> None:
    opened: list[str] = []

    def sink(info: AttachmentInfo) -> MemorySink:
        opened.append(info.content_id)
        raise AssertionError("no writer should be opened")

    bad = edoc_bytes.replace(b"<ContentId>cid:1</ContentId>", b"<ContentId>cid:9</ContentId>")
    with pytest.raises(ManifestMismatchError, match="cid:9"):
        stream_edoc(bad, sink)  # type: ignore[arg-type]
    assert opened == []


def test_stream_refuses_doctype_and_oversize(edoc_bytes: bytes) -> None:
    hostile = b'<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY a "b">]><edXML/>'
    with pytest.raises(UnsafeXmlError):
        stream_edoc(hostile, MemorySink())
    with pytest.raises(MessageTooLargeError):
        stream_edoc(edoc_bytes, MemorySink(), ParseOptions(max_size=2000))


def test_stream_enforces_the_attachment_limit(five_mb_message: tuple[Path, bytes, bytes]) -> None:
    path, _, _ = five_mb_message
    with pytest.raises(MessageTooLargeError, match="limit is 1048576"):
        stream_edoc(path, MemorySink(), ParseOptions(max_attachment_size=1024 * 1024))


def test_plain_in_memory_attachment_equals_streamed(edoc_bytes: bytes) -> None:
    sink = MemorySink()
    streamed = stream_edoc(edoc_bytes, sink)
    parsed = parse_edoc(edoc_bytes)
    assert isinstance(parsed.attachments[0], Attachment)
    assert sink.files["1"] == parsed.attachments[0].data
    assert streamed.attachments[0].info.zip_entry_name == parsed.attachments[0].zip_entry_name

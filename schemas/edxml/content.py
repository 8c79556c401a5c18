"""Attachment content: incremental base64, the SDK's single-entry ZIP wrapping, size limits."""

from __future__ import annotations

import binascii
import io
import zipfile
from collections.abc import Iterator
from typing import IO

from schemas.edxml.errors import AttachmentError, InvalidBase64Error, MessageTooLargeError

ZIP_MAGIC = b"PK\x03\x04"
DEFAULT_MAX_ATTACHMENT_SIZE = 200 * 1024 * 1024
CHUNK = 1024 * 1024
_WS = str.maketrans("", "", " \t\r\n")
_B64_LINE = 76 * 3 // 4 * 1024  # bytes per encoded chunk: a multiple of 3, so chunks concatenate


class Base64Decoder:
    """Decode base64 text fed in arbitrary pieces, strictly, ignoring whitespace."""

    def __init__(self, field: str) -> None:
        self.field = field
        self._pending = ""
        self._done = False

    def feed(self, text: str) -> bytes:
        """Decode as much of the accumulated text as forms whole 4-character groups."""
        self._pending += text.translate(_WS)
        usable = len(self._pending) - len(self._pending) % 4
        if usable == 0:
            return b""
        if self._done:
            raise InvalidBase64Error("data after base64 padding", field=self.field)
        chunk, self._pending = self._pending[:usable], self._pending[usable:]
        if chunk.endswith("="):
            self._done = True
        return self._decode(chunk)

    def finish(self) -> bytes:
        """Decode what is left; refuse a truncated final group."""
        if self._pending:
            n = len(self._pending)
            raise InvalidBase64Error(f"truncated base64: {n} character(s) left over", field=self.field)
        return b""

    def _decode(self, chunk: str) -> bytes:
        try:
            return binascii.a2b_base64(chunk, strict_mode=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidBase64Error(f"invalid base64: {exc}", field=self.field) from exc


def decode_base64(text: str, field: str) -> bytes:
    """Decode a whole base64 text strictly (whitespace ignored)."""
    decoder = Base64Decoder(field)
    return decoder.feed(text) + decoder.finish()


def encode_base64_chunks(reader: IO[bytes]) -> Iterator[str]:
    """Yield base64 text for a binary reader, a bounded chunk at a time."""
    while chunk := reader.read(_B64_LINE):
        yield binascii.b2a_base64(chunk, newline=False).decode("ascii")


def single_zip_entry(file: IO[bytes], field: str, max_size: int) -> zipfile.ZipInfo | None:
    """Return the only entry of a ZIP file, or None when it holds several (a genuine archive)."""
    try:
        archive = zipfile.ZipFile(file)
    except zipfile.BadZipFile as exc:
        raise AttachmentError(
            f"content starts like a ZIP but is not a valid ZIP: {exc}", field=field
        ) from exc
    entries = [i for i in archive.infolist() if not i.is_dir()]
    if len(entries) != 1:
        return None
    if entries[0].file_size > max_size:
        raise MessageTooLargeError(
            f"zipped attachment expands to {entries[0].file_size} bytes, the limit is {max_size}", field=field
        )
    return entries[0]


def iter_zip_entry(file: IO[bytes], entry: zipfile.ZipInfo, field: str, max_size: int) -> Iterator[bytes]:
    """Yield the content of a ZIP entry in chunks, refusing more than max_size bytes."""
    total = 0
    try:
        with zipfile.ZipFile(file) as archive, archive.open(entry) as member:
            while chunk := member.read(CHUNK):
                total += len(chunk)
                if total > max_size:
                    raise MessageTooLargeError(
                        f"zipped attachment expands beyond {max_size} bytes", field=field
                    )
                yield chunk
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise AttachmentError(f"cannot unzip attachment: {exc}", field=field) from exc


def unwrap(data: bytes, field: str, max_size: int) -> tuple[bytes, str | None]:
    """Unwrap the SDK's single-entry ZIP; return (content, entry name) or (data, None) when not wrapped."""
    if not data.startswith(ZIP_MAGIC):
        return data, None
    buffer = io.BytesIO(data)
    entry = single_zip_entry(buffer, field, max_size)
    if entry is None:
        return data, None
    return b"".join(iter_zip_entry(buffer, entry, field, max_size)), entry.filename


def zip_single(name: str, data: bytes) -> bytes:
    """Wrap content in a single-entry ZIP the way the VDXP SDK does."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def strip_cid(content_id: str) -> str:
    """Return a ContentId without its `cid:` prefix."""
    value = content_id.strip()
    return value[4:] if value.lower().startswith("cid:") else value

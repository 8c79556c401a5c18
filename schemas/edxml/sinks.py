"""Destinations for streamed attachment content: the writer protocol, a file sink and an in-memory sink."""

from __future__ import annotations

import io
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

from schemas.edxml.models import AttachmentInfo


class AttachmentWriter(Protocol):
    """Receives one attachment's content; each method may return an awaitable (async writers)."""

    def write(self, data: bytes, /) -> Any: ...

    def close(self) -> Any: ...


AttachmentSink = Callable[[AttachmentInfo], "AttachmentWriter | Awaitable[AttachmentWriter]"]
"""Open a writer for an attachment; sync or async. A writer may also offer `abort()`."""

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


class _FileWriter:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = path.open("xb")

    def write(self, data: bytes) -> None:
        self._file.write(data)

    def close(self) -> Path:
        self._file.close()
        return self.path

    def abort(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)


class FileSink:
    """Write each attachment to `<directory>/<n>-<sanitized ContentId>`; close() returns the path."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._count = 0

    def __call__(self, info: AttachmentInfo) -> _FileWriter:
        self._count += 1
        name = _UNSAFE.sub("_", info.content_id)[:80].lstrip(".") or "attachment"
        return _FileWriter(self.directory / f"{self._count}-{name}")


class _MemoryWriter:
    def __init__(self, sink: MemorySink, content_id: str) -> None:
        self._sink = sink
        self._content_id = content_id
        self._buffer = io.BytesIO()

    def write(self, data: bytes) -> None:
        self._buffer.write(data)

    def close(self) -> bytes:
        data = self._buffer.getvalue()
        self._sink.files[self._content_id] = data
        return data

    def abort(self) -> None:
        self._buffer = io.BytesIO()


class MemorySink:
    """Collect attachments in memory, keyed by ContentId (tests and small messages)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def __call__(self, info: AttachmentInfo) -> _MemoryWriter:
        return _MemoryWriter(self, info.content_id)

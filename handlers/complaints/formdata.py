"""The public form's multipart body, read as it streams: text fields kept, files bounded while they arrive.

Nothing is buffered beyond the limits: a file past its size, a file past the count or past the total is
dropped as it streams (its bytes only counted) and named in `refused`, so the page can answer with the
citizen's own text and a precise reason; past `hard_cap` bytes the reading stops (`BodyTooLarge`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from python_multipart.multipart import MultipartParser, parse_options_header

from handlers.complaints.uploads import Limits, clean_name, megabytes

FIELD_BYTES = 64 * 1024  # one text field at most (the longest, the content, is 20 000 characters)
MAX_FIELDS = 40


class BodyTooLarge(Exception):
    """The request is larger than anything the form may send: reading stopped."""


class NotMultipart(ValueError):
    """The body is not multipart/form-data (or has no boundary)."""


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    data: bytearray = field(default_factory=bytearray)
    size: int = 0
    dropped: bool = False
    too_big: int | None = None  # where in `refused` this file's "too large" message is


@dataclass
class StreamedForm:
    """What the body held: text fields, the files kept, and why the others were not."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    files: list[tuple[str, bytes]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    size: int = 0

    def text(self, name: str) -> str:
        values = self.fields.get(name) or [""]
        return values[0].strip()

    def has(self, name: str) -> bool:
        return name in self.fields


class _Reader:
    """The parser's callbacks: where each part goes and when it stops being kept."""

    def __init__(self, form: StreamedForm, limits: Limits) -> None:
        self.form = form
        self.limits = limits
        self.part = _Part()
        self.header_field = bytearray()
        self.header_value = bytearray()
        self.kept_bytes = 0
        self.file_count = 0
        self.field_count = 0

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self.begin,
            "on_header_field": lambda d, s, e: self.header_field.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self.header_value.extend(d[s:e]),
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.data,
            "on_part_end": self.end,
        }

    def begin(self) -> None:
        self.part = _Part()

    def header_end(self) -> None:
        if bytes(self.header_field).lower() == b"content-disposition":
            _, options = parse_options_header(bytes(self.header_value))
            self.part.name = options.get(b"name", b"").decode("utf-8", "replace")
            if b"filename" in options:
                self.part.filename = options[b"filename"].decode("utf-8", "replace")
        self.header_field.clear()
        self.header_value.clear()

    def headers_finished(self) -> None:
        part = self.part
        if part.filename is None:
            self.field_count += 1
            part.dropped = self.field_count > MAX_FIELDS
        elif part.filename:
            self.file_count += 1
            if self.file_count > self.limits.count:
                part.dropped = True
                if self.file_count == self.limits.count + 1:
                    self.form.refused.append(f"Chỉ được đính kèm tối đa {self.limits.count} tệp")

    def data(self, data: bytes, start: int, end: int) -> None:
        part = self.part
        n = end - start
        part.size += n
        if part.dropped:
            return
        if part.filename is None:
            if part.size > FIELD_BYTES:
                part.dropped = True
                part.data.clear()
                self.form.refused.append(f"Trường “{part.name}” quá dài")
                return
        elif part.size > self.limits.file_bytes or self.kept_bytes + n > self.limits.total_bytes:
            self._drop_file(part)
            return
        else:
            self.kept_bytes += n
        part.data.extend(data[start:end])

    def _drop_file(self, part: _Part) -> None:
        part.dropped = True
        self.kept_bytes -= len(part.data)
        part.data.clear()
        if part.size > self.limits.file_bytes:
            part.too_big = len(self.form.refused)
            self.form.refused.append(
                f"Tệp “{clean_name(part.filename or '')}” vượt mức tối đa "
                f"{megabytes(self.limits.file_bytes)} cho mỗi tệp"
            )
        else:
            self.form.refused.append(
                f"Tổng dung lượng tệp đính kèm vượt mức tối đa {megabytes(self.limits.total_bytes)}; "
                f"tệp “{clean_name(part.filename or '')}” không được nhận"
            )

    def end(self) -> None:
        part = self.part
        if part.dropped:
            if part.too_big is not None and part.filename is not None:
                # the message was given when it was dropped; say how large it really was
                self.form.refused[part.too_big] = (
                    f"Tệp “{clean_name(part.filename)}” có dung lượng {megabytes(part.size)}, "
                    f"vượt mức tối đa {megabytes(self.limits.file_bytes)} cho mỗi tệp"
                )
            return
        if part.filename is None:
            self.form.fields.setdefault(part.name, []).append(part.data.decode("utf-8", "replace"))
        elif part.filename or part.data:  # an empty file input sends a part with no name and no bytes
            self.form.files.append((part.filename, bytes(part.data)))


def boundary_of(content_type: str) -> bytes:
    """The boundary of a multipart/form-data body, or NotMultipart."""
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data" or not options.get(b"boundary"):
        raise NotMultipart(content_type)
    return options[b"boundary"]


async def read_form(
    content_type: str, chunks: AsyncIterator[bytes], limits: Limits, *, hard_cap: int
) -> StreamedForm:
    """Read the body chunk by chunk; BodyTooLarge once more than `hard_cap` bytes came."""
    form = StreamedForm()
    reader = _Reader(form, limits)
    parser = MultipartParser(boundary_of(content_type), reader.callbacks())  # type: ignore[arg-type]
    async for chunk in chunks:
        form.size += len(chunk)
        if form.size > hard_cap:
            raise BodyTooLarge(form.size)
        parser.write(chunk)
    parser.finalize()
    return form

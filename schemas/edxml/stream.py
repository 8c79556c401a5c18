"""Stream an edoc: the header is built as a small tree, attachment base64 is decoded piece by piece.

lxml's event-driven parser (the machinery under iterparse, with huge_tree) delivers character data
in bounded pieces; only the envelope is kept as a tree, so a 50 MB attachment is never held whole.
`iterparse` itself would materialise each ContentTransferEncoded text before its end event.
"""

from __future__ import annotations

import hashlib
import inspect
import io
import tempfile
from collections.abc import Awaitable, Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from lxml import etree

from schemas.edxml.codes import EDXML_NS
from schemas.edxml.content import ZIP_MAGIC, Base64Decoder, iter_zip_entry, single_zip_entry
from schemas.edxml.errors import (
    EdxmlError,
    MalformedXmlError,
    MissingFieldError,
    UnsafeXmlError,
)
from schemas.edxml.models import AttachmentInfo, EdocHeader
from schemas.edxml.parse import (
    ParseOptions,
    attachment_info,
    check_manifest,
    edoc_header_from_tree,
    sender_of,
    validate,
)
from schemas.edxml.sinks import AttachmentSink, AttachmentWriter
from schemas.edxml.xmlsafe import (
    DOCTYPE_REFUSED,
    LimitCounter,
    XmlLimits,
    attachment_too_large,
    check_prolog,
    check_size,
    hardened_parser,
    syntax_refusal,
)

FEED = 256 * 1024


@dataclass(frozen=True)
class StoredAttachment:
    """An attachment delivered to a sink: metadata, size and SHA-256 of the content, the writer's result."""

    info: AttachmentInfo
    size: int
    sha256: str
    result: object


@dataclass(frozen=True)
class StreamedEdoc:
    """Header, trace and manifest of a streamed edoc and where its attachments went."""

    header: EdocHeader
    attachments: list[StoredAttachment]


_Call = tuple[Callable[..., Any], tuple[Any, ...]]
_Steps = Generator[_Call, Any, Any]


def _local(tag: str) -> tuple[str | None, str]:
    q = etree.QName(tag)
    return q.namespace, q.localname


@dataclass
class _Content:
    """Decoding state of one ContentTransferEncoded element."""

    attachment: etree._Element
    index: int
    decoder: Base64Decoder
    head: bytes = b""
    spool: IO[bytes] | None = None
    writer: AttachmentWriter | None = None
    info: AttachmentInfo | None = None
    size: int = 0
    digest: Any = field(default_factory=hashlib.sha256)


class _Target:
    """Parser target: forward structure to a TreeBuilder, queue attachment text in document order."""

    def __init__(self, limits: XmlLimits) -> None:
        self.limits = LimitCounter(limits)
        self.builder: Any = etree.TreeBuilder()
        self.path: list[str] = []
        self.root: etree._Element | None = None
        self.events: list[tuple[str, Any]] = []
        self.content: _Content | None = None
        self.count = 0
        self._attachment: etree._Element | None = None

    def start(self, tag: str, attrib: dict[str, str], nsmap: dict[str | None, str] | None = None) -> None:
        self.limits.start(tag, attrib)
        ns = {(k or None): v for k, v in (nsmap or {}).items()}
        element: etree._Element = self.builder.start(tag, attrib, ns)
        namespace, name = _local(tag)
        self.path.append(name if namespace in (EDXML_NS, None) else "")
        if self.root is None:
            self.root = element
        if self.path[-3:] == ["edXML", "AttachmentEncoded", "Attachment"] and len(self.path) == 3:
            self._attachment = element
        if name == "ContentTransferEncoded" and len(self.path) == 4 and self._attachment is not None:
            self.count += 1
            decoder = Base64Decoder(f"Attachment[{self.count}]/ContentTransferEncoded")
            self.content = _Content(self._attachment, self.count, decoder)
            self.events.append(("content", self.content))

    def end(self, tag: str) -> None:
        self.builder.end(tag)
        if self.content is not None and len(self.path) == 4:
            self.events.append(("finish", self.content))
            self.content = None
        elif len(self.path) == 3 and self._attachment is not None:
            self.events.append(("attachment", self._attachment))
            self._attachment = None
        elif len(self.path) == 2 and self.path[-1] == "edXMLEnvelope":
            self.events.append(("envelope", None))
        self.path.pop()
        self.limits.end()

    def data(self, text: str) -> None:
        self.limits.data(len(text))
        if self.content is not None:
            self.events.append(("text", text))
        else:
            self.builder.data(text)

    def doctype(self, *_: object) -> None:
        raise UnsafeXmlError(DOCTYPE_REFUSED, field="<!DOCTYPE>")

    def close(self) -> None:
        return None


class _Run:
    """One streaming parse; steps yield calls to sink objects so sync and async drivers can share it."""

    def __init__(self, source: IO[bytes], sink: AttachmentSink, options: ParseOptions) -> None:
        self.source = source
        self.sink = sink
        self.options = options
        self.target = _Target(options.xml_limits)
        self.header: EdocHeader | None = None
        self.stored: list[StoredAttachment] = []
        self.current: _Content | None = None

    def steps(self) -> _Steps:
        try:
            return (yield from self._steps())
        except EdxmlError as exc:
            if self.current is not None and self.current.writer is not None:
                abort = getattr(self.current.writer, "abort", None)
                if abort is not None:
                    yield abort, ()
            if exc.sender is None and self.target.root is not None:
                exc.sender = sender_of(self.target.root)
            raise

    def _steps(self) -> _Steps:
        parser = hardened_parser(target=self.target)
        total = 0
        first = True
        for chunk in self._chunks():
            if first:
                check_prolog(chunk)
                first = False
            total += len(chunk)
            check_size(total, self.options.max_size)
            self._feed(parser.feed, chunk)
            yield from self._drain()
        self._feed(lambda _: parser.close(), b"")
        yield from self._drain()
        if self.target.root is None:
            raise MalformedXmlError("empty document")
        header = self.header or edoc_header_from_tree(self.target.root)
        check_manifest(header.references, [s.info.content_id for s in self.stored])
        return StreamedEdoc(header, self.stored)

    def _chunks(self) -> Iterator[bytes]:
        while chunk := self.source.read(FEED):
            yield chunk

    @staticmethod
    def _feed(feed: Callable[[bytes], object], chunk: bytes) -> None:
        try:
            feed(chunk)
        except etree.XMLSyntaxError as exc:
            raise syntax_refusal(exc) from exc
        except EdxmlError:  # a limit refused by the target
            raise
        except ValueError as exc:  # the tree builder refuses a name lxml's event parser let through
            raise MalformedXmlError(f"not well-formed XML: {exc}") from exc

    def _drain(self) -> _Steps:
        events, self.target.events = self.target.events, []
        for kind, value in events:
            if kind == "envelope":
                assert self.target.root is not None
                self.header = edoc_header_from_tree(self.target.root)
            elif kind == "content":
                if self.header is None:
                    raise MalformedXmlError(
                        "attachments appear before edXMLEnvelope", field="AttachmentEncoded"
                    )
                self.current = value
            elif kind == "text" and self.current is not None:
                yield from self._data(self.current.decoder.feed(value))
            elif kind == "finish":
                yield from self._data(value.decoder.finish())
            elif kind == "attachment":
                if self.current is None or self.current.attachment is not value:
                    raise MissingFieldError(
                        "required element is missing",
                        field=f"Attachment[{len(self.stored) + 1}]/ContentTransferEncoded",
                    )
                yield from self._finish_attachment()

    def _info(self, content: _Content, **update: object) -> AttachmentInfo | None:
        values = attachment_info(content.attachment, content.index)
        if "ContentId" not in values:
            return None
        info = validate(AttachmentInfo, values, f"AttachmentEncoded/Attachment[{content.index}]")
        assert self.header is not None
        check_manifest_entry(self.header, info)
        return info.model_copy(update=update)

    def _data(self, data: bytes) -> _Steps:
        content = self.current
        if content is None or not data:
            return
        if content.writer is None and content.spool is None:
            content.head += data
            if len(content.head) < len(ZIP_MAGIC):
                return
            data, content.head = content.head, b""
            info = self._info(content)
            if (self.options.unzip and data.startswith(ZIP_MAGIC)) or info is None:
                content.spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by _replay
            else:
                yield from self._open(content, info)
        if content.spool is not None:
            content.spool.write(data)
            check_size(content.spool.tell(), self.options.max_size)
        else:
            yield from self._write(content, data)

    def _open(self, content: _Content, info: AttachmentInfo) -> _Steps:
        content.info = info
        content.writer = yield self.sink, (info,)

    def _write(self, content: _Content, data: bytes) -> _Steps:
        content.size += len(data)
        if content.size > self.options.max_attachment_size:
            raise attachment_too_large(content.size, self.options.max_attachment_size, content.decoder.field)
        content.digest.update(data)
        assert content.writer is not None
        yield content.writer.write, (data,)

    def _finish_attachment(self) -> _Steps:
        content = self.current
        if content is None:
            return
        if content.writer is None and content.spool is None:
            info = self._info(content)
            if info is None:
                raise MissingFieldError(
                    "required element is missing", field=f"Attachment[{content.index}]/ContentId"
                )
            yield from self._open(content, info)
            if content.head:
                yield from self._write(content, content.head)
        if content.spool is not None:
            yield from self._replay(content)
        assert content.writer is not None
        assert content.info is not None
        result = yield content.writer.close, ()
        self.stored.append(StoredAttachment(content.info, content.size, content.digest.hexdigest(), result))
        self.current = None

    def _replay(self, content: _Content) -> _Steps:
        spool = content.spool
        assert spool is not None
        with spool:
            spool.seek(0)
            info = self._info(content)
            if info is None:
                raise MissingFieldError(
                    "required element is missing", field=f"Attachment[{content.index}]/ContentId"
                )
            field = content.decoder.field
            is_zip = self.options.unzip and spool.read(len(ZIP_MAGIC)) == ZIP_MAGIC
            spool.seek(0)
            entry = single_zip_entry(spool, field, self.options.max_attachment_size) if is_zip else None
            spool.seek(0)
            if entry is not None:
                yield from self._open(
                    content, info.model_copy(update={"zipped": True, "zip_entry_name": entry.filename})
                )
                chunks: Iterator[bytes] = iter_zip_entry(
                    spool, entry, field, self.options.max_attachment_size
                )
            else:
                yield from self._open(content, info)
                chunks = iter(lambda: spool.read(FEED), b"")
            for chunk in chunks:
                yield from self._write(content, chunk)


def check_manifest_entry(header: EdocHeader, info: AttachmentInfo) -> None:
    """Refuse an attachment whose ContentId has no manifest Reference, before any content is stored."""
    check_manifest([r for r in header.references if r.content_id == info.content_id], [info.content_id])


def _open_source(source: bytes | Path | IO[bytes]) -> IO[bytes]:
    if isinstance(source, bytes):
        return io.BytesIO(source)
    if isinstance(source, Path):
        return source.open("rb")
    return source


def stream_edoc(
    source: bytes | Path | IO[bytes], sink: AttachmentSink, options: ParseOptions | None = None
) -> StreamedEdoc:
    """Parse an edoc, sending each attachment's decoded content to a synchronous sink as it is read."""
    reader = _open_source(source)
    steps = _Run(reader, sink, options or ParseOptions()).steps()
    try:
        result: Any = None
        while True:
            function, args = steps.send(result)
            result = function(*args)
            if inspect.isawaitable(result):
                if inspect.iscoroutine(result):
                    result.close()
                raise TypeError("the sink is asynchronous: use stream_edoc_async")
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    finally:
        if reader is not source:
            reader.close()


async def stream_edoc_async(
    source: bytes | Path | IO[bytes], sink: AttachmentSink, options: ParseOptions | None = None
) -> StreamedEdoc:
    """Parse an edoc, awaiting an asynchronous (or synchronous) sink for each decoded piece."""
    reader = _open_source(source)
    steps = _Run(reader, sink, options or ParseOptions()).steps()
    try:
        result: Any = None
        while True:
            function, args = steps.send(result)
            result = function(*args)
            if inspect.isawaitable(result):
                result = await _await(result)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    finally:
        if reader is not source:
            reader.close()


async def _await(value: Awaitable[Any]) -> Any:
    return await value

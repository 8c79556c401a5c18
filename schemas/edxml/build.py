"""Emit edoc and status messages in the element order, prefixes and namespaces of the official samples.

Attachments are written base64-encoded in bounded chunks, so a file of any size is never held whole.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import IO
from xml.sax.saxutils import escape

from lxml import etree
from pydantic import BaseModel

from schemas.edxml.codes import DATE_FORMAT, EDXML_NS, TIMESTAMP_FORMAT, VN_TZ
from schemas.edxml.content import CHUNK, encode_base64_chunks
from schemas.edxml.models import (
    Attachment,
    AttachmentInfo,
    EdocHeader,
    EdocMessage,
    ManifestReference,
    StatusMessage,
)

ZIP_TYPE = "application/zip"
_ITEM_NAMES = {
    "Appendixes": "Appendix",
    "ToPlaces": "Place",
    "ReceiverList": "Receiver",
    "ReplacementInfoList": "ReplacementInfo",
    "OrganIdList": "OrganId",
}
_ATTRIBUTES = {"id", "version"}
# Status samples order these children differently from the edoc samples.
_STATUS_ORDER: dict[str, Sequence[str]] = {
    "From": (
        "OrganId",
        "OrganName",
        "OrganizationInCharge",
        "OrganAdd",
        "Email",
        "Telephone",
        "Fax",
        "Website",
    ),
    "ResponseFor": ("OrganId", "Code", "PromulgationDate", "DocumentId"),
    "StaffInfo": ("Department", "Staff", "Mobile", "Email", "DepartmentId", "StaffId"),
}

Opener = Callable[[], IO[bytes]]


@dataclass(frozen=True)
class BuildOptions:
    """How attachments are written: zip each (SDK convention), never, or as each Attachment says (None)."""

    zip_attachments: bool | None = None
    indent: bool = True


@dataclass(frozen=True)
class AttachmentSource:
    """An attachment to stream into a message: metadata plus bytes, a file path or a reader factory."""

    info: AttachmentInfo
    content: bytes | Path | Opener

    def open(self) -> IO[bytes]:
        """Open the content for reading."""
        if isinstance(self.content, bytes):
            return io.BytesIO(self.content)
        if isinstance(self.content, Path):
            return self.content.open("rb")
        return self.content()


def _q(name: str) -> str:
    return f"{{{EDXML_NS}}}{name}"


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.astimezone(VN_TZ).strftime(TIMESTAMP_FORMAT)
    if isinstance(value, date):
        return value.strftime(DATE_FORMAT)
    return str(value)


def _emit(parent: etree._Element, name: str, value: object, order: dict[str, Sequence[str]]) -> None:
    if value is None:
        return
    if isinstance(value, list):
        if not value:
            return
        if name in _ITEM_NAMES:
            container = etree.SubElement(parent, _q(name))
            for item in value:
                _emit(container, _ITEM_NAMES[name], item, order)
        else:
            for item in value:
                _emit(parent, name, item, order)
        return
    element = etree.SubElement(parent, _q(name))
    if isinstance(value, BaseModel):
        _fill(element, value, order.get(name), order)
    else:
        element.text = _scalar(value)


def _fill(
    element: etree._Element, model: BaseModel, names: Sequence[str] | None, order: dict[str, Sequence[str]]
) -> None:
    by_alias = {
        (info.alias or field): getattr(model, field) for field, info in type(model).model_fields.items()
    }
    for alias in names or list(by_alias):
        if alias in _ATTRIBUTES:
            if by_alias[alias] is not None:
                element.set(alias, str(by_alias[alias]))
            continue
        _emit(element, alias, by_alias.get(alias), order)


def _document(header_children: Callable[[etree._Element], None]) -> etree._Element:
    root = etree.Element(_q("edXML"), nsmap={None: EDXML_NS})  # type: ignore[dict-item]
    envelope = etree.SubElement(root, _q("edXMLEnvelope"), nsmap={"edXML": EDXML_NS})
    header = etree.SubElement(envelope, _q("edXMLHeader"))
    header_children(header)
    return envelope


def _serialize_envelope(envelope: etree._Element, indent: bool) -> bytes:
    """Serialize the document up to the end of edXMLEnvelope, without the root's end tag."""
    root = envelope.getparent()
    assert root is not None
    if indent:
        etree.indent(root, space="  ")
    whole = etree.tostring(root, encoding="UTF-8")
    end = b"</edXML>"
    assert whole.endswith(end)
    return whole[: -len(end)].rstrip()


_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def build_status(message: StatusMessage, options: BuildOptions | None = None) -> bytes:
    """Serialize a status message as in the official numbered samples."""
    options = options or BuildOptions()

    def fill(header: etree._Element) -> None:
        mh = etree.SubElement(header, _q("MessageHeader"))
        _fill(mh, message, None, dict(_STATUS_ORDER))

    envelope = _document(fill)
    return _DECLARATION + _serialize_envelope(envelope, options.indent) + b"\n</edXML>\n"


def _envelope_for(header: EdocHeader, references: list[ManifestReference], indent: bool) -> bytes:
    def fill(head: etree._Element) -> None:
        _emit(head, "MessageHeader", header.message_header, {})
        _emit(head, "TraceHeaderList", header.trace_header_list, {})

    envelope = _document(fill)
    body = etree.SubElement(envelope, _q("edXMLBody"))
    manifest = etree.SubElement(body, _q("edXMLManifest"), version="1.0")
    for ref in references:
        element = etree.SubElement(manifest, _q("Reference"))
        _fill(element, ref.model_copy(update={"content_id": f"cid:{ref.content_id}"}), None, {})
    return _serialize_envelope(envelope, indent)


def _zip_entry_name(info: AttachmentInfo) -> str:
    if info.zip_entry_name:
        return info.zip_entry_name
    suffix = Path(info.attachment_name or "").suffix
    return f"{uuid.uuid4()}{suffix}"


def _zip_to_spool(source: AttachmentSource, spool: IO[bytes]) -> None:
    with (
        zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open(_zip_entry_name(source.info), "w", force_zip64=True) as member,
        source.open() as reader,
    ):
        shutil.copyfileobj(reader, member, CHUNK)
    spool.seek(0)


def _write_attachment(out: IO[bytes], source: AttachmentSource, zipped: bool, indent: bool) -> None:
    info = source.info
    content_type = ZIP_TYPE if zipped else info.content_type
    nl, pad = ("\n", "      ") if indent else ("", "")
    fields = [
        ("ContentId", f"cid:{info.content_id}"),
        ("AttachmentName", info.attachment_name),
        ("Description", info.description),
        ("ContentType", content_type),
    ]
    head = f"{'    ' if indent else ''}<Attachment>{nl}"
    for name, value in fields:
        if value is not None:
            head += f"{pad}<{name}>{escape(value)}</{name}>{nl}"
    head += f'{pad}<edXML:ContentTransferEncoded xmlns:edXML="{EDXML_NS}">'
    out.write(head.encode())
    with tempfile.TemporaryFile() if zipped else source.open() as reader:
        if zipped:
            _zip_to_spool(source, reader)
        for chunk in encode_base64_chunks(reader):
            out.write(chunk.encode("ascii"))
    out.write(f"</edXML:ContentTransferEncoded>{nl}{'    ' if indent else ''}</Attachment>{nl}".encode())


def _should_zip(info: AttachmentInfo, options: BuildOptions) -> bool:
    return info.zipped if options.zip_attachments is None else options.zip_attachments


def reference_for(info: AttachmentInfo) -> ManifestReference:
    """Return a manifest Reference describing an attachment."""
    return ManifestReference(
        content_id=info.content_id,
        content_type=info.content_type,
        description=info.description,
        attachment_name=info.attachment_name,
    )


def write_edoc(
    out: IO[bytes],
    header: EdocHeader,
    attachments: Iterable[AttachmentSource] = (),
    options: BuildOptions | None = None,
) -> None:
    """Stream an edoc to a binary writer; manifest References default to one per attachment."""
    options = options or BuildOptions()
    sources = list(attachments)
    references = header.references or [reference_for(s.info) for s in sources]
    out.write(_DECLARATION + _envelope_for(header, references, options.indent))
    if sources:
        out.write(b"\n  <AttachmentEncoded>\n" if options.indent else b"<AttachmentEncoded>")
        for source in sources:
            zipped = _should_zip(source.info, options)
            if zipped and not source.info.zip_entry_name:
                source = AttachmentSource(
                    source.info.model_copy(update={"zip_entry_name": _zip_entry_name(source.info)}),
                    source.content,
                )
            _write_attachment(out, source, zipped, options.indent)
        out.write(b"  </AttachmentEncoded>" if options.indent else b"</AttachmentEncoded>")
    out.write(b"\n</edXML>\n")


def source_of(attachment: Attachment) -> AttachmentSource:
    """Wrap an in-memory Attachment as a streaming source."""
    info = AttachmentInfo.model_validate(attachment.model_dump(exclude={"data"}))
    return AttachmentSource(info, attachment.data)


def build_edoc(message: EdocMessage, options: BuildOptions | None = None) -> bytes:
    """Serialize an edoc message with its attachments."""
    buffer = io.BytesIO()
    header = EdocHeader(
        message_header=message.message_header,
        trace_header_list=message.trace_header_list,
        references=message.references,
    )
    write_edoc(buffer, header, [source_of(a) for a in message.attachments], options)
    return buffer.getvalue()

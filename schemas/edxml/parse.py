"""Parse edXML messages (edoc and status) from bytes or an element tree into typed models."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from lxml import etree
from pydantic import BaseModel, ValidationError

from schemas.edxml.codes import DATE_FORMAT, EDXML_NS, TIMESTAMP_FORMAT
from schemas.edxml.content import decode_base64, strip_cid, unwrap
from schemas.edxml.errors import (
    AttachmentError,
    DuplicateRecipientError,
    EdxmlError,
    InvalidFieldError,
    ManifestMismatchError,
    MissingFieldError,
    NotEdxmlError,
)
from schemas.edxml.models import (
    Attachment,
    AttachmentInfo,
    Code,
    DocumentType,
    EdocHeader,
    EdocMessage,
    ManifestReference,
    Organization,
    PromulgationInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusMessage,
    StatusResponseFor,
)
from schemas.edxml.xmlsafe import XmlLimits, attachment_too_large, parse_xml

M = TypeVar("M", bound=BaseModel)
_NAMESPACES = (EDXML_NS, None)
_DATE_FIELDS = frozenset({"PromulgationDate", "DueDate"})
_TIMESTAMP_FIELDS = frozenset({"Timestamp"})


@dataclass(frozen=True)
class ParseOptions:
    """Limits and tolerances of the parser: `limits` (xmlsafe.XmlLimits) with its two sizes set here."""

    max_size: int = XmlLimits.max_size
    max_attachment_size: int = XmlLimits.max_attachment_size
    unzip: bool = True
    limits: XmlLimits = field(default_factory=XmlLimits)

    @property
    def xml_limits(self) -> XmlLimits:
        """Every limit the tree parser and the stream check, with this option's two sizes."""
        return replace(self.limits, max_size=self.max_size, max_attachment_size=self.max_attachment_size)


def _is(el: Any, name: str) -> bool:
    if not isinstance(el.tag, str):
        return False
    q = etree.QName(el)
    return q.localname == name and q.namespace in _NAMESPACES


def children(el: etree._Element, name: str) -> Iterator[etree._Element]:
    """Yield child elements with this local name in the QCVN (or no) namespace."""
    return (c for c in el if _is(c, name))


def child(el: etree._Element | None, name: str) -> etree._Element | None:
    """Return the first child element with this local name, or None."""
    if el is None:
        return None
    return next(children(el, name), None)


def items(el: etree._Element | None, name: str) -> list[etree._Element]:
    """Return the child elements with this local name of a possibly absent element."""
    return [] if el is None else list(children(el, name))


def texts(el: etree._Element | None, container: str, name: str) -> list[str]:
    """Return the stripped texts of `container/name` elements."""
    return [(c.text or "").strip() for c in items(child(el, container), name)]


def text(el: etree._Element | None, name: str) -> str | None:
    """Return the stripped text of a child element, None when absent or blank."""
    node = child(el, name)
    value = (node.text or "").strip() if node is not None else ""
    return value or None


def _convert(name: str, value: str, path: str) -> object:
    fmt = DATE_FORMAT if name in _DATE_FIELDS else TIMESTAMP_FORMAT if name in _TIMESTAMP_FIELDS else None
    if fmt is None:
        return value
    try:
        parsed = datetime.strptime(value, fmt)
    except ValueError as exc:
        expected = "yyyy/MM/dd" if fmt == DATE_FORMAT else "yyyy/MM/dd HH:mm:ss"
        raise InvalidFieldError(f"{value!r} is not a valid {expected} value", field=path) from exc
    return parsed.date() if fmt == DATE_FORMAT else parsed


def flat(el: etree._Element | None, model: type[BaseModel], path: str) -> dict[str, object]:
    """Collect the scalar children of an element keyed by the model's aliases."""
    out: dict[str, object] = {}
    if el is None:
        return out
    for name, info in model.model_fields.items():
        alias = info.alias or name
        value = text(el, alias)
        if value is not None:
            out[alias] = _convert(alias, value, f"{path}/{alias}")
    return out


def _loc(path: str, loc: tuple[int | str, ...]) -> str:
    parts = [path]
    for item in loc:
        if isinstance(item, int):
            parts[-1] += f"[{item + 1}]"
        else:
            parts.append(item)
    return "/".join(parts)


def _prune(value: object) -> object:
    """Drop None values, so absent elements surface as "missing" rather than as wrong types."""
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def validate(model: type[M], data: dict[str, object], path: str) -> M:
    """Validate data into a model, turning the first pydantic error into a field-naming EdxmlError."""
    try:
        return model.model_validate(_prune(data))
    except ValidationError as exc:
        err = exc.errors()[0]
        field = _loc(path, tuple(err["loc"]))
        kind = err["type"]
        if kind == "duplicate_recipient":
            raise DuplicateRecipientError(err["msg"], field=field) from exc
        if kind == "missing" or (kind in ("too_short", "string_too_short") and not err.get("input")):
            raise MissingFieldError("required element is missing or empty", field=field) from exc
        shown = repr(err.get("input"))[:80]
        raise InvalidFieldError(f"{err['msg']} (got {shown})", field=field) from exc


def _optional(el: etree._Element | None, model: type[BaseModel], path: str) -> dict[str, object] | None:
    values = flat(el, model, path)
    return values or None


def _message_header(mh: etree._Element) -> dict[str, object]:
    p = "MessageHeader"
    other = child(mh, "OtherInfo")
    other_values: dict[str, object] = flat(other, _OtherInfoScalars, f"{p}/OtherInfo")
    other_values["Appendixes"] = texts(other, "Appendixes", "Appendix")
    return {
        "From": flat(child(mh, "From"), Organization, f"{p}/From"),
        "To": [flat(t, Organization, f"{p}/To") for t in children(mh, "To")],
        "DocumentId": text(mh, "DocumentId"),
        "Code": _optional(child(mh, "Code"), Code, f"{p}/Code"),
        "PromulgationInfo": _optional(
            child(mh, "PromulgationInfo"), PromulgationInfo, f"{p}/PromulgationInfo"
        ),
        "DocumentType": _optional(child(mh, "DocumentType"), DocumentType, f"{p}/DocumentType"),
        "Subject": text(mh, "Subject"),
        "Content": text(mh, "Content"),
        "SignerInfo": _optional(child(mh, "SignerInfo"), SignerInfo, f"{p}/SignerInfo"),
        "DueDate": _convert("DueDate", v, f"{p}/DueDate") if (v := text(mh, "DueDate")) else None,
        "OtherInfo": other_values,
        "ResponseFor": _optional(child(mh, "ResponseFor"), ResponseFor, f"{p}/ResponseFor"),
        "SteeringType": text(mh, "SteeringType"),
        "ToPlaces": texts(mh, "ToPlaces", "Place"),
    }


class _OtherInfoScalars(BaseModel):
    Priority: str | None = None
    SphereOfPromulgation: str | None = None
    TyperNotation: str | None = None
    PromulgationAmount: str | None = None
    PageAmount: str | None = None
    Direction: str | None = None


def _bussiness(b: etree._Element) -> dict[str, object]:
    p = "TraceHeaderList/Bussiness"
    out: dict[str, object] = {
        k: v
        for k in ("DocumentId", "BussinessDocType", "BussinessDocReason", "Paper")
        if (v := text(b, k)) is not None
    }
    info = child(b, "BussinessDocumentInfo")
    if info is not None:
        out["BussinessDocumentInfo"] = {
            **{k: v for k in ("DocumentInfo", "DocumentReceiver") if (v := text(info, k)) is not None},
            "ReceiverList": [
                {k: text(r, k) for k in ("OrganId", "ReceiverType") if text(r, k) is not None}
                for r in items(child(info, "ReceiverList"), "Receiver")
            ],
        }
    replacements = child(b, "ReplacementInfoList")
    if replacements is not None:
        out["ReplacementInfoList"] = [
            {
                "DocumentId": text(r, "DocumentId"),
                "OrganIdList": texts(r, "OrganIdList", "OrganId"),
            }
            for r in children(replacements, "ReplacementInfo")
        ]
    staff = child(b, "StaffInfo")
    if staff is not None:
        out["StaffInfo"] = flat(staff, StaffInfo, f"{p}/StaffInfo")
    return out


def _trace_header_list(thl: etree._Element | None) -> dict[str, object]:
    if thl is None:
        return {}
    p = "TraceHeaderList"
    out: dict[str, object] = {
        "TraceHeader": [
            {k: _convert(k, v, f"{p}/TraceHeader/{k}") for k in ("OrganId", "Timestamp") if (v := text(t, k))}
            for t in children(thl, "TraceHeader")
        ]
    }
    for attr in ("id", "version"):
        if thl.get(attr) is not None:
            out[attr] = thl.get(attr)
    bussiness = child(thl, "Bussiness")
    if bussiness is not None:
        out["Bussiness"] = _bussiness(bussiness)
    return out


def _references(envelope: etree._Element) -> list[dict[str, object]]:
    manifest = child(child(envelope, "edXMLBody"), "edXMLManifest")
    if manifest is None:
        return []
    refs = []
    for r in children(manifest, "Reference"):
        values = flat(r, ManifestReference, "edXMLManifest/Reference")
        if "ContentId" in values:
            values["ContentId"] = strip_cid(str(values["ContentId"]))
        refs.append(values)
    return refs


def _header_element(root: etree._Element) -> tuple[etree._Element, etree._Element]:
    if not _is(root, "edXML") or etree.QName(root).namespace != EDXML_NS:
        raise NotEdxmlError(
            f"root element is {root.tag!r}, expected edXML in namespace {EDXML_NS}", field="edXML"
        )
    envelope = child(root, "edXMLEnvelope")
    mh = child(child(envelope, "edXMLHeader"), "MessageHeader")
    if envelope is None or mh is None:
        raise NotEdxmlError("edXMLEnvelope/edXMLHeader/MessageHeader is missing", field="MessageHeader")
    return envelope, mh


def sender_of(root: etree._Element) -> str | None:
    """Return From/OrganId when it can be read, so errors can say the sender is known."""
    try:
        return text(child(_header_element(root)[1], "From"), "OrganId")
    except EdxmlError:
        return None


def is_status(root: etree._Element) -> bool:
    """Tell a status message (MessageHeader/StatusCode) from an edoc."""
    return child(_header_element(root)[1], "StatusCode") is not None


def edoc_header_from_tree(root: etree._Element) -> EdocHeader:
    """Read header, trace and manifest of an edoc tree (attachment content is not touched)."""
    envelope, mh = _header_element(root)
    if child(mh, "StatusCode") is not None:
        raise NotEdxmlError("this is a status message, not an edoc", field="MessageHeader/StatusCode")
    thl = child(child(envelope, "edXMLHeader"), "TraceHeaderList")
    data: dict[str, object] = {
        "MessageHeader": _message_header(mh),
        "TraceHeaderList": _trace_header_list(thl),
        "Reference": _references(envelope),
    }
    return validate(EdocHeader, data, "edXMLHeader")


def attachment_info(att: etree._Element, index: int) -> dict[str, object]:
    """Read the metadata children of an Attachment element."""
    values = flat(att, AttachmentInfo, f"AttachmentEncoded/Attachment[{index}]")
    if "ContentId" in values:
        values["ContentId"] = strip_cid(str(values["ContentId"]))
    return values


def check_manifest(references: list[ManifestReference], content_ids: list[str]) -> None:
    """Refuse attachments without a manifest entry, entries without attachment, and duplicates."""
    dupes = {c for c in content_ids if content_ids.count(c) > 1}
    if dupes:
        raise AttachmentError(
            f"ContentId {sorted(dupes)} used by more than one attachment", field="Attachment"
        )
    manifest = [r.content_id for r in references]
    for cid in content_ids:
        if cid not in manifest:
            raise ManifestMismatchError(
                f"attachment cid:{cid} has no Reference in edXMLManifest",
                field="AttachmentEncoded/Attachment",
            )
    for cid in manifest:
        if cid not in content_ids:
            raise ManifestMismatchError(
                f"manifest Reference cid:{cid} has no Attachment", field="edXMLManifest/Reference"
            )


def _attachments(root: etree._Element, options: ParseOptions) -> list[Attachment]:
    out = []
    for index, att in enumerate(items(child(root, "AttachmentEncoded"), "Attachment"), 1):
        info = validate(AttachmentInfo, attachment_info(att, index), f"AttachmentEncoded/Attachment[{index}]")
        field = f"Attachment[{index}]/ContentTransferEncoded"
        encoded = child(att, "ContentTransferEncoded")
        if encoded is None:
            raise MissingFieldError("required element is missing", field=field)
        raw = decode_base64(encoded.text or "", field)
        if len(raw) > options.max_attachment_size:
            raise attachment_too_large(len(raw), options.max_attachment_size, field)
        data, entry = unwrap(raw, field, options.max_attachment_size) if options.unzip else (raw, None)
        out.append(
            Attachment(
                **info.model_dump(exclude={"zipped", "zip_entry_name"}),
                zipped=entry is not None,
                zip_entry_name=entry,
                data=data,
            )
        )
    return out


def _with_sender(root: etree._Element, exc: EdxmlError) -> EdxmlError:
    if exc.sender is None:
        exc.sender = sender_of(root)
    return exc


def edoc_from_tree(root: etree._Element, options: ParseOptions | None = None) -> EdocMessage:
    """Read a complete edoc (attachments decoded) from an element tree."""
    options = options or ParseOptions()
    try:
        header = edoc_header_from_tree(root)
        attachments = _attachments(root, options)
        check_manifest(header.references, [a.content_id for a in attachments])
    except EdxmlError as exc:
        raise _with_sender(root, exc) from exc.__cause__
    return EdocMessage(**dict(header), attachments=attachments)


def status_from_tree(root: etree._Element) -> StatusMessage:
    """Read a status message from an element tree (child order is free)."""
    try:
        _, mh = _header_element(root)
        if child(mh, "StatusCode") is None and child(mh, "To") is not None:
            raise NotEdxmlError("this is an edoc, not a status message", field="MessageHeader")
        p = "MessageHeader"
        data: dict[str, object] = {
            "From": flat(child(mh, "From"), Organization, f"{p}/From"),
            "ResponseFor": flat(child(mh, "ResponseFor"), StatusResponseFor, f"{p}/ResponseFor"),
            "StatusCode": text(mh, "StatusCode"),
            "Description": text(mh, "Description"),
        }
        if (staff := child(mh, "StaffInfo")) is not None:
            data["StaffInfo"] = flat(staff, StaffInfo, f"{p}/StaffInfo")
        if (stamp := text(mh, "Timestamp")) is not None:
            data["Timestamp"] = _convert("Timestamp", stamp, f"{p}/Timestamp")
        return validate(StatusMessage, data, p)
    except EdxmlError as exc:
        raise _with_sender(root, exc) from exc.__cause__


def parse_edoc(data: bytes, options: ParseOptions | None = None) -> EdocMessage:
    """Parse an edoc message from bytes, refusing hostile or invalid input with an EdxmlError."""
    options = options or ParseOptions()
    return edoc_from_tree(parse_xml(data, limits=options.xml_limits), options)


def parse_status(data: bytes, options: ParseOptions | None = None) -> StatusMessage:
    """Parse a status message from bytes."""
    options = options or ParseOptions()
    return status_from_tree(parse_xml(data, limits=options.xml_limits))


def parse_message(data: bytes, options: ParseOptions | None = None) -> EdocMessage | StatusMessage:
    """Parse either kind of message, telling them apart by MessageHeader/StatusCode."""
    options = options or ParseOptions()
    root = parse_xml(data, limits=options.xml_limits)
    return status_from_tree(root) if is_status(root) else edoc_from_tree(root, options)

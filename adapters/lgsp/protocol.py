"""The LGSP contract's values and their XML form: typed models (mirroring the XSD of
lienthong-lgsp.wsdl) and the conversion of request and response body elements, server side."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from adapters.lgsp.contract import NS

OrganId = Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]+(\.[0-9A-Z]+)*$", min_length=1, max_length=35)]
DocumentId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:\-]+$", min_length=1, max_length=64)]
StatusCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{2}$")]
Description = Annotated[str, StringConstraints(max_length=2000)]
MAX_PENDING_IDS = 1000  # GetPendingDocumentIdsResponse holds at most this many ids (XSD maxOccurs)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MessageType(StrEnum):
    """What an edXML message is: a document or a status (feedback) message."""

    EDOC = "edoc"
    STATUS = "status"


class StatusInfo(_Model):
    """A business status given synchronously by a receiver (e.g. 02 with the refusal reason)."""

    status_code: StatusCode
    description: Description | None = None


class SendRequest(_Model):
    """A SendDocument call: the edXML bytes, their kind and optionally explicit receivers."""

    message_type: MessageType
    content: bytes
    receiver_ids: tuple[OrganId, ...] = ()
    idempotency_key: DocumentId | None = None  # the same on every attempt: the axis sends it once


class SendReceipt(_Model):
    """What SendDocument answers: the transport id, the receivers, a synchronous status if any."""

    document_id: DocumentId
    receiver_ids: tuple[OrganId, ...] = ()
    status: StatusInfo | None = None


class PendingQuery(_Model):
    """A GetPendingDocumentIds call."""

    message_type: MessageType | None = None
    max_count: int | None = Field(default=None, ge=1, le=1000)


class Document(_Model):
    """A message as downloaded with GetDocument."""

    document_id: DocumentId
    message_type: MessageType
    sender_id: OrganId
    receiver_ids: tuple[OrganId, ...] = ()
    sent_at: datetime
    content: bytes


class TraceUpdate(_Model):
    """One status update reported with UpdateTraces; the reporting organisation is the caller."""

    document_id: DocumentId
    status_code: StatusCode
    description: Description | None = None
    timestamp: datetime | None = None


class Trace(_Model):
    """One recorded status of a message, as returned by GetTraces."""

    document_id: DocumentId
    organ_id: OrganId
    status_code: StatusCode
    description: Description | None = None
    timestamp: datetime


class Organization(_Model):
    """An organisation reachable on the axis."""

    organ_id: OrganId
    name: str
    parent_id: OrganId | None = None
    email: str | None = None


# XML form of the body elements ---------------------------------------------------------------------


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _text(parent: etree._Element, name: str) -> str | None:
    node = parent.find(_q(name))
    if node is None:
        return None
    return (node.text or "").strip()


def _required(parent: etree._Element, name: str) -> str:
    value = _text(parent, name)
    if value is None:
        raise ValueError(f"element {name} is missing")
    return value


def _all(parent: etree._Element, name: str) -> tuple[str, ...]:
    return tuple((node.text or "").strip() for node in parent.iterfind(_q(name)))


def parse_datetime(value: str) -> datetime:
    """Parse an xs:dateTime; a value without offset is taken as UTC."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def format_datetime(value: datetime) -> str:
    """Format an xs:dateTime in UTC with a Z suffix."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _b64(value: str) -> bytes:
    return base64.b64decode("".join(value.split()), validate=True)


# Requests -----------------------------------------------------------------------------------------


def send_request(node: etree._Element) -> SendRequest:
    """Read a SendDocumentRequest."""
    return SendRequest(
        message_type=MessageType(_required(node, "MessageType")),
        receiver_ids=_all(node, "ReceiverId"),
        content=_b64(_required(node, "Content")),
        idempotency_key=_text(node, "IdempotencyKey"),
    )


def pending_query(node: etree._Element) -> PendingQuery:
    """Read a GetPendingDocumentIdsRequest."""
    kind = _text(node, "MessageType")
    count = _text(node, "MaxCount")
    return PendingQuery(
        message_type=MessageType(kind) if kind else None, max_count=int(count) if count else None
    )


def document_id(node: etree._Element) -> str:
    """Read the DocumentId of a GetDocument, ConfirmReceived or GetTraces request."""
    return _required(node, "DocumentId")


def trace_updates(node: etree._Element) -> list[TraceUpdate]:
    """Read an UpdateTracesRequest."""
    result = []
    for trace in node.iterfind(_q("Trace")):
        stamp = _text(trace, "Timestamp")
        result.append(
            TraceUpdate(
                document_id=_required(trace, "DocumentId"),
                status_code=_required(trace, "StatusCode"),
                description=_text(trace, "Description"),
                timestamp=parse_datetime(stamp) if stamp else None,
            )
        )
    return result


def organization_filter(node: etree._Element) -> str | None:
    """Read a GetOrganizationsRequest."""
    return _text(node, "OrganId") or None


# Responses ----------------------------------------------------------------------------------------


def _add(parent: etree._Element, name: str, value: str | None) -> None:
    if value is not None:
        etree.SubElement(parent, _q(name)).text = value


def _response(name: str) -> etree._Element:
    return etree.Element(_q(name), nsmap={"lgsp": NS})


def send_response(receipt: SendReceipt) -> etree._Element:
    """Build a SendDocumentResponse."""
    root = _response("SendDocumentResponse")
    _add(root, "DocumentId", receipt.document_id)
    for receiver in receipt.receiver_ids:
        _add(root, "ReceiverId", receiver)
    if receipt.status is not None:
        status = etree.SubElement(root, _q("Status"))
        _add(status, "StatusCode", receipt.status.status_code)
        _add(status, "Description", receipt.status.description)
    return root


def pending_response(ids: Sequence[str]) -> etree._Element:
    """Build a GetPendingDocumentIdsResponse."""
    root = _response("GetPendingDocumentIdsResponse")
    for value in ids:
        _add(root, "DocumentId", value)
    return root


def document_response(document: Document) -> etree._Element:
    """Build a GetDocumentResponse."""
    root = _response("GetDocumentResponse")
    _add(root, "DocumentId", document.document_id)
    _add(root, "MessageType", document.message_type.value)
    _add(root, "SenderId", document.sender_id)
    for receiver in document.receiver_ids:
        _add(root, "ReceiverId", receiver)
    _add(root, "SentAt", format_datetime(document.sent_at))
    _add(root, "Content", base64.b64encode(document.content).decode("ascii"))
    return root


def confirm_response(document_id: str) -> etree._Element:
    """Build a ConfirmReceivedResponse."""
    root = _response("ConfirmReceivedResponse")
    _add(root, "DocumentId", document_id)
    return root


def update_traces_response(accepted: int) -> etree._Element:
    """Build an UpdateTracesResponse."""
    root = _response("UpdateTracesResponse")
    _add(root, "Accepted", str(accepted))
    return root


def traces_response(traces: Sequence[Trace]) -> etree._Element:
    """Build a GetTracesResponse."""
    root = _response("GetTracesResponse")
    for trace in traces:
        node = etree.SubElement(root, _q("Trace"))
        _add(node, "DocumentId", trace.document_id)
        _add(node, "OrganId", trace.organ_id)
        _add(node, "StatusCode", trace.status_code)
        _add(node, "Description", trace.description)
        _add(node, "Timestamp", format_datetime(trace.timestamp))
    return root


def organizations_response(organizations: Sequence[Organization]) -> etree._Element:
    """Build a GetOrganizationsResponse."""
    root = _response("GetOrganizationsResponse")
    for org in organizations:
        node = etree.SubElement(root, _q("Organization"))
        _add(node, "OrganId", org.organ_id)
        _add(node, "Name", org.name)
        _add(node, "ParentId", org.parent_id)
        _add(node, "Email", org.email)
    return root

"""Typed values exchanged over the LGSP contract (mirrors the XSD in lienthong-lgsp.wsdl)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

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

"""Wire format <-> bus payloads: edXML models to events, and status replies built from a received edoc."""

from __future__ import annotations

from datetime import datetime

from adapters.vdxp.models import ReceivedItem
from schemas import axis_mapping as shared
from schemas.axis import AttachmentRef, Axis, DocumentReceived, DocumentStatusChanged, SignatureCheck
from schemas.edxml.codes import StatusCode
from schemas.edxml.models import EdocHeader, Organization, StatusMessage
from schemas.envelope import ClaimCheck

AXIS: Axis = "vdxp"


def document_received(
    header: EdocHeader,
    item: ReceivedItem,
    edxml: ClaimCheck,
    attachments: list[AttachmentRef],
    signature: SignatureCheck,
    received_at: datetime,
) -> DocumentReceived:
    """The `document.received` payload of a stored incoming edoc."""
    return shared.document_received(header, AXIS, item.doc_id, edxml, attachments, signature, received_at)


def status_changed(message: StatusMessage, item: ReceivedItem, edxml: ClaimCheck) -> DocumentStatusChanged:
    """The `document.status_changed` payload of an incoming status message."""
    return shared.status_changed(message, AXIS, item.doc_id, edxml)


def rejection_for_unreadable(
    sender: str, document_id: str | None, reason: str, us: Organization, now: datetime | None = None
) -> StatusMessage:
    """A 02 status for an edoc whose header could not be fully read (only the sender is known)."""
    description = f"{StatusCode.REJECTED.description}. Lý do: {reason}"
    return shared.rejection_for_unreadable(sender, document_id, description, us, now)

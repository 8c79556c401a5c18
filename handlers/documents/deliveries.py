"""What happens to an issued document after it leaves: the axis took it, the transport state per
recipient, and the business statuses (01-16) each recipient reports, kept in the order they happened."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from handlers.documents.clock import now
from handlers.documents.models import OUTGOING, DocDelivery, Document
from handlers.documents.trail import history
from hub.auth import Principal
from schemas.edxml.codes import VN_TZ

if TYPE_CHECKING:
    from hub.runtime import Work


def _utc(moment: datetime) -> datetime:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)
    return aware.astimezone(UTC).replace(microsecond=0)


async def outgoing_by_edoc(work: Work, edoc_document_id: str) -> Document | None:
    """The document we issued under this edXML DocumentId."""
    stmt = select(Document).where(
        Document.direction == OUTGOING, Document.edoc_document_id == edoc_document_id
    )
    found: Document | None = await work.session.scalar(stmt)
    return found


async def delivery_of(work: Work, doc: Document, to_code: str) -> DocDelivery | None:
    """The delivery of an issued document to one recipient."""
    return await work.session.get(DocDelivery, (doc.id, to_code))


async def on_axis_sent(work: Work, edoc_document_id: str, sender_doc_id: str, to_codes: list[str]) -> None:
    """The axis took the document for these recipients under its own id."""
    doc = await outgoing_by_edoc(work, edoc_document_id)
    if doc is None:
        return
    for code in to_codes:
        delivery = await delivery_of(work, doc, code)
        if delivery is not None:
            delivery.axis_doc_id = sender_doc_id
            if delivery.transport == "queued":
                delivery.transport = "sent"
            delivery.updated_at = now()


AXIS_TRANSPORT = {"pending": "sent", "processing": "sent", "done": "delivered", "fail": "failed"}
"""The axes' receive states (VDXP `receiveStatus`, the city axis the same words) in our words."""
FINAL = ("delivered", "failed")

UNDELIVERED = "Không gửi được tới {name}"


async def on_transport(
    work: Work, edoc_document_id: str, to_code: str, state: str, reason: str | None = None
) -> None:
    """The transport state of one recipient changed (an axis word: pending, processing, done, fail).

    A final state is not undone by a late report of an earlier one; a failure goes into the
    document's history with the axis's reason, where the clerk who issued it reads it.
    """
    doc = await outgoing_by_edoc(work, edoc_document_id)
    if doc is None:
        return
    delivery = await delivery_of(work, doc, to_code)
    ours = AXIS_TRANSPORT.get(state)
    if delivery is None or ours is None or delivery.transport == ours:
        return
    if delivery.transport in FINAL and ours not in FINAL:
        return
    delivery.transport = ours
    delivery.updated_at = now()
    if ours == "failed":
        name = delivery.to_name or to_code
        text = UNDELIVERED.format(name=name) + (f": {reason}" if reason else "")
        axis = Principal(id="axis", username="axis", full_name="Trục liên thông")
        history(work.session, doc, axis, "delivery_failed", text, recipient=to_code)


async def on_business_status(
    work: Work, edoc_document_id: str, from_code: str, code: str, text: str, reported_at: datetime
) -> bool:
    """A recipient reported a business status (01..16) about a document we issued."""
    doc = await outgoing_by_edoc(work, edoc_document_id)
    if doc is None:
        return False
    delivery = await delivery_of(work, doc, from_code)
    if delivery is None:
        return False
    # Statuses may arrive out of order over the axis: keep them by report time, then by code (01 < 03 < ...).
    entry = {"code": code, "text": text, "at": _utc(reported_at).isoformat()}
    statuses = sorted([*delivery.statuses, entry], key=lambda s: (s["at"], s["code"]))
    delivery.statuses = statuses
    delivery.status_code = statuses[-1]["code"]
    delivery.status_text = statuses[-1]["text"]
    delivery.updated_at = now()
    name = delivery.to_name or from_code
    history(
        work.session,
        doc,
        Principal(id=f"axis:{from_code}", username=from_code, full_name=name),
        "recipient_status",
        text,
        code,
        recipient=from_code,
    )
    return True

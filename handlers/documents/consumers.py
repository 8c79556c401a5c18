"""Consumers of the documents module: documents from the axes and other modules, statuses and deliveries
of what we sent, documents the axes' intake refused, signing outcomes (server-held keys and the leader's
USB token). Thin glue: each reads its payload and calls `service`. All but the full-text indexer are
transactional: effect, inbox row and emitted messages commit together."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.documents import refusals, service
from handlers.documents.incoming import Incoming
from handlers.documents.rules import PRIORITY_BY_CODE
from schemas.axis import (
    AttachmentRef,
    AxisDeliveryChanged,
    AxisReceiveFailed,
    AxisSent,
    DocumentReceived,
    DocumentStatusChanged,
)
from schemas.documents import DocumentAttachment, DocumentRegistered, RegisterDocument
from schemas.edxml import BussinessDocType
from schemas.signing import PdfSigned, PdfSignRefused, PdfTokenSigned

if TYPE_CHECKING:
    from handlers.documents.context import Context
    from hub.runtime import Delivery, Hub


def _axis_attachment(ref: AttachmentRef) -> dict[str, object]:
    return {
        "name": ref.name or ref.content_id,
        "content_type": ref.content_type,
        "claim": ref.claim.model_dump(mode="json"),
    }


def _attachment(a: DocumentAttachment) -> dict[str, object]:
    return {"name": a.name, "content_type": a.content_type, "claim": a.claim.model_dump(mode="json")}


def incoming_of(p: DocumentReceived) -> Incoming:
    """What the register needs from a `document.received` event."""
    return Incoming(
        subject=p.subject,
        from_agency=p.from_name or p.from_code,
        source="axis",
        code=p.code,
        issued_date=p.promulgation_date,
        document_type=p.document_type,
        priority=PRIORITY_BY_CODE.get(p.priority or 0, "Thường"),
        due_date=p.due_date,
        arrived_at=p.received_at,
        from_code=p.from_code,
        axis=p.axis,
        edoc_document_id=p.document_id,
        signer_name=p.signer_name,
        edxml=p.edxml.model_dump(mode="json"),
        attachments=[_axis_attachment(a) for a in p.attachments],
    )


def registration_of(p: RegisterDocument) -> Incoming:
    """What the register needs from a `document.register` command."""
    return Incoming(
        subject=p.subject,
        from_agency=p.from_agency,
        source=p.source,
        code=p.code,
        issued_date=p.date,
        document_type=p.document_type,
        priority=p.priority,
        confidentiality=p.confidentiality,
        due_date=p.due_date,
        arrived_at=p.received_at,
        external_ref=p.external_ref,
        attachments=[_attachment(a) for a in p.attachments],
    )


def business_kind(p: DocumentReceived) -> BussinessDocType:
    """New, revoke, update or replace (an unknown business type is taken as new)."""
    return BussinessDocType(p.business_type) if p.business_type in (0, 1, 2, 3) else BussinessDocType.NEW


def setup(hub: Hub, ctx: Context) -> None:
    """Register the module's consumers around the service context (settings, this agency)."""
    _incoming(hub, ctx)
    _issued(hub, ctx)
    _signatures(hub, ctx)


def _incoming(hub: Hub, ctx: Context) -> None:
    """What arrives: documents from the axes and the desks, their text, refusals at the intake."""

    @hub.consumer(
        "documents-received", "lt.doc.evt.received", transactional=True, types=["document.received"]
    )
    async def received(d: Delivery) -> None:
        """Register documents arriving from the axes; apply revoke, update and replace requests."""
        p: DocumentReceived = d.payload
        await service.receive_from_axis(
            d, ctx, incoming_of(p), business_kind(p), p.edxml, p.response_for_document_id
        )

    @hub.consumer(
        "documents-register", "lt.doc.cmd.register", transactional=True, types=["document.register"]
    )
    async def register(d: Delivery) -> None:
        """Register a document handed over by the one-stop desk, the complaints module or a paper scan."""
        await service.register_command(d, ctx, registration_of(d.payload))

    @hub.consumer(
        "documents-prepare-issue",
        "lt.doc.cmd.prepare_issue",
        transactional=True,
        types=["document.prepare_issue"],
    )
    async def prepare_issue(d: Delivery) -> None:
        """A document another module's leader signed: the clerks number, seal and issue it."""
        await service.prepare_issue(d, ctx, d.payload)

    @hub.consumer("documents-fulltext", "lt.doc.evt.registered", types=["document.registered"])
    async def fulltext(d: Delivery) -> None:
        """Index the text of a registered document's files (kept out of the registration transaction)."""
        p: DocumentRegistered = d.payload
        await service.index_files(d.hub, ctx, p.document_id)

    @hub.consumer(
        "documents-refusals",
        "lt.axis.evt.receive_failed",
        transactional=True,
        types=["axis.receive_failed"],
    )
    async def refused_at_intake(d: Delivery) -> None:
        """An electronic document the axis intake refused: kept for the clerk's list."""
        p: AxisReceiveFailed = d.payload
        await refusals.record(d, ctx, p)


def _issued(hub: Hub, ctx: Context) -> None:
    """What we issued: recipients' statuses, the axis taking it, each recipient's transport state."""

    @hub.consumer(
        "documents-status", "lt.doc.evt.status_changed", transactional=True, types=["document.status_changed"]
    )
    async def status(d: Delivery) -> None:
        """Statuses from recipients of what we issued; take-back requests (13) from senders."""
        p: DocumentStatusChanged = d.payload
        await service.status_reported(d, ctx, p)

    @hub.consumer("documents-axis-sent", "lt.axis.evt.sent", transactional=True, types=["axis.sent"])
    async def sent(d: Delivery) -> None:
        """The axis took one of our issued documents."""
        p: AxisSent = d.payload
        await service.axis_sent(d, p)

    @hub.consumer(
        "documents-delivery",
        "lt.axis.evt.delivery_changed",
        transactional=True,
        types=["axis.delivery_changed"],
    )
    async def delivery(d: Delivery) -> None:
        """Transport state of one recipient of an issued document."""
        p: AxisDeliveryChanged = d.payload
        await service.delivery_changed(d, p)


def _signatures(hub: Hub, ctx: Context) -> None:
    """The signing service's answers, and a leader's token signature."""

    @hub.consumer("documents-signed", "lt.sign.evt.pdf_signed", transactional=True, types=["sign.pdf.signed"])
    async def signed(d: Delivery) -> None:
        """The signing service signed one of our PDFs (matched by correlation id)."""
        p: PdfSigned = d.payload
        await service.signature_signed(
            d, ctx, str(d.envelope.correlation_id), p.signed, p.result.signer_subject
        )

    @hub.consumer(
        "documents-sign-refused", "lt.sign.evt.pdf_refused", transactional=True, types=["sign.pdf.refused"]
    )
    async def refused(d: Delivery) -> None:
        """The signing service refused to sign one of our PDFs."""
        p: PdfSignRefused = d.payload
        await service.signature_refused(d, str(d.envelope.correlation_id), p.reason_vi)

    @hub.consumer(
        "documents-token-signed",
        "lt.sign.evt.token_signed",
        transactional=True,
        types=["sign.token.signed"],
    )
    async def token_signed(d: Delivery) -> None:
        """A leader signed one of our drafts with their USB token: it becomes the approved version."""
        p: PdfTokenSigned = d.payload
        await service.token_signed(d, ctx, p)

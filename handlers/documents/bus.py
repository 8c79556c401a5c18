"""Consumers of the documents module: documents from the axes and other modules, statuses and deliveries
of what we sent, signing outcomes. All transactional: effect, inbox row and emitted messages commit
together."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import select

from handlers.documents import changes
from handlers.documents.core import SYSTEM, Refusal, read_claim
from handlers.documents.incoming import Context, Incoming, receive
from handlers.documents.models import OUTGOING, DocSignRequest, Document
from handlers.documents.outgoing import on_axis_sent, on_business_status, on_refused, on_signed, on_transport
from handlers.documents.rules import PRIORITY_BY_CODE, fold
from handlers.documents.text import pdf_text
from hub.errors import PermanentError
from schemas.axis import AttachmentRef, AxisDeliveryChanged, AxisSent, DocumentReceived, DocumentStatusChanged
from schemas.documents import DocumentAttachment, DocumentRegistered, RegisterDocument
from schemas.edxml import BussinessDocType
from schemas.envelope import ClaimCheck
from schemas.signing import PdfSigned, PdfSignRefused

if TYPE_CHECKING:
    from hub.runtime import Delivery, Hub

log = structlog.get_logger(__name__)
PDF = "application/pdf"


def _attachment(ref: AttachmentRef) -> dict[str, object]:
    return {
        "name": ref.name or ref.content_id,
        "content_type": ref.content_type,
        "claim": ref.claim.model_dump(mode="json"),
    }


async def index_files(d: Delivery, document_id: str) -> None:
    """Extract the text of a registered document's PDF files for full-text search (outside any lock)."""
    async with d.hub.db.session() as s:
        doc = await s.get(Document, document_id)
        if doc is None or doc.body_text:
            return
        files = [
            ClaimCheck.model_validate(a["claim"]) for a in doc.attachments if a.get("content_type") == PDF
        ]
    texts = []
    for claim in files:
        data = await read_claim(d.hub, claim)
        texts.append(await asyncio.to_thread(pdf_text, data))
    body = fold(" ".join(texts))
    if not body:
        return
    async with d.hub.db.session() as s:
        doc = await s.get(Document, document_id)
        if doc is not None and doc.status != "revoked":
            doc.body_text = body


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
        attachments=[_attachment(a) for a in p.attachments],
    )


def setup(hub: Hub, ctx_of: Callable[[], Context]) -> None:
    """Register the module's consumers (ctx_of() gives the service context once the hub knows its agency)."""

    @hub.consumer(
        "documents-received", "lt.doc.evt.received", transactional=True, types=["document.received"]
    )
    async def received(d: Delivery) -> None:
        """Register documents arriving from the axes; apply revoke, update and replace requests."""
        p: DocumentReceived = d.payload
        ctx: Context = ctx_of()
        item = incoming_of(p)
        kind = BussinessDocType(p.business_type) if p.business_type in (0, 1, 2, 3) else BussinessDocType.NEW
        if kind in (BussinessDocType.REVOKE, BussinessDocType.UPDATE, BussinessDocType.REPLACE):
            business = await changes.business_of(d, p.edxml)
            target = (business.document_id if business else None) or p.response_for_document_id
            if kind is BussinessDocType.REVOKE:
                reason = (business.bussiness_doc_reason if business else None) or "Thu hồi văn bản điện tử"
                await changes.revoke(d, ctx, item, target or p.document_id, reason)
                return
            if kind is BussinessDocType.UPDATE:
                await changes.update(d, ctx, item, target or p.document_id)
                return
            replaced = [r.document_id for r in business.replacement_info_list] if business else []
            doc = await receive(d, ctx, item, SYSTEM, register=ctx.settings.auto_register)
            await changes.replaced(d, ctx, doc, item, replaced or ([target] if target else []))
            return
        if p.response_for_document_id:
            answered = await d.session.scalar(
                select(Document.id).where(
                    Document.direction == OUTGOING, Document.edoc_document_id == p.response_for_document_id
                )
            )
            item.response_for_id = answered
        await receive(d, ctx, item, SYSTEM, register=ctx.settings.auto_register)

    @hub.consumer(
        "documents-register", "lt.doc.cmd.register", transactional=True, types=["document.register"]
    )
    async def register(d: Delivery) -> None:
        """Register a document handed over by the one-stop desk, the complaints module or a paper scan."""
        p: RegisterDocument = d.payload
        ctx: Context = ctx_of()
        if p.external_ref:
            existing = await d.session.scalar(
                select(Document.id).where(
                    Document.source == p.source, Document.external_ref == p.external_ref
                )
            )
            if existing is not None:
                log.info(
                    "documents.register_duplicate_command", external_ref=p.external_ref, document_id=existing
                )
                return
        item = Incoming(
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
            attachments=[_from_schema(a) for a in p.attachments],
        )
        try:
            await receive(d, ctx, item, SYSTEM, register=True)
        except Refusal as exc:
            raise PermanentError(exc.message) from exc

    @hub.consumer("documents-fulltext", "lt.doc.evt.registered", types=["document.registered"])
    async def fulltext(d: Delivery) -> None:
        """Index the text of a registered document's files (kept out of the registration transaction)."""
        p: DocumentRegistered = d.payload
        await index_files(d, p.document_id)

    @hub.consumer(
        "documents-status", "lt.doc.evt.status_changed", transactional=True, types=["document.status_changed"]
    )
    async def status(d: Delivery) -> None:
        """Statuses from recipients of what we issued; take-back requests (13) from senders."""
        p: DocumentStatusChanged = d.payload
        ctx: Context = ctx_of()
        ours = await on_business_status(
            d, p.document_id, p.from_code, p.status_code, p.status_text, p.reported_at
        )
        if not ours and p.status_code == "13":
            await changes.take_back(d, ctx, p.document_id, p.from_code, p.description or "Yêu cầu lấy lại")

    @hub.consumer("documents-axis-sent", "lt.axis.evt.sent", transactional=True, types=["axis.sent"])
    async def sent(d: Delivery) -> None:
        """The axis took one of our issued documents."""
        p: AxisSent = d.payload
        if p.message_type == "edoc" and p.document_id:
            await on_axis_sent(d, p.document_id, p.sender_doc_id, p.to_codes)

    @hub.consumer(
        "documents-delivery",
        "lt.axis.evt.delivery_changed",
        transactional=True,
        types=["axis.delivery_changed"],
    )
    async def delivery(d: Delivery) -> None:
        """Transport state of one recipient of an issued document."""
        p: AxisDeliveryChanged = d.payload
        if p.document_id:
            await on_transport(d, p.document_id, p.to_code, p.receive_status)

    @hub.consumer("documents-signed", "lt.sign.evt.pdf_signed", transactional=True, types=["sign.pdf.signed"])
    async def signed(d: Delivery) -> None:
        """The signing service signed one of our PDFs."""
        p: PdfSigned = d.payload
        request = await d.session.get(DocSignRequest, str(d.envelope.correlation_id))
        if request is None:
            return  # somebody else's signature
        await on_signed(d, ctx_of(), request, p.signed, p.result.signer_subject)

    @hub.consumer(
        "documents-sign-refused", "lt.sign.evt.pdf_refused", transactional=True, types=["sign.pdf.refused"]
    )
    async def refused(d: Delivery) -> None:
        """The signing service refused to sign one of our PDFs."""
        p: PdfSignRefused = d.payload
        request = await d.session.get(DocSignRequest, str(d.envelope.correlation_id))
        if request is None:
            return
        await on_refused(d, request, p.reason_vi)


def _from_schema(a: DocumentAttachment) -> dict[str, object]:
    return {"name": a.name, "content_type": a.content_type, "claim": a.claim.model_dump(mode="json")}

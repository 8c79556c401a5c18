"""Incoming documents (văn bản đến): receive, spot duplicates, register with the next số đến, reject.

Every function runs inside the caller's transaction (`hub.transaction` or a transactional consumer):
the row changes, the history entry, the audit entry, the event and the status back to the sender are
committed together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select

from handlers.documents import registers
from handlers.documents.access import grant, granted_to, require
from handlers.documents.clock import local_date, now
from handlers.documents.context import SYSTEM, Context
from handlers.documents.models import INCOMING, Document
from handlers.documents.numbering import next_number
from handlers.documents.rules import fold, status_word
from handlers.documents.search import search_text
from handlers.documents.secrecy import told_subject
from handlers.documents.statuses import send_status
from handlers.documents.store import new_id
from handlers.documents.trail import audit, history, snapshot
from hub.errors import Conflict, Invalid
from hub.orgchart import CLERK
from schemas.documents import DocumentRegistered, DocumentRejected
from schemas.edxml import StatusCode

if TYPE_CHECKING:
    from hub.auth import Principal
    from hub.runtime import Work


@dataclass
class Incoming:
    """What is known of an incoming document when it arrives."""

    subject: str
    from_agency: str
    source: str
    code: str | None = None
    issued_date: date | None = None
    document_type: str | None = None
    priority: str = "Thường"
    confidentiality: str = "Thường"
    due_date: date | None = None
    arrived_at: datetime | None = None
    from_code: str | None = None
    axis: str | None = None
    edoc_document_id: str | None = None
    external_ref: str | None = None
    signer_name: str | None = None
    edxml: dict[str, Any] | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    response_for_id: str | None = None
    full_text: str = ""
    index_note: str = ""  # why the files' text is not searchable (a paper scan past the budget)


async def find_duplicate(work: Work, item: Incoming) -> Document | None:
    """An incoming document with the same DocumentId, or the same (số/ký hiệu, issuing agency, date)."""
    conditions = []
    if item.edoc_document_id:
        conditions.append(Document.edoc_document_id == item.edoc_document_id)
    if item.code and item.issued_date:
        agency = [Document.from_agency == item.from_agency]
        if item.from_code:
            agency.append(Document.from_code == item.from_code)
        conditions.append(
            (Document.code == item.code) & (Document.issued_date == item.issued_date) & or_(*agency)
        )
    if not conditions:
        return None
    stmt = (
        select(Document)
        .where(
            Document.direction == INCOMING, Document.status.notin_(("revoked", "rejected")), or_(*conditions)
        )
        .order_by(Document.created_at)
        .limit(1)
    )
    found: Document | None = await work.session.scalar(stmt)
    return found


def new_incoming(ctx: Context, item: Incoming, actor: Principal, duplicate: Document | None) -> Document:
    """The unsaved row of an arriving document, with the duplicate it may repeat."""
    return Document(
        id=new_id(),
        direction=INCOMING,
        status="received",
        register_code=ctx.settings.incoming_register,
        subject=item.subject,
        code=item.code,
        document_type=item.document_type,
        from_agency=item.from_agency,
        from_code=item.from_code,
        issued_date=item.issued_date,
        arrived_at=item.arrived_at or now(),
        priority=item.priority,
        confidentiality=item.confidentiality,
        due_date=item.due_date,
        deadline=item.due_date,  # the sender's DueDate, until a leader gives the handling deadline
        source=item.source,
        axis=item.axis,
        external_ref=item.external_ref,
        edoc_document_id=item.edoc_document_id,
        signer_name=item.signer_name,
        edxml=item.edxml,
        attachments=item.attachments,
        duplicate_of=duplicate.id if duplicate else None,
        response_for_id=item.response_for_id,
        coordinating_unit_ids=[],
        officer_ids=[],
        recipients=[],
        approvers=[],
        instruction="",
        note="",
        body_text=fold(item.full_text),
        index_note=item.index_note,
        created_by=actor.id,
        created_at=now(),
        updated_at=now(),
    )


async def receive(
    work: Work,
    ctx: Context,
    item: Incoming,
    actor: Principal,
    *,
    register: bool,
    allow_duplicate: bool = False,
) -> Document:
    """Create an incoming document; register it at once unless asked not to or it looks like a duplicate.

    A duplicate is refused (409) when the caller is a person who did not confirm it; from the bus it is
    kept waiting for the clerk with the warning, and no number is taken.
    """
    duplicate = await find_duplicate(work, item)
    if duplicate is not None and not allow_duplicate and actor is not SYSTEM:
        raise Conflict(
            f"Văn bản trùng với văn bản đã có (số đến {duplicate.number or 'chưa vào sổ'}, "
            f"ký hiệu {duplicate.code or '—'}, {duplicate.from_agency}); "
            "gửi lại với allow_duplicate=true nếu vẫn muốn vào sổ",
            field="code",
        )
    doc = new_incoming(ctx, item, actor, duplicate)
    doc.search_text = search_text(doc)
    work.session.add(doc)
    await work.session.flush()
    text = "Tiếp nhận văn bản đến"
    if duplicate is not None:
        text += f" (cảnh báo trùng với văn bản số đến {duplicate.number or '—'})"
    history(work.session, doc, actor, "received", text, duplicate_of=doc.duplicate_of, source=item.source)
    audit(
        work.session,
        actor,
        "document.received",
        f"document:{doc.id}",
        None,
        snapshot(doc),
        source=item.source,
    )
    if register and (duplicate is None or allow_duplicate):
        await register_document(work, ctx, doc, actor)
    return doc


async def register_document(work: Work, ctx: Context, doc: Document, actor: Principal) -> Document:
    """Give the document the next số đến of its register and year; 03 back to the sender."""
    require(actor, CLERK)
    if doc.status != "received":
        raise Conflict(f"Văn bản đang ở trạng thái “{status_word(doc.status)}”, không vào sổ được nữa")
    before = snapshot(doc)
    arrived = doc.arrived_at or now()
    doc.year = local_date(arrived).year
    doc.register_code = await registers.for_incoming(work.session, ctx.settings, doc)
    doc.number = await next_number(work.session, doc.register_code, doc.year)
    doc.status = "registered"
    doc.updated_at = now()
    if actor is not SYSTEM:  # the clerk who registered it is named on it (a confidential one stays theirs)
        grant(work.session, doc, "user", actor.id, await granted_to(work.session, doc))
    history(work.session, doc, actor, "registered", f"Vào sổ văn bản đến, số đến {doc.number}", "03")
    audit(work.session, actor, "document.registered", f"document:{doc.id}", before, snapshot(doc))
    await work.emit(
        "document.registered",
        DocumentRegistered(
            document_id=doc.id,
            so_den=doc.number,
            year=doc.year,
            register_code=doc.register_code,
            subject=told_subject(doc),
            priority=doc.priority,  # type: ignore[arg-type]
            confidentiality=doc.confidentiality,  # type: ignore[arg-type]
            from_agency=doc.from_agency or "",
            code=doc.code,
            due_date=doc.due_date,
            source=doc.source,  # type: ignore[arg-type]
            edoc_document_id=doc.edoc_document_id,
        ),
        issue=doc.edoc_document_id or doc.id,
    )
    await send_status(work, ctx.agency, doc, StatusCode.ACCEPTED, actor)
    return doc


async def reject(work: Work, ctx: Context, doc: Document, actor: Principal, reason: str) -> Document:
    """Refuse a received document with a reason (02 back to the sender, Art. 21.2.b)."""
    require(actor, CLERK)
    if not reason.strip():
        raise Invalid("Cần nêu lý do từ chối", field="reason")
    if doc.status != "received":
        raise Conflict(
            f"Chỉ từ chối được văn bản chưa vào sổ; văn bản đang ở trạng thái “{status_word(doc.status)}”"
        )
    before = snapshot(doc)
    doc.status = "rejected"
    doc.note = reason
    doc.updated_at = now()
    history(work.session, doc, actor, "rejected", f"Từ chối tiếp nhận. Lý do: {reason}", "02", reason=reason)
    audit(
        work.session, actor, "document.rejected", f"document:{doc.id}", before, snapshot(doc), reason=reason
    )
    await work.emit(
        "document.rejected",
        DocumentRejected(
            document_id=doc.id,
            subject=told_subject(doc),
            from_agency=doc.from_agency or "",
            reason=reason,
            rejected_by=actor.id,
        ),
        issue=doc.edoc_document_id or doc.id,
    )
    await send_status(work, ctx.agency, doc, StatusCode.REJECTED, actor, reason)
    return doc

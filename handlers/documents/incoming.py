"""Incoming documents (văn bản đến): receive, register with the next số đến, reject, assign, handle.

Every function runs inside the caller's transaction (`hub.transaction` or a transactional consumer):
the row changes, the history entry, the audit entry, the event and the status back to the sender are
committed together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select

from handlers.common.workcal import default_calendar
from handlers.documents.core import (
    SYSTEM,
    Agency,
    Refusal,
    audit,
    grant,
    granted_to,
    history,
    local_date,
    new_id,
    next_number,
    now,
    search_text,
    send_status,
    snapshot,
    unit_exists,
    user_of,
)
from handlers.documents.models import INCOMING, Document
from handlers.documents.rules import fold
from hub.auth import Principal
from hub.directory import CLERK, LEADER, OFFICER, UNIT_HEAD, Unit
from schemas.documents import (
    DocumentAssigned,
    DocumentCompleted,
    DocumentHandlerAssigned,
    DocumentProcessing,
    DocumentRegistered,
    DocumentRejected,
)
from schemas.edxml import StatusCode

if TYPE_CHECKING:
    from handlers.documents.settings import DocumentsSettings
    from hub.runtime import Unit as Work


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


@dataclass(frozen=True)
class Context:
    """Where the service runs: settings and this agency's identity on the axis."""

    settings: DocumentsSettings
    agency: Agency


def require(p: Principal, *roles: str) -> None:
    if p is not SYSTEM and not p.has(*roles):
        raise Refusal(
            403, f"Cần quyền: {', '.join(roles)}; tài khoản có: {', '.join(sorted(p.roles)) or 'không'}"
        )


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
        raise Refusal(
            409,
            f"Văn bản trùng với văn bản đã có (số đến {duplicate.number or 'chưa vào sổ'}, "
            f"ký hiệu {duplicate.code or '—'}, {duplicate.from_agency}); "
            "gửi lại với allow_duplicate=true nếu vẫn muốn vào sổ",
            field="code",
        )
    moment = item.arrived_at or now()
    doc = Document(
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
        arrived_at=moment,
        priority=item.priority,
        confidentiality=item.confidentiality,
        due_date=item.due_date,
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
        created_by=actor.id,
        created_at=now(),
        updated_at=now(),
    )
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
        raise Refusal(409, f"Văn bản đang ở trạng thái {doc.status}, không vào sổ được nữa")
    before = snapshot(doc)
    arrived = doc.arrived_at or now()
    doc.year = local_date(arrived).year
    doc.number = await next_number(work.session, doc.register_code, doc.year)
    doc.status = "registered"
    doc.updated_at = now()
    history(work.session, doc, actor, "registered", f"Vào sổ văn bản đến, số đến {doc.number}", "03")
    audit(work.session, actor, "document.registered", f"document:{doc.id}", before, snapshot(doc))
    await work.emit(
        "document.registered",
        DocumentRegistered(
            document_id=doc.id,
            so_den=doc.number,
            year=doc.year,
            register_code=doc.register_code,
            subject=doc.subject,
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
        raise Refusal(422, "Cần nêu lý do từ chối", field="reason")
    if doc.status != "received":
        raise Refusal(409, f"Chỉ từ chối được văn bản chưa vào sổ; văn bản đang ở trạng thái {doc.status}")
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
            subject=doc.subject,
            from_agency=doc.from_agency or "",
            reason=reason,
            rejected_by=actor.id,
        ),
        issue=doc.edoc_document_id or doc.id,
    )
    await send_status(work, ctx.agency, doc, StatusCode.REJECTED, actor, reason)
    return doc


async def assign(
    work: Work,
    ctx: Context,
    doc: Document,
    actor: Principal,
    *,
    lead_unit_id: str,
    coordinating_unit_ids: list[str],
    deadline: date | None,
    instruction: str,
) -> Document:
    """A leader assigns the lead unit, co-ordinating units and the deadline (04 back to the sender)."""
    require(actor, LEADER)
    if doc.status not in ("registered", "assigned"):
        raise Refusal(409, f"Chỉ phân công được văn bản đã vào sổ; văn bản đang ở trạng thái {doc.status}")
    for unit_id in [lead_unit_id, *coordinating_unit_ids]:
        if not await unit_exists(work.session, unit_id):
            raise Refusal(422, f"Đơn vị {unit_id!r} không tồn tại", field="lead_unit_id")
    if lead_unit_id in coordinating_unit_ids:
        raise Refusal(422, "Đơn vị chủ trì không đồng thời là đơn vị phối hợp", field="coordinating_unit_ids")
    today_vn = local_date(now())
    if deadline is None:
        deadline = doc.due_date or default_calendar().add_working_days(
            today_vn, ctx.settings.default_deadline_working_days
        )
    elif deadline < today_vn:
        raise Refusal(422, f"Hạn xử lý {deadline.isoformat()} đã qua", field="deadline")
    first = doc.status == "registered"
    before = snapshot(doc)
    doc.lead_unit_id = lead_unit_id
    doc.coordinating_unit_ids = list(coordinating_unit_ids)
    doc.deadline = deadline
    doc.instruction = instruction
    doc.status = "assigned"
    doc.assigned_at = now()
    doc.updated_at = now()
    doc.search_text = search_text(doc)
    granted = await granted_to(work.session, doc)
    for unit_id in [lead_unit_id, *coordinating_unit_ids]:
        grant(work.session, doc, "unit", unit_id, granted)
    units = ", ".join(coordinating_unit_ids) or "không"
    history(
        work.session,
        doc,
        actor,
        "assigned",
        f"Lãnh đạo phân công: chủ trì {lead_unit_id}, phối hợp {units}, "
        f"hạn {deadline.isoformat()}. {instruction}".strip(),
        "04",
    )
    audit(work.session, actor, "document.assigned", f"document:{doc.id}", before, snapshot(doc))
    await work.emit(
        "document.assigned",
        DocumentAssigned(
            document_id=doc.id,
            subject=doc.subject,
            priority=doc.priority,  # type: ignore[arg-type]
            lead_unit_id=lead_unit_id,
            coordinating_unit_ids=list(coordinating_unit_ids),
            deadline=deadline,
            instruction=instruction,
            assigned_by=actor.id,
            so_den=doc.number,
        ),
        issue=doc.edoc_document_id or doc.id,
    )
    if first:
        await send_status(work, ctx.agency, doc, StatusCode.ASSIGNED, actor)
    return doc


async def assign_handlers(
    work: Work,
    ctx: Context,
    doc: Document,
    actor: Principal,
    *,
    officer_ids: list[str],
    lead_officer_id: str | None,
    deadline: date | None,
) -> Document:
    """The head of an assigned unit names officers of the unit to handle the document."""
    require(actor, UNIT_HEAD)
    if doc.status not in ("assigned", "processing"):
        raise Refusal(409, f"Văn bản chưa được lãnh đạo phân công (trạng thái {doc.status})")
    units = [doc.lead_unit_id, *doc.coordinating_unit_ids]
    if actor.unit_id not in units:
        raise Refusal(403, "Văn bản không được giao cho đơn vị của bạn")
    if not officer_ids:
        raise Refusal(422, "Cần chọn ít nhất một chuyên viên", field="officer_ids")
    for officer_id in officer_ids:
        user = await user_of(work.session, officer_id)
        if user is None or not user.active:
            raise Refusal(422, f"Người dùng {officer_id!r} không tồn tại", field="officer_ids")
        if user.unit_id != actor.unit_id:
            raise Refusal(422, f"{user.full_name} không thuộc đơn vị của bạn", field="officer_ids")
    lead = lead_officer_id or officer_ids[0]
    if lead not in officer_ids:
        raise Refusal(422, "Người chủ trì phải nằm trong danh sách chuyên viên", field="lead_officer_id")
    if deadline is not None and doc.deadline is not None and deadline > doc.deadline:
        raise Refusal(422, "Hạn của đơn vị không được muộn hơn hạn lãnh đạo giao", field="deadline")
    before = snapshot(doc)
    is_lead_unit = actor.unit_id == doc.lead_unit_id
    merged = list(dict.fromkeys([*doc.officer_ids, *officer_ids]))
    doc.officer_ids = merged
    if is_lead_unit:
        doc.lead_officer_id = lead
    doc.updated_at = now()
    granted = await granted_to(work.session, doc)
    for officer_id in officer_ids:
        grant(work.session, doc, "user", officer_id, granted)
    effective = deadline or doc.deadline
    history(
        work.session,
        doc,
        actor,
        "handler_assigned",
        f"Trưởng đơn vị {actor.unit_id} giao chuyên viên {', '.join(officer_ids)} (chủ trì: {lead})",
    )
    audit(work.session, actor, "document.handler_assigned", f"document:{doc.id}", before, snapshot(doc))
    unit = await work.session.get(Unit, actor.unit_id or "")
    await work.emit(
        "document.handler_assigned",
        DocumentHandlerAssigned(
            document_id=doc.id,
            subject=doc.subject,
            priority=doc.priority,  # type: ignore[arg-type]
            unit_id=unit.id if unit else (actor.unit_id or ""),
            officer_ids=officer_ids,
            lead_officer_id=lead,
            deadline=effective,
            assigned_by=actor.id,
        ),
        issue=doc.edoc_document_id or doc.id,
    )
    return doc


def _require_officer(doc: Document, actor: Principal) -> None:
    require(actor, OFFICER, UNIT_HEAD)
    if actor.id not in doc.officer_ids:
        raise Refusal(403, "Văn bản không được giao cho bạn xử lý")


async def start_processing(work: Work, ctx: Context, doc: Document, actor: Principal, note: str) -> Document:
    """An assigned officer starts handling (05 back to the sender the first time)."""
    _require_officer(doc, actor)
    if doc.status not in ("assigned", "processing"):
        raise Refusal(409, f"Văn bản ở trạng thái {doc.status}, không chuyển sang đang xử lý được")
    first = doc.status == "assigned"
    before = snapshot(doc)
    doc.status = "processing"
    doc.updated_at = now()
    history(work.session, doc, actor, "processing", f"Đang xử lý. {note}".strip(), "05" if first else None)
    audit(work.session, actor, "document.processing", f"document:{doc.id}", before, snapshot(doc))
    await work.emit(
        "document.processing",
        DocumentProcessing(document_id=doc.id, officer_id=actor.id, at=now(), note=note),
        issue=doc.edoc_document_id or doc.id,
    )
    if first:
        await send_status(work, ctx.agency, doc, StatusCode.PROCESSING, actor)
    return doc


async def complete(work: Work, ctx: Context, doc: Document, actor: Principal, note: str) -> Document:
    """The lead officer (or the lead unit's head) completes the handling (06 back to the sender)."""
    require(actor, OFFICER, UNIT_HEAD)
    lead_head = actor.has(UNIT_HEAD) and actor.unit_id == doc.lead_unit_id
    if actor.id != doc.lead_officer_id and not lead_head:
        raise Refusal(403, "Chỉ chuyên viên chủ trì hoặc trưởng đơn vị chủ trì được kết thúc xử lý")
    if doc.status != "processing":
        raise Refusal(
            409, f"Văn bản ở trạng thái {doc.status}; cần chuyển sang đang xử lý trước khi hoàn thành"
        )
    before = snapshot(doc)
    doc.status = "completed"
    doc.completed_at = now()
    doc.updated_at = now()
    done_on = local_date(doc.completed_at)
    on_time = doc.deadline is None or done_on <= doc.deadline
    history(
        work.session,
        doc,
        actor,
        "completed",
        f"Hoàn thành xử lý ({'đúng hạn' if on_time else 'quá hạn'}). {note}".strip(),
        "06",
    )
    audit(work.session, actor, "document.completed", f"document:{doc.id}", before, snapshot(doc))
    await work.emit(
        "document.completed",
        DocumentCompleted(
            document_id=doc.id,
            officer_id=actor.id,
            at=doc.completed_at,
            completed_on_time=on_time,
            deadline=doc.deadline,
            note=note,
        ),
        issue=doc.edoc_document_id or doc.id,
    )
    await send_status(work, ctx.agency, doc, StatusCode.FINISHED, actor)
    return doc

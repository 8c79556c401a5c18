"""Handling of a registered incoming document: the leader's assignment (lead and co-ordinating units,
deadline), the unit head's officers, processing and completion, each reported back to the sender
(04, 05, 06) in the same transaction as the change."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from handlers.documents.access import grant, granted_to, require, unit_exists, unit_names, user_names, user_of
from handlers.documents.clock import local_date, now
from handlers.documents.rules import status_word
from handlers.documents.search import search_text
from handlers.documents.secrecy import told_subject
from handlers.documents.statuses import send_status
from handlers.documents.trail import audit, history, snapshot
from hub.errors import Conflict, Forbidden, Invalid
from hub.orgchart import LEADER, OFFICER, UNIT_HEAD, Unit
from kit.workcal import default_calendar
from schemas.documents import DocumentAssigned, DocumentCompleted, DocumentHandlerAssigned, DocumentProcessing
from schemas.edxml import StatusCode

if TYPE_CHECKING:
    from handlers.documents.context import Context
    from handlers.documents.models import Document
    from hub.auth import Principal
    from hub.runtime import Work


async def _check_units(work: Work, lead_unit_id: str, coordinating_unit_ids: list[str]) -> None:
    """The lead and co-ordinating units exist, and the lead unit is not also co-ordinating."""
    for unit_id in [lead_unit_id, *coordinating_unit_ids]:
        if not await unit_exists(work.session, unit_id):
            raise Invalid(f"Đơn vị {unit_id!r} không tồn tại", field="lead_unit_id")
    if lead_unit_id in coordinating_unit_ids:
        raise Invalid("Đơn vị chủ trì không đồng thời là đơn vị phối hợp", field="coordinating_unit_ids")


def _assigned_deadline(ctx: Context, doc: Document, deadline: date | None) -> date:
    """The leader's deadline (not in the past), else the sender's due date, else the default working days."""
    today_vn = local_date(now())
    if deadline is None:
        return doc.due_date or default_calendar().add_working_days(
            today_vn, ctx.settings.default_deadline_working_days
        )
    if deadline < today_vn:
        raise Invalid(f"Hạn xử lý {deadline.isoformat()} đã qua", field="deadline")
    return deadline


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
        raise Conflict(
            f"Chỉ phân công được văn bản đã vào sổ; văn bản đang ở trạng thái “{status_word(doc.status)}”"
        )
    await _check_units(work, lead_unit_id, coordinating_unit_ids)
    deadline = _assigned_deadline(ctx, doc, deadline)
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
    lead_name = await unit_names(work.session, [lead_unit_id])
    units = await unit_names(work.session, coordinating_unit_ids)
    helping = f"; phối hợp: {units}" if units else ""
    history(
        work.session,
        doc,
        actor,
        "assigned",
        f"Lãnh đạo phân công: chủ trì {lead_name}{helping}; hạn {deadline:%d/%m/%Y}. {instruction}".strip(),
        "04",
    )
    audit(work.session, actor, "document.assigned", f"document:{doc.id}", before, snapshot(doc))
    await work.emit(
        "document.assigned",
        DocumentAssigned(
            document_id=doc.id,
            subject=told_subject(doc),
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


async def _check_officers(work: Work, actor: Principal, officer_ids: list[str]) -> None:
    """At least one officer, each an active user of the head's own unit."""
    if not officer_ids:
        raise Invalid("Cần chọn ít nhất một chuyên viên", field="officer_ids")
    for officer_id in officer_ids:
        user = await user_of(work.session, officer_id)
        if user is None or not user.active:
            raise Invalid(f"Người dùng {officer_id!r} không tồn tại", field="officer_ids")
        if user.unit_id != actor.unit_id:
            raise Invalid(f"{user.full_name} không thuộc đơn vị của bạn", field="officer_ids")


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
        raise Conflict(
            f"Văn bản chưa được lãnh đạo phân công (đang ở trạng thái “{status_word(doc.status)}”)"
        )
    units = [doc.lead_unit_id, *doc.coordinating_unit_ids]
    if actor.unit_id not in units:
        raise Forbidden("Văn bản không được giao cho đơn vị của bạn")
    await _check_officers(work, actor, officer_ids)
    lead = lead_officer_id or officer_ids[0]
    if lead not in officer_ids:
        raise Invalid("Người chủ trì phải nằm trong danh sách chuyên viên", field="lead_officer_id")
    if deadline is not None and doc.deadline is not None and deadline > doc.deadline:
        raise Invalid("Hạn của đơn vị không được muộn hơn hạn lãnh đạo giao", field="deadline")
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
    unit_name = await unit_names(work.session, [actor.unit_id or ""])
    history(
        work.session,
        doc,
        actor,
        "handler_assigned",
        f"Trưởng đơn vị ({unit_name}) giao chuyên viên {await user_names(work.session, officer_ids)} "
        f"(chủ trì: {await user_names(work.session, [lead])})",
    )
    audit(work.session, actor, "document.handler_assigned", f"document:{doc.id}", before, snapshot(doc))
    unit = await work.session.get(Unit, actor.unit_id or "")
    await work.emit(
        "document.handler_assigned",
        DocumentHandlerAssigned(
            document_id=doc.id,
            subject=told_subject(doc),
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
        raise Forbidden("Văn bản không được giao cho bạn xử lý")


async def start_processing(work: Work, ctx: Context, doc: Document, actor: Principal, note: str) -> Document:
    """An assigned officer starts handling (05 back to the sender the first time)."""
    _require_officer(doc, actor)
    if doc.status not in ("assigned", "processing"):
        raise Conflict(
            f"Văn bản đang ở trạng thái “{status_word(doc.status)}”, không chuyển sang đang xử lý được"
        )
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
        raise Forbidden("Chỉ chuyên viên chủ trì hoặc trưởng đơn vị chủ trì được kết thúc xử lý")
    if doc.status != "processing":
        raise Conflict(
            f"Văn bản đang ở trạng thái “{status_word(doc.status)}”; cần nhận xử lý trước khi hoàn thành"
        )
    await close(work, ctx, doc, actor, "Hoàn thành xử lý", note, officer_id=actor.id)
    return doc


# An incoming document still being handled; its reply, once issued, closes it.
ANSWERABLE = ("registered", "assigned", "processing")


async def answered(work: Work, ctx: Context, doc: Document, reply: Document, actor: Principal) -> None:
    """The reply to this incoming document was issued: the handling is finished (06, its tasks close)."""
    doc.answered_by_id = reply.id
    if doc.status not in ANSWERABLE:
        history(
            work.session, doc, actor, "answered", f"Đã trả lời bằng văn bản {reply.code}", answer=reply.id
        )
        return
    officer = doc.lead_officer_id or reply.created_by
    text = f"Đã trả lời bằng văn bản {reply.code}, hoàn thành xử lý"
    await close(work, ctx, doc, actor, text, "", officer_id=officer, answer=reply.id)


async def close(
    work: Work,
    ctx: Context,
    doc: Document,
    actor: Principal,
    text: str,
    note: str,
    *,
    officer_id: str,
    **detail: str,
) -> None:
    """Finish the handling: `document.completed` (the tasks of the document close) and 06 to the sender."""
    before = snapshot(doc)
    doc.status = "completed"
    doc.completed_at = now()
    doc.updated_at = now()
    done_on = local_date(doc.completed_at)
    on_time = doc.deadline is None or done_on <= doc.deadline
    line = f"{text} ({'đúng hạn' if on_time else 'quá hạn'}). {note}".strip()
    history(work.session, doc, actor, "completed", line, "06", **detail)
    audit(work.session, actor, "document.completed", f"document:{doc.id}", before, snapshot(doc))
    await work.emit(
        "document.completed",
        DocumentCompleted(
            document_id=doc.id,
            officer_id=officer_id,
            at=doc.completed_at,
            completed_on_time=on_time,
            deadline=doc.deadline,
            note=note or text,
        ),
        issue=doc.edoc_document_id or doc.id,
    )
    await send_status(work, ctx.agency, doc, StatusCode.FINISHED, actor)

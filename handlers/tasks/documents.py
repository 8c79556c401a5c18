"""Tasks that follow a document's handling (the documents module's events, `schemas.documents`).

A leader's assignment opens one top-level task per lead and co-ordinating unit; the unit head's
choice of officers gives the unit's task to the lead officer and sub-tasks to the others; the
document's completion closes its open tasks. The two assignment events may arrive in either order.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select

from handlers.tasks import service
from handlers.tasks.models import DONE, Task
from handlers.tasks.service import TaskContext
from hub.orgchart import User
from schemas.documents import DocumentAssigned, DocumentCompleted, DocumentHandlerAssigned
from schemas.notify import NotifyRequested, urgency_of
from schemas.tasks import TaskChange

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from hub.runtime import Work

URGENT = ("thuong_khan", "hoa_toc")  # these reach unit heads through the routing table (lt.notify.cmd.urgent)


async def _unit_task(session: AsyncSession, document_id: str, unit_id: str) -> Task | None:
    """The top-level task of a document in a unit, if one was opened."""
    return await session.scalar(
        select(Task)
        .where(Task.document_id == document_id, Task.unit_id == unit_id, Task.parent_id.is_(None))
        .limit(1)
    )


def _default_deadline(ctx: TaskContext) -> date:
    return ctx.deadline_from(None, ctx.settings.default_deadline_days)


async def on_assigned(work: Work, ctx: TaskContext, p: DocumentAssigned) -> None:
    """A document assigned to a lead unit and co-ordinating units becomes one task per unit."""
    deadline = p.deadline or _default_deadline(ctx)
    units = [(p.lead_unit_id, "lead")] + [
        (u, "coordinate") for u in p.coordinating_unit_ids if u != p.lead_unit_id
    ]
    so_den = str(p.so_den) if p.so_den is not None else None
    for unit_id, role in units:
        existing = await _unit_task(work.session, p.document_id, unit_id)
        if existing is not None:  # the unit head named officers before this event was handled
            await _adopt(work, ctx, existing, p, role, so_den)
            continue
        await service.create_task(
            work,
            ctx,
            title=p.subject or f"Văn bản {p.document_id}",
            description=p.instruction,
            unit_id=unit_id,
            assigner=p.assigned_by,
            deadline=deadline,
            priority=p.priority,
            source="document",
            external_ref=so_den,
            document_id=p.document_id,
            role=role,
            notify=urgency_of(p.priority) not in URGENT,
        )


async def _adopt(
    work: Work, ctx: TaskContext, task: Task, p: DocumentAssigned, role: str, so_den: str | None
) -> None:
    """A unit's task opened by the unit head's event takes the leader's assignment."""
    task.role = role
    task.description = task.description or p.instruction
    task.assigner = p.assigned_by
    if so_den is not None:
        task.external_ref = so_den
    if p.deadline and task.deadline != p.deadline:
        task.deadline = p.deadline
        service.reschedule(work.session, ctx, task)
        await service.emit_updated(work, task, "deadline", p.assigned_by)


async def on_handler_assigned(work: Work, ctx: TaskContext, p: DocumentHandlerAssigned) -> None:
    """A unit head named the officers: the lead officer owns the unit's task, others get sub-tasks."""
    lead = p.lead_officer_id or (p.officer_ids[0] if p.officer_ids else None)
    unit_task = await _unit_task(work.session, p.document_id, p.unit_id)
    if unit_task is None:
        unit_task = await service.create_task(
            work,
            ctx,
            title=p.subject or f"Văn bản {p.document_id}",
            unit_id=p.unit_id,
            assignee_user_id=lead,
            assigner=p.assigned_by,
            deadline=p.deadline or _default_deadline(ctx),
            priority=p.priority,
            source="document",
            document_id=p.document_id,
            role="lead",
            notify=False,
        )
    else:
        await _dispatch(work, ctx, unit_task, lead, p)
    deadline = p.deadline or unit_task.deadline
    for officer in p.officer_ids:
        if officer != lead:
            await _coordinating_subtask(work, ctx, p, unit_task, officer, deadline)
    await _tell_officers(work, p, unit_task, lead, deadline)


async def _dispatch(
    work: Work, ctx: TaskContext, unit_task: Task, lead: str | None, p: DocumentHandlerAssigned
) -> None:
    """The unit's task goes to the lead officer (and to the new deadline): the bus is told what changed."""
    previous = unit_task.assignee_user_id
    unit_task.assignee_user_id = lead
    moved = bool(p.deadline and p.deadline != unit_task.deadline)
    if moved and p.deadline:
        unit_task.deadline = p.deadline
        service.reschedule(work.session, ctx, unit_task)
    if lead and lead != previous:
        change: TaskChange = "handed_over" if previous else "dispatched"
        await service.emit_updated(work, unit_task, change, p.assigned_by, previous)
    elif moved:
        await service.emit_updated(work, unit_task, "deadline", p.assigned_by)


async def _coordinating_subtask(
    work: Work, ctx: TaskContext, p: DocumentHandlerAssigned, unit_task: Task, officer: str, deadline: date
) -> None:
    await service.create_task(
        work,
        ctx,
        title=f"Phối hợp: {p.subject or p.document_id}"[:500],
        assignee_user_id=officer,
        unit_id=p.unit_id,
        assigner=p.assigned_by,
        deadline=deadline,
        priority=p.priority,
        source="document",
        document_id=p.document_id,
        role="coordinate",
        parent_id=unit_task.id,
        notify=False,
    )


async def _tell_officers(
    work: Work, p: DocumentHandlerAssigned, unit_task: Task, lead: str | None, deadline: date
) -> None:
    officers = list(dict.fromkeys([o for o in [lead, *p.officer_ids] if o]))
    if not officers:
        return
    lead_user = await work.session.get(User, lead) if lead else None
    chair = f" Chủ trì: {lead_user.full_name}." if lead_user else ""
    await work.emit(
        "notify.requested",
        NotifyRequested(
            recipients=officers,
            title=f"Văn bản giao xử lý ({p.priority}): {p.subject}"[:300],
            body=f"Hạn xử lý: {deadline:%d/%m/%Y}.{chair}",
            urgency=urgency_of(p.priority),
            link=f"/tasks/{unit_task.id}",
            dedup_key=f"document.handler_assigned:{p.document_id}:{p.unit_id}",
            source_type="document.handler_assigned",
            issue=p.document_id,
        ),
    )


async def on_completed(work: Work, p: DocumentCompleted) -> None:
    """The document's handling is finished: its open tasks are done, by the officer who finished it."""
    open_tasks = (
        await work.session.execute(select(Task).where(Task.document_id == p.document_id, Task.state != DONE))
    ).scalars()
    for task in open_tasks:
        await service.complete_task(work, task, p.officer_id, at=p.at)

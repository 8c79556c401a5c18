"""The tasks module: consumers of task commands, document events and fired reminders."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import select

from handlers.tasks import service
from handlers.tasks.documents import DocumentAssignedView, DocumentCompletedView, HandlerAssignedView
from handlers.tasks.models import DONE, Task
from handlers.tasks.reminders import FIRE_SUBJECT
from handlers.tasks.service import TaskContext
from hub.module import Module
from schemas.notify import NotifyRequested, urgency_of
from schemas.tasks import TaskCreateRequested, TaskReminderDue

if TYPE_CHECKING:
    from fastapi import APIRouter

    from hub.runtime import Delivery, Hub

log = structlog.get_logger(__name__)
URGENT = ("thuong_khan", "hoa_toc")


class TasksModule(Module):
    """Tasks, their deadlines on the working calendar, durable reminders and escalation."""

    name = "tasks"

    def __init__(self, ctx: TaskContext | None = None) -> None:
        self.ctx = ctx or TaskContext()

    def router(self) -> APIRouter:
        from handlers.tasks.api import build_router

        return build_router(self)

    def setup(self, hub: Hub) -> None:
        ctx = self.ctx

        @hub.consumer("tasks-create", "lt.task.cmd.create", transactional=True)
        async def create(d: Delivery) -> None:
            """Create a task asked for on the bus (task.create_requested)."""
            p: TaskCreateRequested = d.payload
            deadline = ctx.deadline_from(p.deadline, p.duration_working_days)
            await service.create_task(
                d.session,
                d.emit,
                ctx,
                title=p.title,
                description=p.description,
                assignee_user_id=p.assignee_user_id,
                unit_id=p.assignee_unit_id,
                assigner=p.assigner,
                deadline=deadline,
                priority=p.priority,
                source=p.source,
                external_ref=p.external_ref,
                parent_id=p.parent_task_id,
                task_id=None,
            )

        @hub.consumer("tasks-doc-assigned", "lt.doc.evt.assigned", transactional=True)
        async def doc_assigned(d: Delivery) -> None:
            """A document assigned to a lead unit and co-ordinating units becomes one task per unit."""
            p = DocumentAssignedView.model_validate(d.envelope.payload)
            deadline = p.deadline or ctx.deadline_from(None, ctx.policy.default_deadline_days)
            units = [(p.lead_unit_id, "lead")] + [
                (u, "coordinate") for u in p.coordinating_unit_ids if u != p.lead_unit_id
            ]
            for unit_id, role in units:
                existing = await d.session.scalar(
                    select(Task).where(
                        Task.document_id == p.document_id, Task.unit_id == unit_id, Task.parent_id.is_(None)
                    )
                )
                if existing is not None:  # the unit head named officers before this event was handled
                    existing.role = role
                    existing.description = existing.description or p.instruction
                    existing.assigner = p.assigned_by
                    if p.so_den is not None:
                        existing.external_ref = str(p.so_den)
                    if p.deadline and existing.deadline != p.deadline:
                        existing.deadline = p.deadline
                        await service.reschedule(d.session, ctx, existing)
                    continue
                await service.create_task(
                    d.session,
                    d.emit,
                    ctx,
                    title=p.subject or f"Văn bản {p.document_id}",
                    description=p.instruction,
                    unit_id=unit_id,
                    assigner=p.assigned_by,
                    deadline=deadline,
                    priority=p.priority,
                    source="document",
                    external_ref=str(p.so_den) if p.so_den is not None else None,
                    document_id=p.document_id,
                    role=role,
                    # urgent documents reach unit heads through the routing table (lt.notify.cmd.urgent)
                    notify=urgency_of(p.priority) not in URGENT,
                )

        @hub.consumer("tasks-doc-handler", "lt.doc.evt.handler_assigned", transactional=True)
        async def handler_assigned(d: Delivery) -> None:
            """A unit head named the officers: the lead officer owns the unit's task, others get sub-tasks."""
            p = HandlerAssignedView.model_validate(d.envelope.payload)
            s = d.session
            unit_task = await s.scalar(
                select(Task)
                .where(Task.document_id == p.document_id, Task.unit_id == p.unit_id, Task.parent_id.is_(None))
                .limit(1)
            )
            lead = p.lead_officer_id or (p.officer_ids[0] if p.officer_ids else None)
            deadline = p.deadline or (
                unit_task.deadline if unit_task else ctx.deadline_from(None, ctx.policy.default_deadline_days)
            )
            if unit_task is None:
                unit_task = await service.create_task(
                    s,
                    d.emit,
                    ctx,
                    title=p.subject or f"Văn bản {p.document_id}",
                    unit_id=p.unit_id,
                    assignee_user_id=lead,
                    assigner=p.assigned_by,
                    deadline=deadline,
                    priority=p.priority,
                    source="document",
                    document_id=p.document_id,
                    role="lead",
                    notify=False,
                )
            else:
                unit_task.assignee_user_id = lead
                if p.deadline and p.deadline != unit_task.deadline:
                    unit_task.deadline = p.deadline
                    await service.reschedule(s, ctx, unit_task)
            for officer in p.officer_ids:
                if officer == lead:
                    continue
                await service.create_task(
                    s,
                    d.emit,
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
            officers = list(dict.fromkeys([o for o in [lead, *p.officer_ids] if o]))
            if officers:
                await d.emit(
                    "notify.requested",
                    NotifyRequested(
                        recipients=officers,
                        title=f"Văn bản giao xử lý ({p.priority}): {p.subject}"[:300],
                        body=f"Hạn xử lý: {deadline:%d/%m/%Y}. Chủ trì: {lead}.",
                        urgency=urgency_of(p.priority),
                        link=f"/tasks/{unit_task.id}",
                        dedup_key=f"document.handler_assigned:{p.document_id}:{p.unit_id}",
                        source_type="document.handler_assigned",
                        issue=p.document_id,
                    ),
                )

        @hub.consumer("tasks-doc-completed", "lt.doc.evt.completed", transactional=True)
        async def doc_completed(d: Delivery) -> None:
            """The document's handling is finished: its open tasks are done."""
            p = DocumentCompletedView.model_validate(d.envelope.payload)
            open_tasks = (
                await d.session.execute(
                    select(Task).where(Task.document_id == p.document_id, Task.state != DONE)
                )
            ).scalars()
            for task in open_tasks:
                await service.complete_task(d.session, d.emit, task, p.who, at=p.at)

        @hub.consumer("tasks-reminders", FIRE_SUBJECT, transactional=True)
        async def reminder(d: Delivery) -> None:
            """A scheduled reminder fired (JetStream message scheduling)."""
            due: TaskReminderDue = d.payload
            outcome = await service.on_reminder(d.session, d.emit, ctx, due)
            log.info("task.reminder_fired", task_id=due.task_id, kind=due.kind, outcome=outcome)

    def describe(self) -> dict[str, Any]:
        return {"policy": self.ctx.policy.model_dump()}

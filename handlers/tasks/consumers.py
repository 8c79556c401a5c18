"""Bus glue of the tasks module: task commands, the documents module's events, fired reminders."""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog

from handlers.tasks import documents, escalation, service
from handlers.tasks.reminders import FIRE_SUBJECT
from schemas.documents import DocumentAssigned, DocumentCompleted, DocumentHandlerAssigned
from schemas.tasks import TaskCreateRequested, TaskReminderDue

if TYPE_CHECKING:
    from handlers.tasks.service import TaskContext
    from hub.runtime import Delivery, Hub

log = structlog.get_logger(__name__)


def setup(hub: Hub, ctx: TaskContext) -> None:
    """Register the consumers of the tasks module."""

    @hub.consumer("tasks-create", "lt.task.cmd.create", transactional=True)
    async def create(d: Delivery) -> None:
        """Create a task asked for on the bus (task.create_requested)."""
        p: TaskCreateRequested = d.payload
        await service.create_task(
            d,
            ctx,
            title=p.title,
            description=p.description,
            assignee_user_id=p.assignee_user_id,
            unit_id=p.assignee_unit_id,
            assigner=p.assigner,
            deadline=ctx.deadline_from(p.deadline, p.duration_working_days),
            priority=p.priority,
            source=p.source,
            external_ref=p.external_ref,
            parent_id=p.parent_task_id,
            document_id=p.document_id,
            product_weight=p.product_weight,
        )

    @hub.consumer("tasks-doc-assigned", "lt.doc.evt.assigned", transactional=True)
    async def doc_assigned(d: Delivery) -> None:
        """A document assigned to units (document.assigned): one task per unit."""
        p: DocumentAssigned = d.payload
        await documents.on_assigned(d, ctx, p)

    @hub.consumer("tasks-doc-handler", "lt.doc.evt.handler_assigned", transactional=True)
    async def handler_assigned(d: Delivery) -> None:
        """A unit head named the officers (document.handler_assigned)."""
        p: DocumentHandlerAssigned = d.payload
        await documents.on_handler_assigned(d, ctx, p)

    @hub.consumer("tasks-doc-completed", "lt.doc.evt.completed", transactional=True)
    async def doc_completed(d: Delivery) -> None:
        """The document's handling is finished (document.completed): its open tasks are done."""
        p: DocumentCompleted = d.payload
        await documents.on_completed(d, p)

    @hub.consumer("tasks-reminders", FIRE_SUBJECT, transactional=True)
    async def reminder(d: Delivery) -> None:
        """A scheduled reminder fired (JetStream message scheduling)."""
        due: TaskReminderDue = d.payload
        outcome = await escalation.on_reminder(d, ctx, due)
        log.info("task.reminder_fired", task_id=due.task_id, kind=due.kind, outcome=outcome)

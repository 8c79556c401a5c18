"""Bus glue of the evaluation module: task facts and closed timesheets recorded as evidence."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.evaluation import evidence
from schemas.tasks import TaskCompleted, TaskCreated, TaskFacts, TaskOverdue, TaskProductAssessed, TaskUpdated
from schemas.timekeeping import TimesheetClosed

if TYPE_CHECKING:
    from hub.runtime import Delivery, Hub


def setup(hub: Hub) -> None:
    """Register the module's consumers on the hub."""

    @hub.consumer("evaluation-task-created", "lt.task.evt.created", transactional=True)
    async def on_task_created(d: Delivery) -> None:
        """Record a task given to an officer (a product assigned)."""
        task: TaskCreated = d.payload
        await evidence.record_created(d.session, task)

    @hub.consumer("evaluation-task-updated", "lt.task.evt.updated", transactional=True)
    async def on_task_updated(d: Delivery) -> None:
        """A task dispatched, handed over or given a new weight or deadline: the product as assigned now."""
        task: TaskUpdated = d.payload
        await evidence.record_created(
            d.session, TaskCreated(**task.model_dump(include=set(TaskFacts.model_fields)))
        )

    @hub.consumer("evaluation-task-completed", "lt.task.evt.completed", transactional=True)
    async def on_task_completed(d: Delivery) -> None:
        """Record a completed task as evidence (on time or late, with its quality when judged)."""
        task: TaskCompleted = d.payload
        await evidence.record_completed(d.session, task)

    @hub.consumer("evaluation-task-overdue", "lt.task.evt.overdue", transactional=True)
    async def on_task_overdue(d: Delivery) -> None:
        """Record that a task passed its deadline."""
        task: TaskOverdue = d.payload
        await evidence.record_overdue(d.session, task)

    @hub.consumer("evaluation-task-assessed", "lt.task.evt.product_assessed", transactional=True)
    async def on_product_assessed(d: Delivery) -> None:
        """Record the assigner's judgement of a product: errors, objective cause of a delay."""
        task: TaskProductAssessed = d.payload
        await evidence.record_assessed(d.session, task)

    @hub.consumer("evaluation-timesheets", "lt.timekeeping.evt.timesheet_closed", transactional=True)
    async def on_timesheet_closed(d: Delivery) -> None:
        """Keep each person's closed month as attendance evidence (a re-closed month replaces it)."""
        sheet: TimesheetClosed = d.payload
        await evidence.record_timesheet(d.session, sheet)

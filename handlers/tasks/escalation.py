"""What a fired reminder does: remind before and on the day, mark overdue and repeat, escalate.

A reminder that no longer fits its task (the task is done, or its deadline moved) is stale and ignored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from handlers.tasks import reminders
from handlers.tasks.clock import local_time, local_today
from handlers.tasks.models import DONE, Task
from handlers.tasks.service import TaskContext, facts, head_of, owners_of
from schemas.notify import NotifyRequested, Urgency, urgency_of
from schemas.tasks import TaskEscalated, TaskOverdue, TaskReminderDue

if TYPE_CHECKING:
    from hub.runtime import Work


async def on_reminder(work: Work, ctx: TaskContext, due: TaskReminderDue) -> str:
    """Act on a fired reminder; answer what was done (reminded, overdue, escalated ...) or 'stale'."""
    task = await work.session.get(Task, due.task_id)
    if task is None or task.state == DONE or task.deadline != due.deadline:
        return "stale"
    await work.emit("task.reminder_due", due, issue=task.document_id or task.id)
    if due.kind in ("before", "on_day"):
        await _remind(work, ctx, task, due)
        return "reminded"
    if due.kind == "overdue":
        await _overdue(work, ctx, task, due)
        return "overdue"
    if due.kind == "escalate":
        return await _escalate(work, ctx, task)
    return "unknown"


def _key(task: Task, due: TaskReminderDue) -> str:
    return f"task.reminder:{task.id}:{due.kind}:{due.sequence}:{task.deadline.isoformat()}"


async def _remind(work: Work, ctx: TaskContext, task: Task, due: TaskReminderDue) -> None:
    """Before the deadline, and on its day: tell the owners how many working days are left."""
    left = ctx.cal.working_days_between(local_today(), task.deadline)
    title = (
        f"Nhiệm vụ đến hạn hôm nay: {task.title}"
        if due.kind == "on_day" or left <= 0
        else f"Nhắc hạn: còn {left} ngày làm việc - {task.title}"
    )
    await _notify(work, task, title, _key(task, due), urgency_of(task.priority), "task.reminder_due")


def _days_overdue(ctx: TaskContext, task: Task) -> int:
    return max(0, ctx.cal.working_days_between(task.deadline, local_today()))


async def _overdue(work: Work, ctx: TaskContext, task: Task, due: TaskReminderDue) -> None:
    """Past the deadline: task.overdue once, the owners told, the next reminder scheduled."""
    days = _days_overdue(ctx, task)
    issue = task.document_id or task.id
    if not task.overdue_notified:
        task.overdue_notified = True
        await work.emit("task.overdue", TaskOverdue(**facts(task), days_overdue=days), issue=issue)
    title = f"Nhiệm vụ quá hạn {days} ngày làm việc: {task.title}"
    await _notify(work, task, title, _key(task, due), "khan", "task.overdue")
    settings = ctx.settings
    if due.sequence < settings.overdue_max_repeats:
        again = ctx.cal.add_working_days(local_today(), settings.overdue_every_days)
        nxt = reminders.PlannedReminder(
            "overdue", local_time(again, settings.remind_hour), "overdue", due.sequence + 1
        )
        reminders.schedule_in(work.session, task.id, task.deadline, nxt, issue=issue)


async def _escalate(work: Work, ctx: TaskContext, task: Task) -> str:
    """Long overdue: task.escalated to the unit head and the assigner (once)."""
    if task.escalated_at is not None:
        return "escalated-already"
    task.escalated_at = datetime.now(UTC)
    told = [u for u in dict.fromkeys([await head_of(work.session, task.unit_id), task.assigner]) if u]
    await work.emit(
        "task.escalated",
        TaskEscalated(**facts(task), days_overdue=_days_overdue(ctx, task), escalate_to=told),
        issue=task.document_id or task.id,
    )
    return "escalated"


async def _notify(work: Work, task: Task, title: str, key: str, urgency: Urgency, source_type: str) -> None:
    owners = await owners_of(work.session, task)
    if not owners:
        return
    await work.emit(
        "notify.requested",
        NotifyRequested(
            recipients=owners,
            title=title[:300],
            body=f"Hạn xử lý: {task.deadline:%d/%m/%Y}. Giao bởi: {task.assigner}.",
            urgency=urgency,
            link=f"/tasks/{task.id}",
            dedup_key=key,
            source_type=source_type,
            issue=task.id,
        ),
    )

"""Task operations shared by the REST API and the bus consumers (all inside a caller's transaction)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.common.workcal import WorkingCalendar, default_calendar
from handlers.tasks import reminders
from handlers.tasks.models import DONE, IN_PROGRESS, NOT_STARTED, Task
from handlers.tasks.policy import TaskPolicy, local_date, local_time, local_today
from hub.directory import Unit, User
from hub.errors import PermanentError
from schemas.notify import NotifyRequested, urgency_of
from schemas.tasks import TaskCompleted, TaskCreated, TaskEscalated, TaskFacts, TaskOverdue

Emit = Callable[..., Awaitable[Any]]


class TaskContext:
    """The calendar and policy the module runs with (tests may swap them)."""

    def __init__(self, policy: TaskPolicy | None = None, cal: WorkingCalendar | None = None) -> None:
        self.policy = policy or TaskPolicy()
        self.cal = cal or default_calendar()

    def deadline_from(
        self, deadline: date | None, working_days: int | None, start: date | None = None
    ) -> date:
        """A deadline given as a date, or as working days from today (on the working calendar)."""
        if deadline is not None:
            return deadline
        if working_days is None:
            raise PermanentError("a task needs a deadline or a duration in working days")
        return self.cal.add_working_days(start or local_today(), working_days)


def facts(task: Task) -> dict[str, Any]:
    return TaskFacts(
        task_id=task.id,
        title=task.title,
        officer_id=task.assignee_user_id,
        unit_id=task.unit_id,
        assigner=task.assigner,
        deadline=task.deadline,
        priority=task.priority,
        source=task.source,
        external_ref=task.external_ref,
        parent_task_id=task.parent_id,
    ).model_dump()


async def unit_of_user(session: AsyncSession, user_id: str | None) -> str | None:
    if not user_id:
        return None
    user = await session.get(User, user_id)
    return user.unit_id if user else None


async def head_of(session: AsyncSession, unit_id: str | None) -> str | None:
    if not unit_id:
        return None
    unit = await session.get(Unit, unit_id)
    return unit.head_user_id if unit else None


async def require_user(session: AsyncSession, user_id: str, what: str) -> User:
    user = await session.get(User, user_id)
    if user is None or not user.active:
        raise PermanentError(f"{what}: no active user {user_id!r}")
    return user


async def create_task(
    session: AsyncSession,
    emit: Emit,
    ctx: TaskContext,
    *,
    title: str,
    assigner: str,
    deadline: date,
    description: str = "",
    assignee_user_id: str | None = None,
    unit_id: str | None = None,
    priority: str = "Thường",
    source: str = "direct",
    external_ref: str | None = None,
    document_id: str | None = None,
    role: str = "main",
    parent_id: str | None = None,
    notify: bool = True,
    task_id: str | None = None,
) -> Task:
    """Store a task, schedule its reminders, emit task.created and tell its owner."""
    if assignee_user_id:
        await require_user(session, assignee_user_id, "assignee_user_id")
        unit_id = unit_id or await unit_of_user(session, assignee_user_id)
    elif unit_id:
        if await session.get(Unit, unit_id) is None:
            raise PermanentError(f"assignee_unit_id: no unit {unit_id!r}")
    else:
        raise PermanentError("a task needs an assignee officer or unit")
    if parent_id and await session.get(Task, parent_id) is None:
        raise PermanentError(f"parent_task_id: no task {parent_id!r}")
    now = datetime.now(UTC)
    task = Task(
        id=task_id or reminders.new_id(),
        title=title,
        description=description,
        assignee_user_id=assignee_user_id,
        unit_id=unit_id,
        assigner=assigner,
        deadline=deadline,
        original_deadline=deadline,
        priority=priority,
        source=source,
        external_ref=external_ref,
        document_id=document_id,
        role=role,
        parent_id=parent_id,
        state=NOT_STARTED,
        progress=0,
        created_at=now,
        overdue_notified=False,
    )
    session.add(task)
    await session.flush()
    reminders.schedule_all(session, task.id, deadline, ctx.policy, ctx.cal, issue=document_id or task.id)
    await emit("task.created", TaskCreated(**facts(task)), issue=document_id or task.id)
    if notify:
        owners = await owners_of(session, task)
        if owners:
            await emit(
                "notify.requested",
                NotifyRequested(
                    recipients=owners,
                    title=f"Nhiệm vụ mới: {task.title}"[:300],
                    body=f"Hạn xử lý: {task.deadline:%d/%m/%Y}. Độ khẩn: {task.priority}.",
                    urgency=urgency_of(task.priority),
                    link=f"/tasks/{task.id}",
                    dedup_key=f"task.created:{task.id}",
                    source_type="task.created",
                    issue=task.id,
                ),
            )
    return task


async def owners_of(session: AsyncSession, task: Task) -> list[str]:
    """Who answers for a task: its officer, else the head of its unit."""
    if task.assignee_user_id:
        return [task.assignee_user_id]
    head = await head_of(session, task.unit_id)
    return [head] if head else []


async def complete_task(
    session: AsyncSession, emit: Emit, task: Task, by: str, at: datetime | None = None
) -> bool:
    """Mark a task done; emit task.completed with whether it was on time. False if it was done already."""
    if task.state == DONE:
        return False
    at = at or datetime.now(UTC)
    task.state = DONE
    task.progress = 100
    task.completed_at = at
    task.completed_by = by
    task.on_time = local_date(at) <= task.deadline
    if task.started_at is None:
        task.started_at = at
    await emit(
        "task.completed",
        TaskCompleted(
            **{**facts(task), "officer_id": task.assignee_user_id or by},
            completed_at=at,
            on_time=task.on_time,
        ),
        issue=task.document_id or task.id,
    )
    return True


def start_task(task: Task) -> None:
    if task.state == NOT_STARTED:
        task.state = IN_PROGRESS
        task.started_at = datetime.now(UTC)


async def reschedule(session: AsyncSession, ctx: TaskContext, task: Task) -> None:
    """Re-plan a task's reminders after its deadline moved."""
    task.overdue_notified = False
    task.escalated_at = None
    reminders.schedule_all(
        session, task.id, task.deadline, ctx.policy, ctx.cal, issue=task.document_id or task.id
    )


async def on_reminder(session: AsyncSession, emit: Emit, ctx: TaskContext, due: Any) -> str:
    """Act on a fired reminder: notify, mark overdue, escalate; stale reminders are ignored."""
    task = await session.get(Task, due.task_id)
    if task is None or task.state == DONE or task.deadline != due.deadline:
        return "stale"
    today = local_today()
    owners = await owners_of(session, task)
    issue = task.document_id or task.id
    left = ctx.cal.working_days_between(today, task.deadline)
    overdue_days = max(0, ctx.cal.working_days_between(task.deadline, today))
    key = f"task.reminder:{task.id}:{due.kind}:{due.sequence}:{task.deadline.isoformat()}"
    await emit("task.reminder_due", due, issue=issue)
    if due.kind in ("before", "on_day"):
        title = (
            f"Nhiệm vụ đến hạn hôm nay: {task.title}"
            if due.kind == "on_day" or left <= 0
            else f"Nhắc hạn: còn {left} ngày làm việc - {task.title}"
        )
        await _notify(emit, owners, title[:300], task, key, urgency_of(task.priority), "task.reminder_due")
        return "reminded"
    if due.kind == "overdue":
        if not task.overdue_notified:
            task.overdue_notified = True
            await emit("task.overdue", TaskOverdue(**facts(task), days_overdue=overdue_days), issue=issue)
        title = f"Nhiệm vụ quá hạn {overdue_days} ngày làm việc: {task.title}"
        await _notify(emit, owners, title[:300], task, key, "khan", "task.overdue")
        if due.sequence < ctx.policy.overdue_max_repeats:
            nxt = reminders.PlannedReminder(
                "overdue",
                local_time(
                    ctx.cal.add_working_days(today, ctx.policy.overdue_every_days), ctx.policy.remind_hour
                ),
                "overdue",
                due.sequence + 1,
            )
            reminders.schedule_in(session, task.id, task.deadline, nxt, issue=issue)
        return "overdue"
    if due.kind == "escalate":
        if task.escalated_at is not None:
            return "escalated-already"
        task.escalated_at = datetime.now(UTC)
        told = [u for u in dict.fromkeys([await head_of(session, task.unit_id), task.assigner]) if u]
        await emit(
            "task.escalated",
            TaskEscalated(**facts(task), days_overdue=overdue_days, escalate_to=told),
            issue=issue,
        )
        return "escalated"
    return "unknown"


async def _notify(
    emit: Emit, owners: list[str], title: str, task: Task, key: str, urgency: str, source_type: str
) -> None:
    if not owners:
        return
    await emit(
        "notify.requested",
        NotifyRequested(
            recipients=owners,
            title=title,
            body=f"Hạn xử lý: {task.deadline:%d/%m/%Y}. Giao bởi: {task.assigner}.",
            urgency=urgency,  # type: ignore[arg-type]
            link=f"/tasks/{task.id}",
            dedup_key=key,
            source_type=source_type,
            issue=task.id,
        ),
    )


async def subtasks_of(session: AsyncSession, task_id: str) -> list[Task]:
    return list((await session.execute(select(Task).where(Task.parent_id == task_id))).scalars())


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")

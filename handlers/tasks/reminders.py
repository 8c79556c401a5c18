"""Durable reminders: JetStream scheduled messages on the SCHEDULES stream, written through the outbox.

Each reminder of a task has its own schedule subject `sched.lt.task.<task id>.<slot>`; publishing to
it again replaces the schedule (one schedule per subject), so a moved deadline re-plans in place. At
its time the server publishes the body (a `task.reminder_due` envelope) to `sched.lt.fire.task`, where
the tasks module consumes it. A reminder that no longer fits the task (done, deadline moved) is
ignored when it fires.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.tasks.clock import LOCAL_TZ, local_time
from handlers.tasks.settings import TasksSettings
from hub.models import OutboxEntry
from kit.workcal import WorkingCalendar
from schemas.envelope import Envelope
from schemas.registry import registry
from schemas.tasks import ReminderKind, TaskReminderDue

FIRE_SUBJECT = "sched.lt.fire.task"
SCHEDULE_PREFIX = "sched.lt.task"


@dataclass(frozen=True)
class PlannedReminder:
    """One reminder to schedule."""

    kind: ReminderKind
    fire_at: datetime
    slot: str
    sequence: int = 0


def plan(
    deadline: date, settings: TasksSettings, cal: WorkingCalendar, now: datetime | None = None
) -> list[PlannedReminder]:
    """Reminders of a task due on `deadline`: before it, on the day, first overdue, escalation."""
    now = now or datetime.now(UTC)
    today = now.astimezone(LOCAL_TZ).date()
    out: list[PlannedReminder] = []
    for n in sorted(set(settings.remind_days_before), reverse=True):
        fire = local_time(cal.subtract_working_days(deadline, n), settings.remind_hour)
        if fire > now:
            out.append(PlannedReminder("before", fire, f"before-{n}", n))
    on_day = local_time(deadline, settings.remind_hour)
    if deadline >= today:
        out.append(PlannedReminder("on_day", max(on_day, now), "on-day"))
    first_overdue = local_time(cal.add_working_days(deadline, 1), settings.remind_hour)
    out.append(PlannedReminder("overdue", now if today > deadline else first_overdue, "overdue", 1))
    escalate_day = cal.add_working_days(deadline, max(1, settings.escalate_after_days))
    escalate = local_time(escalate_day, settings.remind_hour)
    if today > deadline and (escalate_day <= today or settings.escalate_after_days == 0):
        escalate = now
    out.append(PlannedReminder("escalate", escalate, "escalate"))
    return out


def schedule_subject(task_id: str, slot: str) -> str:
    return f"{SCHEDULE_PREFIX}.{task_id}.{slot}"


def schedule_in(
    session: AsyncSession,
    task_id: str,
    deadline: date,
    reminder: PlannedReminder,
    *,
    issue: str | None = None,
) -> Envelope:
    """Add a scheduled message to the outbox of this transaction (published after commit)."""
    payload = TaskReminderDue(
        task_id=task_id,
        kind=reminder.kind,
        deadline=deadline,
        fire_at=reminder.fire_at,
        sequence=reminder.sequence,
    )
    body = registry.validate("task.reminder_due", 1, payload.model_dump(mode="json"))
    env = Envelope(
        type="task.reminder_due",
        source="tasks",
        subject=FIRE_SUBJECT,
        issue=issue or task_id,
        payload=body.model_dump(mode="json"),
    )
    at = reminder.fire_at.astimezone(UTC).replace(microsecond=0)
    if at < reminder.fire_at:
        at += timedelta(seconds=1)  # never fire before the time asked for
    session.add(
        OutboxEntry(
            message_id=str(env.id),
            subject=schedule_subject(task_id, reminder.slot),
            data=env.to_bytes(),
            headers={
                "Nats-Msg-Id": str(env.id),
                "Lt-Type": env.type,
                "Nats-Schedule": f"@at {at.strftime('%Y-%m-%dT%H:%M:%SZ')}",
                "Nats-Schedule-Target": FIRE_SUBJECT,
            },
            created_at=datetime.now(UTC),
        )
    )
    return env


def schedule_all(
    session: AsyncSession,
    task_id: str,
    deadline: date,
    settings: TasksSettings,
    cal: WorkingCalendar,
    issue: str | None = None,
) -> list[PlannedReminder]:
    """Plan and schedule every reminder of a task (replacing earlier schedules of the same slots)."""
    planned = plan(deadline, settings, cal)
    for reminder in planned:
        schedule_in(session, task_id, deadline, reminder, issue=issue)
    return planned


def new_id() -> str:
    return uuid.uuid4().hex[:12]

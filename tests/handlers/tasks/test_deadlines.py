"""Deadlines, reminder plans and the status taxonomy on the working calendar (Tết, weekends)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from handlers.tasks.clock import local_time
from handlers.tasks.reminders import plan
from handlers.tasks.service import TaskContext
from handlers.tasks.settings import TasksSettings
from handlers.tasks.status import classify
from kit.workcal import default_calendar

CAL = default_calendar()


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (date(2026, 2, 11), 5, date(2026, 2, 25)),  # Wed 11/2: Thu 12, Fri 13, Tết 14-22/2, Mon 23 .. Wed 25
        (date(2027, 2, 3), 1, date(2027, 2, 11)),  # the Wednesday before Tết Đinh Mùi (4-10/2/2027)
        (date(2027, 1, 29), 4, date(2027, 2, 11)),  # Fri: Mon 1, Tue 2, Wed 3, (Tết), Thu 11/2
        (date(2026, 12, 31), 1, date(2027, 1, 4)),  # New Year's Day 2027 is a Friday: Mon 4/1
        (date(2026, 11, 27), 10, date(2026, 12, 11)),  # two plain weeks
    ],
)
def test_task_deadline_in_working_days(start: date, days: int, due: date) -> None:
    assert TaskContext(cal=CAL).deadline_from(None, days, start=start) == due


def test_reminders_before_a_deadline_after_tet_skip_the_holiday() -> None:
    policy = TasksSettings(remind_days_before=[3, 1], remind_hour=8, escalate_after_days=2)
    now = datetime(2026, 2, 2, 3, 0, tzinfo=UTC)
    planned = {p.slot: p for p in plan(date(2026, 2, 24), policy, CAL, now=now)}
    # 3 working days before Tue 24/2 are Mon 23, Fri 13, Thu 12: the reminder goes out on Thu 12/2 at 8:00
    assert planned["before-3"].fire_at == local_time(date(2026, 2, 12), 8)
    assert planned["before-1"].fire_at == local_time(date(2026, 2, 23), 8)
    assert planned["on-day"].fire_at == local_time(date(2026, 2, 24), 8)
    assert planned["overdue"].fire_at == local_time(date(2026, 2, 25), 8)
    assert planned["escalate"].fire_at == local_time(date(2026, 2, 26), 8)
    assert local_time(date(2026, 2, 12), 8) == datetime(2026, 2, 12, 1, 0, tzinfo=UTC)  # 8:00 in Hà Nội


def test_a_task_already_late_is_reminded_and_escalated_at_once() -> None:
    policy = TasksSettings(escalate_after_days=2)
    now = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    planned = {p.slot: p for p in plan(date(2026, 3, 2), policy, CAL, now=now)}
    assert set(planned) == {"overdue", "escalate"}
    assert planned["overdue"].fire_at == now and planned["escalate"].fire_at == now


@pytest.mark.parametrize(
    ("state", "deadline", "today", "completed", "code", "due_today", "due_soon"),
    [
        ("not_started", date(2026, 2, 24), date(2026, 2, 10), None, "not_started_on_time", False, False),
        ("not_started", date(2026, 2, 24), date(2026, 2, 20), None, "not_started_on_time", False, True),
        ("in_progress", date(2026, 2, 24), date(2026, 2, 24), None, "in_progress_on_time", True, False),
        ("in_progress", date(2026, 2, 24), date(2026, 2, 25), None, "in_progress_overdue", False, False),
        ("done", date(2026, 2, 24), date(2026, 3, 1), date(2026, 2, 24), "done_on_time", False, False),
        ("done", date(2026, 2, 24), date(2026, 3, 1), date(2026, 2, 26), "done_overdue", False, False),
    ],
)
def test_status_taxonomy(
    state: str,
    deadline: date,
    today: date,
    completed: date | None,
    code: str,
    due_today: bool,
    due_soon: bool,
) -> None:
    st = classify(state, deadline, today, CAL, completed_on=completed, due_soon_days=2)
    assert (st.code, st.due_today, st.due_soon) == (code, due_today, due_soon)


def test_due_soon_counts_working_days_not_calendar_days() -> None:
    # Fri 13/2/2026 is 2 working days before Tue 24/2 (Tết in between): due soon within 2 working days
    assert classify("not_started", date(2026, 2, 24), date(2026, 2, 13), CAL, due_soon_days=2).due_soon
    assert classify("not_started", date(2026, 2, 24), date(2026, 2, 13), CAL).working_days_left == 2

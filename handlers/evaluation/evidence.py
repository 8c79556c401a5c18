"""Evidence off the bus (task facts, closed timesheet months) and the Decree 90 suggestion it makes.

Every task event is kept by kind (created, completed, overdue, assessed); the Decree 90 readers here
use the completed and overdue facts, `products.py` merges all four into Decree 335 products.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.evaluation.models import AttendanceEvidence, TaskEvidence
from handlers.evaluation.suggest import Suggestion, TaskOutcome, UnitRecord, suggest
from schemas.tasks import (
    ProductQuality,
    TaskCompleted,
    TaskCreated,
    TaskFacts,
    TaskOverdue,
    TaskProductAssessed,
)
from schemas.timekeeping import TimesheetClosed

OUTCOME_KINDS = ("completed", "overdue")  # what the Decree 90 suggestion reads

# -- recording --------------------------------------------------------------------------------------------


async def task_row(s: AsyncSession, task_id: str, kind: str, **new: Any) -> TaskEvidence:
    """The evidence row of a task and kind, created when first heard of."""
    row = await s.get(TaskEvidence, (task_id, kind))
    if row is None:
        row = TaskEvidence(task_id=task_id, kind=kind, recorded_at=datetime.now(UTC), **new)
        s.add(row)
    return row


def copy_facts(row: TaskEvidence, task: TaskFacts) -> None:
    """What every task event says: the officer, unit, title, deadline, weight and where it came from."""
    assert task.officer_id is not None
    row.user_id, row.unit_id, row.title, row.deadline = (
        task.officer_id,
        task.unit_id,
        task.title,
        task.deadline,
    )
    row.source, row.external_ref = task.source, task.external_ref
    if task.document_id is not None:
        row.document_id = task.document_id
    if task.product_weight is not None:
        row.product_weight = task.product_weight


def copy_quality(row: TaskEvidence, task: ProductQuality) -> None:
    """How the product was judged: major errors (None: not assessed) and an objective cause of a delay."""
    row.quality_errors, row.quality_errors_excused = task.quality_errors, task.quality_errors_excused
    cause = task.delay_cause
    row.delay_cause, row.delay_confirmed_by = (cause.reason, cause.confirmed_by) if cause else (None, None)


async def record_created(s: AsyncSession, task: TaskCreated) -> None:
    """Record a task given to an officer: a product assigned, done or not."""
    if not task.officer_id:
        return  # a unit-level task names no person yet
    row = await task_row(s, task.task_id, "created", days_overdue=0, quality_errors_excused=0)
    copy_facts(row, task)


async def record_completed(s: AsyncSession, task: TaskCompleted) -> None:
    """Record a completed task as evidence (on time or late, with its quality when judged)."""
    if not task.officer_id:
        return  # a unit-level task names no person to credit
    row = await task_row(s, task.task_id, "completed", days_overdue=0, quality_errors_excused=0)
    copy_facts(row, task)
    row.completed_at, row.on_time = task.completed_at, task.on_time
    copy_quality(row, task)


async def record_overdue(s: AsyncSession, task: TaskOverdue) -> None:
    """Record that a task passed its deadline."""
    if not task.officer_id:
        return
    row = await task_row(s, task.task_id, "overdue", days_overdue=0, quality_errors_excused=0)
    copy_facts(row, task)
    row.days_overdue = max(row.days_overdue or 0, task.days_overdue)


async def record_assessed(s: AsyncSession, task: TaskProductAssessed) -> None:
    """Record the assigner's judgement of a product (the latest one counts)."""
    if not task.officer_id:
        return
    row = await task_row(s, task.task_id, "assessed", days_overdue=0, quality_errors_excused=0)
    copy_facts(row, task)
    copy_quality(row, task)


async def record_timesheet(s: AsyncSession, sheet: TimesheetClosed) -> None:
    """Keep each person's closed month as attendance evidence (a re-closed month replaces it)."""
    for line in sheet.rows:
        row = await s.get(AttendanceEvidence, (line.user_id, sheet.month))
        if row is None:
            row = AttendanceEvidence(
                user_id=line.user_id, month=sheet.month, unit_id=sheet.unit_id, figures={}
            )
            s.add(row)
        row.unit_id, row.figures = (
            sheet.unit_id,
            {"month": sheet.month, **line.model_dump(exclude={"user_id"})},
        )


# -- reading a period -------------------------------------------------------------------------------------


def months_of(start: date, end: date) -> list[str]:
    """The months ('2026-09') a period spans."""
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


async def unit_record(s: AsyncSession, unit_id: str, start: date, end: date) -> UnitRecord:
    """The unit's tasks due in the period: how many, and how many done on time."""
    outcome: dict[str, bool] = {}
    rows = (
        await s.execute(
            select(TaskEvidence).where(
                TaskEvidence.unit_id == unit_id,
                TaskEvidence.kind.in_(OUTCOME_KINDS),
                TaskEvidence.deadline >= start,
                TaskEvidence.deadline <= end,
            )
        )
    ).scalars()
    for row in rows:
        good = row.kind == "completed" and bool(row.on_time)
        outcome[row.task_id] = outcome.get(row.task_id, True) and good
    return UnitRecord(unit_id, len(outcome), sum(outcome.values()))


def outcome_of(task_id: str, kinds: dict[str, TaskEvidence]) -> TaskOutcome:
    """One task from its completed and overdue rows: on time, late, or still open past its deadline."""
    done, overdue = kinds.get("completed"), kinds.get("overdue")
    any_row = done or overdue
    assert any_row is not None
    if done is not None:
        outcome = "on_time" if done.on_time and overdue is None else "late"
    else:
        outcome = "overdue_open"
    return TaskOutcome(
        task_id=task_id,
        title=any_row.title,
        deadline=any_row.deadline.isoformat(),
        outcome=outcome,
        completed_at=done.completed_at.isoformat() if done and done.completed_at else None,
        days_overdue=overdue.days_overdue if overdue else 0,
    )


async def task_outcomes(s: AsyncSession, user_id: str, start: date, end: date) -> list[TaskOutcome]:
    """The person's tasks due in the period, by deadline."""
    rows = (
        await s.execute(
            select(TaskEvidence).where(
                TaskEvidence.user_id == user_id,
                TaskEvidence.kind.in_(OUTCOME_KINDS),
                TaskEvidence.deadline >= start,
                TaskEvidence.deadline <= end,
            )
        )
    ).scalars()
    by_task: dict[str, dict[str, TaskEvidence]] = defaultdict(dict)
    for row in rows:
        by_task[row.task_id][row.kind] = row
    ordered = sorted(by_task.items(), key=lambda kv: next(iter(kv[1].values())).deadline)
    return [outcome_of(task_id, kinds) for task_id, kinds in ordered]


async def attendance_months(s: AsyncSession, user_id: str, months: list[str]) -> list[dict[str, Any]]:
    """The person's closed timesheet months among `months`, in order."""
    rows = (
        await s.execute(
            select(AttendanceEvidence)
            .where(AttendanceEvidence.user_id == user_id, AttendanceEvidence.month.in_(months))
            .order_by(AttendanceEvidence.month)
        )
    ).scalars()
    return [a.figures for a in rows]


async def evidence_for(
    s: AsyncSession, user_id: str, start: date, end: date, manages_unit: str | None = None
) -> Suggestion:
    """Tasks due in the period and closed timesheet months, and the level they suggest."""
    tasks = await task_outcomes(s, user_id, start, end)
    wanted = months_of(start, end)
    months = await attendance_months(s, user_id, wanted)
    unit = await unit_record(s, manages_unit, start, end) if manages_unit else None
    return suggest(tasks, months, len(wanted), unit)

"""A civil servant's Decree 335 score as it stands: from the products heard on the bus and the marks given.

A month or a quarter is scored from its products (a unit head's from the unit's products) and the
general points; a year from the confirmed months or quarters of that year. A confirmed assessment
keeps the score it was confirmed with.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.evaluation.evidence import attendance_months, months_of
from handlers.evaluation.models import Assessment, Cycle
from handlers.evaluation.products import products_of
from handlers.evaluation.score import Marks, PeriodItem, ScoreEvidence, period_score, year_score
from handlers.evaluation.suggest import attendance_figures
from schemas.evaluation import LEVEL_LABELS

HANOI = timezone(timedelta(hours=7))
ND335, ND90 = "nd335", "nd90"


def today() -> date:
    """Today in Hà Nội (whether an open task is past its deadline)."""
    return datetime.now(UTC).astimezone(HANOI).date()


def marks_of(a: Assessment) -> Marks:
    return Marks(
        general_points=a.general_points,
        general_self=a.general_self,
        general_note=a.general_note or "",
        task_points_entered=a.task_points_entered,
        task_note=a.task_note or "",
        disqualified=a.disqualified,
    )


async def year_periods(s: AsyncSession, user_id: str, year: int) -> tuple[list[PeriodItem], int]:
    """The person's quarters of the year (else months), confirmed or not, and how many the year has."""
    rows = (
        await s.execute(
            select(Assessment, Cycle)
            .join(Cycle, Cycle.id == Assessment.cycle_id)
            .where(
                Assessment.user_id == user_id,
                Cycle.kind.in_(("quarter", "month")),
                Cycle.period_start >= date(year, 1, 1),
                Cycle.period_start <= date(year, 12, 31),
            )
            .order_by(Cycle.period_start)
        )
    ).all()
    quarters = [(a, c) for a, c in rows if c.kind == "quarter"]
    chosen = quarters or [(a, c) for a, c in rows if c.kind == "month"]
    items = [
        PeriodItem(
            cycle_id=c.id,
            name=c.name,
            kind=c.kind,
            period_start=c.period_start.isoformat(),
            total=a.total_points if a.confirmed_at else None,
            level=a.review_level if a.confirmed_at else None,
            label=LEVEL_LABELS[a.review_level] if a.confirmed_at and a.review_level else None,
        )
        for a, c in chosen
    ]
    return items, 4 if quarters else 12


async def year_disqualified(s: AsyncSession, user_id: str, year: int) -> str | None:
    """A disqualifying finding in any period of the year (it holds for the year)."""
    found = await s.scalar(
        select(Assessment.disqualified)
        .join(Cycle, Cycle.id == Assessment.cycle_id)
        .where(
            Assessment.user_id == user_id,
            Assessment.disqualified.is_not(None),
            Cycle.period_start >= date(year, 1, 1),
            Cycle.period_start <= date(year, 12, 31),
        )
        .limit(1)
    )
    return found


async def year_of(s: AsyncSession, user_id: str, year: int) -> ScoreEvidence:
    """The person's year: the mean of the confirmed months or quarters."""
    periods, expected = await year_periods(s, user_id, year)
    return year_score(periods, expected, await year_disqualified(s, user_id, year))


async def live_score(s: AsyncSession, cycle: Cycle, a: Assessment) -> ScoreEvidence:
    """The score as the products and marks stand now."""
    if cycle.kind == "year":
        return await year_of(s, a.user_id, cycle.period_start.year)
    start, end = cycle.period_start, cycle.period_end
    if a.is_manager and a.unit_id:
        products = await products_of(s, start, end, today(), unit_id=a.unit_id)
    else:
        products = await products_of(s, start, end, today(), user_id=a.user_id)
    months = await attendance_months(s, a.user_id, months_of(start, end))
    basis = "don_vi" if a.is_manager and a.unit_id else "ca_nhan"
    return period_score(products, marks_of(a), attendance_figures(months), basis)


async def score_of(s: AsyncSession, cycle: Cycle, a: Assessment) -> ScoreEvidence:
    """The confirmed score when there is one, else the live one."""
    if a.confirmed_at and a.evidence.get("scheme") == ND335:
        return cast(ScoreEvidence, a.evidence)
    return await live_score(s, cycle, a)

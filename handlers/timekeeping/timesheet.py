"""The monthly timesheet (bảng chấm công) of a unit: a symbol per person and day, totals, statistics."""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.timekeeping.models import Correction, Leave, Punch, ShiftRule
from handlers.timekeeping.rules import (
    HOLIDAY,
    VIETNAM,
    DayResult,
    LeaveSpan,
    ShiftRuleConfig,
    corrected_day,
    evaluate_day,
    local,
)
from hub.orgchart import CLERK, LEADER, OFFICER, UNIT_HEAD, Unit, User
from kit.collation import vietnamese_key
from kit.workcal import WorkingCalendar, default_calendar
from schemas.timekeeping import TimesheetRow

STAFF_ROLES = {CLERK, LEADER, OFFICER, UNIT_HEAD}


def parse_month(month: str) -> tuple[date, date]:
    """First and last day of a 'YYYY-MM' month."""
    try:
        year, mon = (int(x) for x in month.split("-"))
        first = date(year, mon, 1)
    except ValueError:
        raise ValueError(f"month {month!r} must read YYYY-MM") from None
    return first, date(year, mon, calendar.monthrange(year, mon)[1])


@dataclass
class PersonMonth:
    """One person's line of the timesheet."""

    user_id: str
    full_name: str
    position: str
    days: dict[date, DayResult | None] = field(default_factory=dict)
    totals: TimesheetRow | None = None


@dataclass
class Sheet:
    """A unit's month."""

    unit_id: str
    unit_name: str
    month: str
    first: date
    last: date
    working_days: int
    holidays: set[date]
    people: list[PersonMonth]
    today: date  # days after it are blank


def today_in_vietnam() -> date:
    """Today's date in Hà Nội: days after it are not marked yet."""
    return datetime.now(VIETNAM).date()


async def rule_for(session: AsyncSession, unit_id: str | None) -> ShiftRuleConfig:
    """The unit's shift rule, else the default ('*'), else the built-in one."""
    for key in (unit_id, "*"):
        if key is None:
            continue
        row = await session.get(ShiftRule, key)
        if row is not None:
            return ShiftRuleConfig.model_validate(row.rule)
    return ShiftRuleConfig()


async def staff_of(session: AsyncSession, unit_id: str) -> list[User]:
    users = (
        await session.execute(select(User).where(User.unit_id == unit_id, User.active).order_by(User.id))
    ).scalars()
    return [u for u in users if STAFF_ROLES.intersection(u.roles or [])]


def _day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    start = datetime.combine(first, time(0), VIETNAM).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), VIETNAM).astimezone(UTC)
    return start, end


async def person_days(
    session: AsyncSession,
    user_id: str,
    first: date,
    last: date,
    rule: ShiftRuleConfig,
    cal: WorkingCalendar,
    today: date | None = None,
) -> dict[date, DayResult | None]:
    """Each day's verdict (None for days that are not working days, or not over yet).

    Days after `today` stay blank; today is marked once it has a correction, approved leave or both a
    check-in and a check-out (a single punch in the morning is not yet a half day).
    """
    today = today or today_in_vietnam()
    start, end = _day_bounds(first, last)
    punches: dict[date, list[datetime]] = defaultdict(list)
    rows = await session.execute(
        select(Punch.at).where(Punch.user_id == user_id, Punch.at >= start, Punch.at < end)
    )
    for (at,) in rows:
        punches[local(at).date()].append(at)
    leaves = (
        await session.execute(
            select(Leave).where(
                Leave.user_id == user_id, Leave.status == "approved", Leave.start <= last, Leave.end >= first
            )
        )
    ).scalars()
    spans: dict[date, list[LeaveSpan]] = defaultdict(list)
    for leave in leaves:
        day = max(leave.start, first)
        while day <= min(leave.end, last):
            spans[day].append(LeaveSpan(leave.kind, leave.half))
            day += timedelta(days=1)
    corrections = {
        c.day: c.symbol
        for c in (
            await session.execute(
                select(Correction).where(
                    Correction.user_id == user_id, Correction.day >= first, Correction.day <= last
                )
            )
        ).scalars()
    }
    days: dict[date, DayResult | None] = {}
    day = first
    while day <= last:
        if day > today or (day == today and not _day_over(day, corrections, punches, spans)):
            days[day] = None
        elif day in corrections:
            days[day] = corrected_day(corrections[day])
        elif cal.is_working_day(day):
            days[day] = evaluate_day(day, punches.get(day, []), spans.get(day, []), rule)
        else:
            days[day] = None
        day += timedelta(days=1)
    return days


def _day_over(
    day: date,
    corrections: dict[date, str],
    punches: dict[date, list[datetime]],
    spans: dict[date, list[LeaveSpan]],
) -> bool:
    """Whether today can be marked already: corrected, on leave, or checked in and out."""
    return day in corrections or bool(spans.get(day)) or len(punches.get(day, [])) >= 2


def totals(user_id: str, days: dict[date, DayResult | None], working_days: int) -> TimesheetRow:
    """Sum a person's month."""
    row = TimesheetRow(user_id=user_id, working_days=working_days, worked=0)
    for result in days.values():
        if result is None:
            continue
        row.worked += result.worked
        row.annual_leave += result.leave.get("annual", 0.0)
        row.sick_leave += result.leave.get("sick", 0.0)
        row.business_trip += result.leave.get("business_trip", 0.0)
        row.absent += result.absent
        if result.late:
            row.late_count += 1
            row.late_minutes += result.late_minutes
        if result.early:
            row.early_leave_count += 1
        if result.corrected:
            row.corrections += 1
    return row


async def build_sheet(
    session: AsyncSession,
    unit_id: str,
    month: str,
    cal: WorkingCalendar | None = None,
    today: date | None = None,
) -> Sheet:
    """Compute the unit's timesheet for a month (days after `today`, Hà Nội time by default, blank)."""
    cal = cal or default_calendar()
    today = today or today_in_vietnam()
    first, last = parse_month(month)
    unit = await session.get(Unit, unit_id)
    if unit is None:
        raise LookupError(f"không có đơn vị {unit_id!r}")
    rule = await rule_for(session, unit_id)
    working = sum(1 for i in range((last - first).days + 1) if cal.is_working_day(first + timedelta(i)))
    holidays = {
        first + timedelta(i)
        for i in range((last - first).days + 1)
        if (first + timedelta(i)) in cal.days_off and (first + timedelta(i)).weekday() not in cal.weekend
    }
    people = []
    for user in await staff_of(session, unit_id):
        days = await person_days(session, user.id, first, last, rule, cal, today)
        people.append(
            PersonMonth(user.id, user.full_name, user.position, days, totals(user.id, days, working))
        )
    people.sort(key=lambda p: vietnamese_key(p.full_name))
    return Sheet(unit_id, unit.name, month, first, last, working, holidays, people, today)


def day_symbol(sheet: Sheet, person: PersonMonth, day: date) -> str:
    """The day's symbol: blank for weekends and days not over yet, L for a public holiday gone by."""
    result = person.days.get(day)
    if result is None:
        return HOLIDAY if day in sheet.holidays and day <= sheet.today else ""
    return result.symbol

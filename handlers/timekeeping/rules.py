"""Shift rules and the day verdict: punches and leave of one working day become a timesheet symbol."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone

from pydantic import BaseModel, Field, model_validator

VIETNAM = timezone(timedelta(hours=7), "ICT")

# The usual symbols of a Vietnamese timesheet (bảng chấm công).
PRESENT = "+"
HALF = "½"
ANNUAL = "P"
SICK = "Ô"
TRIP = "CT"
ABSENT = "V"
HOLIDAY = "L"
LEAVE_SYMBOLS = {"annual": ANNUAL, "sick": SICK, "business_trip": TRIP}
SYMBOL_LEGEND = {
    PRESENT: "Đi làm đủ ngày",
    HALF: "Làm nửa ngày",
    ANNUAL: "Nghỉ phép",
    SICK: "Nghỉ ốm",
    TRIP: "Đi công tác",
    ABSENT: "Vắng không lý do",
    HOLIDAY: "Nghỉ lễ, Tết",
}
# Symbols a correction may set, with the figures they stand for (worked, leave kind, absent).
CORRECTABLE: dict[str, tuple[float, str | None, float]] = {
    PRESENT: (1.0, None, 0.0),
    HALF: (0.5, None, 0.5),
    ANNUAL: (0.0, "annual", 0.0),
    SICK: (0.0, "sick", 0.0),
    TRIP: (0.0, "business_trip", 0.0),
    ABSENT: (0.0, None, 1.0),
    HALF + ANNUAL: (0.5, "annual", 0.0),
    HALF + SICK: (0.5, "sick", 0.0),
    HALF + TRIP: (0.5, "business_trip", 0.0),
}


def _hm(value: str) -> time:
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"time {value!r} must read HH:MM") from None


class ShiftRuleConfig(BaseModel):
    """Working hours and thresholds of a unit, in local time (UTC+7)."""

    start: str = "08:00"
    lunch_start: str = "12:00"
    lunch_end: str = "13:00"
    end: str = "17:00"
    late_grace_minutes: int = Field(default=10, ge=0, le=120, description="Arrival this late is not late")
    early_grace_minutes: int = Field(default=10, ge=0, le=120, description="Leaving this early is fine")
    half_day_after_minutes: int = Field(
        default=120, ge=1, le=240, description="Late or early by more than this loses that half day"
    )
    absent_below_minutes: int = Field(
        default=120, ge=0, le=480, description="Less presence than this in a day counts as absent"
    )

    @model_validator(mode="after")
    def _ordered(self) -> ShiftRuleConfig:
        marks = [_hm(self.start), _hm(self.lunch_start), _hm(self.lunch_end), _hm(self.end)]
        if marks != sorted(marks) or marks[0] == marks[1] or marks[2] == marks[3]:
            raise ValueError("working hours must run start < lunch_start <= lunch_end < end")
        return self

    def at(self, day: date, mark: str) -> datetime:
        return datetime.combine(day, _hm(mark), VIETNAM)


@dataclass
class LeaveSpan:
    """Approved leave covering a day, whole or half."""

    kind: str
    half: str | None = None  # None: whole day; "morning" / "afternoon"


@dataclass
class DayResult:
    """The verdict for one person and one day."""

    symbol: str
    worked: float = 0.0
    leave: dict[str, float] = field(default_factory=dict)
    absent: float = 0.0
    late_minutes: int = 0
    early_minutes: int = 0
    corrected: bool = False
    first_in: datetime | None = None
    last_out: datetime | None = None

    @property
    def late(self) -> bool:
        return self.late_minutes > 0

    @property
    def early(self) -> bool:
        return self.early_minutes > 0


def local(moment: datetime) -> datetime:
    """A timestamp in Vietnam time (naive values from SQLite are UTC)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(VIETNAM)


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


Halves = dict[str, tuple[datetime, datetime]]


def evaluate_day(
    day: date, punches: Sequence[datetime], leaves: Sequence[LeaveSpan], rule: ShiftRuleConfig
) -> DayResult:
    """Judge one working day from its punches and approved leave under the shift rule."""
    halves: Halves = {
        "morning": (rule.at(day, rule.start), rule.at(day, rule.lunch_start)),
        "afternoon": (rule.at(day, rule.lunch_end), rule.at(day, rule.end)),
    }
    on_leave = _halves_on_leave(leaves)
    needed = [h for h in halves if h not in on_leave]
    times = sorted(local(p) for p in punches)
    result = DayResult(symbol="")
    worked: set[str] = set()
    if len(times) == 1:
        result.first_in = times[0]
        worked = _single_punch(result, times[0], halves, needed, rule)
    elif times:
        result.first_in, result.last_out = times[0], times[-1]
        worked = _present(result, times[0], times[-1], halves, needed, rule)
    for half in halves:
        if half in on_leave:
            result.leave[on_leave[half]] = result.leave.get(on_leave[half], 0.0) + 0.5
        elif half in worked:
            result.worked += 0.5
        else:
            result.absent += 0.5
    result.symbol = symbol_of(result)
    return result


def _halves_on_leave(leaves: Sequence[LeaveSpan]) -> dict[str, str]:
    """The leave kind of each half day covered by approved leave (the first span wins)."""
    on_leave: dict[str, str] = {}
    for span in leaves:
        for half in (span.half,) if span.half else ("morning", "afternoon"):
            on_leave.setdefault(half, span.kind)
    return on_leave


def _single_punch(
    result: DayResult, at: datetime, halves: Halves, needed: list[str], rule: ShiftRuleConfig
) -> set[str]:
    """A single punch (forgotten check-in or check-out): credit only the half it falls in."""
    single = "morning" if at < halves["afternoon"][0] else "afternoon"
    worked = {single} & set(needed)
    if single in worked and single == "morning":
        late = _minutes(at - halves["morning"][0])
        if late > rule.late_grace_minutes:
            result.late_minutes = late
    return worked


def _present(
    result: DayResult,
    first: datetime,
    last: datetime,
    halves: Halves,
    needed: list[str],
    rule: ShiftRuleConfig,
) -> set[str]:
    """The halves worked between the first and the last punch, and how late or early the day was."""
    presence = sum(max(0, _minutes(min(last, end) - max(first, begin))) for begin, end in halves.values())
    if presence < rule.absent_below_minutes:
        return set()
    worked = set()
    for half in needed:
        begin, end = halves[half]
        overlap = _minutes(min(last, end) - max(first, begin))
        if overlap >= _minutes(end - begin) - rule.half_day_after_minutes:
            worked.add(half)
    if worked:
        opening = halves["morning" if "morning" in worked else "afternoon"][0]
        closing = halves["afternoon" if "afternoon" in worked else "morning"][1]
        late = _minutes(first - opening)
        if late > rule.late_grace_minutes:
            result.late_minutes = late
        early = _minutes(closing - last)
        if early > rule.early_grace_minutes:
            result.early_minutes = early
    return worked


def symbol_of(result: DayResult) -> str:
    """The timesheet symbol of a day's figures."""
    leave_symbol = "".join(LEAVE_SYMBOLS[k] for k in result.leave)
    if result.worked >= 1:
        return PRESENT
    if result.worked == 0.5:
        return HALF + leave_symbol if leave_symbol else HALF
    if result.leave and result.absent:
        return f"{leave_symbol}/{ABSENT}"
    if result.leave:
        return leave_symbol if len(result.leave) == 1 else "/".join(LEAVE_SYMBOLS[k] for k in result.leave)
    return ABSENT


def corrected_day(symbol: str) -> DayResult:
    """A day whose symbol was set by a correction."""
    if symbol not in CORRECTABLE:
        raise ValueError(f"symbol {symbol!r} is not one of {', '.join(CORRECTABLE)}")
    worked, kind, absent = CORRECTABLE[symbol]
    result = DayResult(symbol=symbol, worked=worked, absent=absent, corrected=True)
    if kind:
        result.leave[kind] = 1.0 - worked
    return result

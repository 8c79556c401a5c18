"""The day verdict under the shift rule: grace periods, half-day and absent thresholds, leave."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from handlers.timekeeping.rules import VIETNAM, LeaveSpan, ShiftRuleConfig, corrected_day, evaluate_day

DAY = date(2026, 9, 7)
RULE = ShiftRuleConfig()


def at(hm: str) -> datetime:
    h, m = (int(x) for x in hm.split(":"))
    return datetime(DAY.year, DAY.month, DAY.day, h, m, tzinfo=VIETNAM)


@pytest.mark.parametrize(
    ("punches", "symbol", "late", "early"),
    [
        (["07:58", "17:01"], "+", 0, 0),
        (["08:10", "17:00"], "+", 0, 0),  # exactly the grace period
        (["08:11", "17:00"], "+", 11, 0),
        (["10:00", "17:00"], "+", 120, 0),  # at the half-day threshold: still a full day, late
        (["10:01", "17:00"], "½", 0, 0),  # past it: the morning is lost
        (["08:00", "16:50"], "+", 0, 0),
        (["08:00", "16:49"], "+", 0, 11),
        (["08:00", "14:59"], "½", 0, 0),  # left over two hours early: the afternoon is lost
        (["08:00"], "½", 0, 0),  # no check-out
        (["17:05"], "½", 0, 0),  # no check-in
        (["08:00", "09:30"], "V", 0, 0),  # under the absent threshold
        ([], "V", 0, 0),
    ],
)
def test_day_verdicts(punches: list[str], symbol: str, late: int, early: int) -> None:
    result = evaluate_day(DAY, [at(p) for p in punches], [], RULE)
    assert (result.symbol, result.late_minutes, result.early_minutes) == (symbol, late, early)


def test_leave_whole_and_half_days() -> None:
    assert evaluate_day(DAY, [], [LeaveSpan("annual")], RULE).symbol == "P"
    assert evaluate_day(DAY, [], [LeaveSpan("business_trip")], RULE).symbol == "CT"
    afternoon = evaluate_day(DAY, [at("12:58"), at("17:00")], [LeaveSpan("sick", "morning")], RULE)
    assert (afternoon.symbol, afternoon.worked, afternoon.leave, afternoon.late_minutes) == (
        "½Ô",
        0.5,
        {"sick": 0.5},
        0,
    )
    late_after_leave = evaluate_day(DAY, [at("13:20"), at("17:00")], [LeaveSpan("annual", "morning")], RULE)
    assert late_after_leave.late_minutes == 20
    assert evaluate_day(DAY, [], [LeaveSpan("annual", "morning")], RULE).symbol == "P/V"


def test_rules_and_corrections_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="start < lunch_start"):
        ShiftRuleConfig(start="13:00", lunch_start="12:00")
    with pytest.raises(ValueError, match="HH:MM"):
        ShiftRuleConfig(start="8h")
    with pytest.raises(ValueError, match="not one of"):
        corrected_day("X")
    assert corrected_day("½P").leave == {"annual": 0.5}

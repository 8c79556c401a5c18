"""Deadline arithmetic across Tết and weekends, checked against dates counted by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kit.workcal import CalendarError, WorkingCalendar, default_calendar


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (date(2026, 2, 12), 3, date(2026, 2, 24)),  # Thu 12/2 -> Fri 13, Tết 14-22/2, Mon 23, Tue 24
        (date(2026, 2, 13), 1, date(2026, 2, 23)),  # the Friday before Tết: next working day is after it
        (date(2025, 1, 24), 5, date(2025, 2, 7)),  # Tết Ất Tỵ 25/1-2/2, then Mon 3/2 .. Fri 7/2
        (date(2026, 11, 27), 2, date(2026, 12, 1)),  # Fri -> Mon 30/11, Tue 1/12
        (date(2026, 4, 24), 2, date(2026, 4, 29)),  # Fri; Mon 27/4 Giỗ Tổ (compensatory) -> Tue 28, Wed 29
        (date(2025, 4, 25), 1, date(2025, 4, 26)),  # Saturday 26/4/2025 was a working day (swap)
        (date(2026, 8, 28), 2, date(2026, 9, 3)),  # Quốc khánh 1-2/9/2026: Mon 31/8, Thu 3/9
    ],
)
def test_working_day_deadlines(start: date, days: int, due: date) -> None:
    assert default_calendar().add_working_days(start, days) == due


def test_counts_and_calendar_day_rules() -> None:
    cal = default_calendar()
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 24)) == 2
    assert cal.working_days_between(date(2026, 2, 24), date(2026, 2, 13)) == -2
    # 10 calendar days from 10/2/2026 land on Fri 20/2, inside Tết: rolled to Mon 23/2
    assert cal.add_days(date(2026, 2, 10), 10) == date(2026, 2, 20)
    assert cal.add_days(date(2026, 2, 10), 10, roll_forward=True) == date(2026, 2, 23)
    assert not cal.is_working_day(date(2026, 1, 1)) and cal.is_working_day(date(2026, 1, 2))
    assert cal.subtract_working_days(date(2026, 2, 23), 1) == date(2026, 2, 13)


def test_bad_calendar_data_is_refused(tmp_path: object) -> None:
    from pathlib import Path

    bad = Path(str(tmp_path)) / "h.yaml"
    bad.write_text("2026:\n  days_off:\n    - [2026-02-20, 2026-02-16]\n")
    with pytest.raises(CalendarError, match="ends before it starts"):
        WorkingCalendar.from_yaml(bad)


# Published dates of Tết (mùng 1) and Giỗ Tổ Hùng Vương (10/3 âm lịch), from the government's notices
# summarised in kit/holidays.yaml.
PUBLISHED_LUNAR = {
    2024: (date(2024, 2, 10), date(2024, 4, 18)),
    2025: (date(2025, 1, 29), date(2025, 4, 7)),
    2026: (date(2026, 2, 17), date(2026, 4, 26)),
    2027: (date(2027, 2, 6), date(2027, 4, 16)),
}


@pytest.mark.parametrize("year", sorted(PUBLISHED_LUNAR))
def test_tet_and_hung_kings_day_come_from_the_lunar_calendar(year: int) -> None:
    from kit.workcal import hung_kings_day, lunar_new_year

    assert (lunar_new_year(year), hung_kings_day(year)) == PUBLISHED_LUNAR[year]


@pytest.mark.parametrize("year", sorted(PUBLISHED_LUNAR))
def test_computed_holidays_agree_with_each_published_year_on_the_fixed_days(year: int) -> None:
    """The government arranges bridges its own way; the holidays themselves must agree."""
    from kit.workcal import statutory_days_off

    tet, hung = PUBLISHED_LUNAR[year]
    computed = statutory_days_off(year)
    published = default_calendar()
    fixed = [date(year, 1, 1), tet, date(year, 4, 30), date(year, 5, 1), date(year, 9, 2)]
    for day in fixed:
        assert day in computed
        assert not published.is_working_day(day), day
    # Giỗ Tổ on a Sunday (2026) gives the Monday off in both
    lieu = hung + timedelta(days=7 - hung.weekday() if hung.weekday() >= 5 else 0)
    assert lieu in computed and not published.is_working_day(lieu)


def test_a_year_without_government_data_still_has_its_holidays_and_is_flagged() -> None:
    cal = default_calendar()
    assert cal.is_provisional(2031) and not cal.is_provisional(2026)
    tet_2031 = date(2031, 1, 23)  # mùng 1 Tết Tân Hợi
    assert not cal.is_working_day(tet_2031) and not cal.is_working_day(date(2031, 4, 30))
    assert cal.is_working_day(date(2031, 3, 4))  # an ordinary Tuesday
    # five days of Tết plus lieu days for the weekend ones: a deadline across it skips them all
    assert cal.add_working_days(date(2031, 1, 21), 1) > date(2031, 1, 27)
    assert cal.missing_data_for(date(2026, 12, 3)) == []
    assert cal.missing_data_for(date(2027, 12, 1)) == [2028]
    assert cal.missing_data_for(date(2029, 6, 1)) == [2029, 2030]

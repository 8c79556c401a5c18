"""Deadline arithmetic across Tết and weekends, checked against dates counted by hand."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.common.workcal import CalendarError, WorkingCalendar, default_calendar


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

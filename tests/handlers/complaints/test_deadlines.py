"""Legal deadlines against the 2027 calendar (Tết Đinh Mùi: days off 4-10 February 2027)."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.complaints import deadlines


def test_complaint_acceptance_falling_in_tet_moves_to_the_first_working_day_after() -> None:
    # 10 days from Tuesday 26 January 2027 is Friday 5 February, inside the Tết break -> Thursday 11 February
    assert deadlines.acceptance_due("khieu_nai", date(2027, 1, 26)) == date(2027, 2, 11)


def test_complaint_resolution_in_plain_days_with_tet_at_the_end() -> None:
    days = deadlines.resolution_days("khieu_nai", "normal", second=False, remote=False)
    assert days == 30
    # 7 January + 30 days = Saturday 6 February (Tết) -> Thursday 11 February
    assert deadlines.resolution_due("khieu_nai", date(2027, 1, 7), days) == date(2027, 2, 11)


@pytest.mark.parametrize(
    ("second", "remote", "complexity", "days"),
    [
        (False, False, "complex", 45),
        (False, True, "normal", 45),
        (False, True, "complex", 60),
        (True, False, "normal", 45),
        (True, False, "complex", 60),
        (True, True, "normal", 60),
        (True, True, "complex", 70),
    ],
)
def test_complaint_periods_follow_the_law(second: bool, remote: bool, complexity: str, days: int) -> None:
    assert deadlines.resolution_days("khieu_nai", complexity, second, remote) == days


def test_denunciation_acceptance_counts_working_days_across_tet() -> None:
    # 7 working days after Monday 1 February 2027: 2, 3, (4-10 off), 11, 12, 15, 16, 17
    assert deadlines.acceptance_due("to_cao", date(2027, 2, 1)) == date(2027, 2, 17)
    assert deadlines.acceptance_due("to_cao", date(2027, 2, 1), several_places=True) == date(2027, 2, 22)


def test_extensions_allowed_by_complexity() -> None:
    assert deadlines.extension("to_cao", "very_complex", 1, 30, False, False) == 30
    with pytest.raises(deadlines.ExtensionRefused, match="tối đa 2 lần"):
        deadlines.extension("to_cao", "very_complex", 2, 30, False, False)
    with pytest.raises(deadlines.ExtensionRefused, match="tối đa 1 lần"):
        deadlines.extension("to_cao", "complex", 1, 10, False, False)
    with pytest.raises(deadlines.ExtensionRefused, match="tối đa 0 lần"):
        deadlines.extension("to_cao", "normal", 0, 10, False, False)
    with pytest.raises(deadlines.ExtensionRefused, match="không quá 30 ngày"):
        deadlines.extension("to_cao", "complex", 0, 31, False, False)
    with pytest.raises(deadlines.ExtensionRefused, match="không có thủ tục gia hạn"):
        deadlines.extension("phan_anh", "normal", 0, 5, False, False)

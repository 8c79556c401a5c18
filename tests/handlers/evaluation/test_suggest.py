"""The suggested level follows the measurable rules and says why."""

from __future__ import annotations

from handlers.evaluation.suggest import TaskOutcome, UnitRecord, suggest


def tasks(on_time: int, late: int = 0, open_: int = 0) -> list[TaskOutcome]:
    out = [TaskOutcome(f"a{i}", "t", "2026-09-01", "on_time") for i in range(on_time)]
    out += [TaskOutcome(f"b{i}", "t", "2026-09-01", "late") for i in range(late)]
    out += [TaskOutcome(f"c{i}", "t", "2026-09-01", "overdue_open") for i in range(open_)]
    return out


MONTH = {"working_days": 20, "worked": 20, "absent": 0, "late_count": 1}


def test_levels_from_tasks_and_attendance() -> None:
    assert suggest(tasks(3), [MONTH], 1).level == "xuat_sac"
    assert suggest(tasks(2), [MONTH], 1).level == "tot"  # too few tasks to propose excellent
    assert suggest(tasks(3), [{**MONTH, "late_count": 6}], 1).level == "tot"
    assert suggest(tasks(8, late=2), [MONTH], 1).level == "hoan_thanh"
    assert suggest(tasks(5, open_=5), [MONTH], 1).level == "hoan_thanh"
    assert suggest(tasks(4, late=3, open_=3), [MONTH], 1).level == "khong_hoan_thanh"
    absent = suggest(tasks(3), [{**MONTH, "absent": 3}], 1)
    assert absent.level == "hoan_thanh"  # would be good; lowered one level for absence
    assert any("hạ một mức" in r for r in absent.evidence["reasons"])
    none = suggest([], [MONTH], 3)
    assert none.level is None
    assert any("1/3 tháng" in r for r in none.evidence["reasons"])


def test_a_managers_level_is_capped_by_the_units_record() -> None:
    assert suggest(tasks(3), [MONTH], 1, UnitRecord("TH", 10, 10)).level == "xuat_sac"
    capped = suggest(tasks(3), [MONTH], 1, UnitRecord("TH", 10, 8))
    assert capped.level == "tot" and any("tối đa" in r for r in capped.evidence["reasons"])
    assert suggest(tasks(3), [MONTH], 1, UnitRecord("TH", 10, 7)).level == "hoan_thanh"
    assert suggest(tasks(3), [MONTH], 1, UnitRecord("TH", 10, 6)).level == "khong_hoan_thanh"
    assert suggest(tasks(3), [MONTH], 1, UnitRecord("TH", 10, 4)).level == "khong_hoan_thanh"
    assert suggest([], [MONTH], 1, UnitRecord("TH", 4, 4)).level == "tot"
    assert suggest([], [MONTH], 1, UnitRecord("TH", 0, 0)).level is None


def test_a_public_employee_manager_needs_the_unit_at_70_percent() -> None:
    """Decree 90/2020 as amended by 48/2023: a manager's unit at 69 % meets no level above 'not completed'."""
    at_70 = suggest(tasks(3), [MONTH], 1, UnitRecord("DNDT", 100, 70))
    assert at_70.level == "hoan_thanh"
    at_69 = suggest(tasks(3), [MONTH], 1, UnitRecord("DNDT", 100, 69))
    assert at_69.level == "khong_hoan_thanh"
    assert any("dưới 70%" in r for r in at_69.evidence["reasons"])
    assert not any("dưới 70%" in r for r in at_70.evidence["reasons"])

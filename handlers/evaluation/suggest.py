"""The suggested level: from recorded task outcomes and attendance, with the evidence behind it.

For public employees (viên chức); civil servants are scored per Decree 335/2025 in `score.py`.
This is an aid for the reviewer, not the legal rating. It applies the measurable parts of Decree
90/2020 (as amended by 48/2023): 'good' and 'excellent' need 100 % of tasks on time; 'completed'
allows at most 20 % below timeliness; more than 50 % not met is 'not completed'; a manager's level
is capped by the unit's record (100 % / 80 % / 70 %). What the system cannot see (quality,
exceeding targets, ethics, discipline) stays with the reviewer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from typing_extensions import TypedDict

from schemas.evaluation import LEVEL_LABELS, LEVELS

EXCELLENT_MIN_TASKS = 3
EXCELLENT_MAX_LATE_ARRIVALS = 3
ABSENT_DAYS_DOWNGRADE = 3.0
NOT_MEASURED = (
    "Chất lượng công việc, vượt chỉ tiêu, phẩm chất chính trị, đạo đức, kỷ luật: người đánh giá tự xem xét"
)


@dataclass
class TaskOutcome:
    task_id: str
    title: str
    deadline: str
    outcome: str  # on_time | late | overdue_open
    completed_at: str | None = None
    days_overdue: int = 0


@dataclass
class UnitRecord:
    """How the unit a manager heads did on its tasks due in the period."""

    unit_id: str
    total: int
    on_time: int

    @property
    def rate(self) -> float | None:
        return self.on_time / self.total if self.total else None


class TaskItem(TypedDict):
    """One task of the period and how it went."""

    task_id: str
    title: str
    deadline: str
    outcome: str
    completed_at: str | None
    days_overdue: int


class TaskFigures(TypedDict):
    total: int
    on_time: int
    late: int
    overdue_open: int
    on_time_rate: float | None
    items: list[TaskItem]


class AttendanceFigures(TypedDict):
    months: list[dict[str, Any]]
    working_days: int
    worked: float
    absent: float
    late_arrivals: int


class UnitFigures(TypedDict):
    unit_id: str
    total: int
    on_time: int


class Evidence(TypedDict):
    """What the suggestion rests on and why (shown to the reviewer, kept with the review)."""

    tasks: TaskFigures
    attendance: AttendanceFigures
    unit: UnitFigures | None
    reasons: list[str]
    suggested_label: str | None
    not_measured: str


@dataclass
class Suggestion:
    level: str | None
    evidence: Evidence


# A manager's level is capped by the unit's results (Decree 90/2020 as amended by 48/2023, for
# managers): excellent needs every target met, good at least 80 %, completed at least 70 %; under 70 %
# the unit's record meets no level above "not completed".
MANAGER_EXCELLENT_RATE = 1.0
MANAGER_GOOD_RATE = 0.8
MANAGER_COMPLETED_RATE = 0.7


def unit_cap(rate: float) -> str:
    if rate >= MANAGER_EXCELLENT_RATE:
        return "xuat_sac"
    if rate >= MANAGER_GOOD_RATE:
        return "tot"
    if rate >= MANAGER_COMPLETED_RATE:
        return "hoan_thanh"
    return "khong_hoan_thanh"


def _lower(level: str) -> str:
    i = LEVELS.index(level)  # type: ignore[arg-type]
    return LEVELS[min(i + 1, LEVELS.index("hoan_thanh"))] if i < LEVELS.index("hoan_thanh") else level


def task_figures(tasks: Sequence[TaskOutcome]) -> TaskFigures:
    total = len(tasks)
    on_time = sum(1 for t in tasks if t.outcome == "on_time")
    rate = on_time / total if total else None
    return TaskFigures(
        total=total,
        on_time=on_time,
        late=sum(1 for t in tasks if t.outcome == "late"),
        overdue_open=sum(1 for t in tasks if t.outcome == "overdue_open"),
        on_time_rate=round(rate, 4) if rate is not None else None,
        items=[TaskItem(**asdict(t)) for t in tasks],  # type: ignore[typeddict-item]
    )


def attendance_figures(months: Sequence[dict[str, Any]]) -> AttendanceFigures:
    return AttendanceFigures(
        months=list(months),
        working_days=sum(int(m.get("working_days", 0)) for m in months),
        worked=sum(float(m.get("worked", 0)) for m in months),
        absent=sum(float(m.get("absent", 0)) for m in months),
        late_arrivals=sum(int(m.get("late_count", 0)) for m in months),
    )


def level_from_tasks(t: TaskFigures, att: AttendanceFigures, reasons: list[str]) -> str | None:
    """The level the tasks' timeliness allows (excellent also needs good attendance)."""
    total, on_time = t["total"], t["on_time"]
    if total == 0:
        reasons.append("Chưa có nhiệm vụ nào có hạn trong kỳ: không đủ dữ liệu để gợi ý mức xếp loại")
        return None
    if on_time == total:
        reasons.append(f"100% nhiệm vụ ({total}/{total}) hoàn thành đúng hạn")
        if (
            total >= EXCELLENT_MIN_TASKS
            and att["absent"] == 0
            and att["late_arrivals"] <= EXCELLENT_MAX_LATE_ARRIVALS
        ):
            reasons.append(
                "Chấp hành thời giờ làm việc tốt (không vắng không lý do); đủ điều kiện đề xuất xuất sắc — "
                "việc vượt chỉ tiêu (≥ 50% nhiệm vụ vượt mức) do người đánh giá xác nhận"
            )
            return "xuat_sac"
        return "tot"
    rate = on_time / total
    reasons.append(
        f"{on_time}/{total} nhiệm vụ đúng hạn ({rate:.0%}); {t['late'] + t['overdue_open']} nhiệm vụ quá hạn "
        f"({t['late']} hoàn thành muộn, {t['overdue_open']} chưa hoàn thành)"
    )
    if rate >= 0.8:
        reasons.append("Không quá 20% nhiệm vụ chậm tiến độ: mức Hoàn thành nhiệm vụ")
        return "hoan_thanh"
    if rate >= 0.5:
        reasons.append("Trên 20% nhiệm vụ chậm tiến độ: cần người đánh giá xem xét kỹ")
        return "hoan_thanh"
    reasons.append("Trên 50% nhiệm vụ không đạt tiến độ: mức Không hoàn thành nhiệm vụ")
    return "khong_hoan_thanh"


def capped_by_unit(level: str | None, unit: UnitRecord, reasons: list[str]) -> str | None:
    """A manager's level: at most what the unit's record allows; from it alone when they have no tasks."""
    if unit.rate is None:
        return level
    cap = unit_cap(unit.rate)
    reasons.append(f"Đơn vị phụ trách: {unit.on_time}/{unit.total} nhiệm vụ đúng hạn ({unit.rate:.0%})")
    if cap == "khong_hoan_thanh":
        reasons.append(
            f"Đơn vị phụ trách đạt dưới {MANAGER_COMPLETED_RATE:.0%} chỉ tiêu, nhiệm vụ: không đủ điều kiện "
            "mức Hoàn thành nhiệm vụ"
        )
    if level is None:
        reasons.append("Cán bộ quản lý: gợi ý theo kết quả của đơn vị")
        return "tot" if cap == "xuat_sac" else cap
    if LEVELS.index(cap) > LEVELS.index(level):  # type: ignore[arg-type]
        reasons.append(f"Kết quả của đơn vị chỉ cho phép tối đa mức {LEVEL_LABELS[cap]}")
        return cap
    return level


def lowered_for_absence(level: str | None, absent: float, reasons: list[str]) -> str | None:
    if absent < ABSENT_DAYS_DOWNGRADE or level is None:
        return level
    lowered = _lower(level)
    if lowered != level:
        reasons.append(f"Vắng không lý do {absent:g} ngày: hạ một mức")
    return lowered


def suggest(
    tasks: Sequence[TaskOutcome],
    months: Sequence[dict[str, Any]],
    months_expected: int,
    unit: UnitRecord | None = None,
) -> Suggestion:
    """Suggest a level from task outcomes and closed timesheet months (for a manager, the unit's record)."""
    figures, attendance = task_figures(tasks), attendance_figures(months)
    reasons: list[str] = []
    level = level_from_tasks(figures, attendance, reasons)
    if unit is not None:
        level = capped_by_unit(level, unit, reasons)
    if months_expected and len(months) < months_expected:
        reasons.append(f"Mới có {len(months)}/{months_expected} tháng chấm công đã chốt trong kỳ")
    level = lowered_for_absence(level, attendance["absent"], reasons)
    evidence = Evidence(
        tasks=figures,
        attendance=attendance,
        unit=UnitFigures(unit_id=unit.unit_id, total=unit.total, on_time=unit.on_time) if unit else None,
        reasons=reasons,
        suggested_label=LEVEL_LABELS[level] if level else None,
        not_measured=NOT_MEASURED,
    )
    return Suggestion(level, evidence)

"""The suggested level: from recorded task outcomes and attendance, with the evidence behind it.

This is an aid for the reviewer, not the legal rating. It applies the measurable parts of Decree
90/2020 (as amended by 48/2023): 'good' and 'excellent' need 100 % of tasks on time; 'completed'
allows at most 20 % below timeliness; more than 50 % not met is 'not completed'. What the system
cannot see (quality, exceeding targets, ethics, discipline) stays with the reviewer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from schemas.evaluation import LEVEL_LABELS, LEVELS

EXCELLENT_MIN_TASKS = 3
EXCELLENT_MAX_LATE_ARRIVALS = 3
ABSENT_DAYS_DOWNGRADE = 3.0


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


# A manager's level is capped by the unit's results (Decree 90 Art. 12-15 for managers).
def unit_cap(rate: float) -> str:
    if rate >= 1:
        return "xuat_sac"
    if rate >= 0.8:
        return "tot"
    if rate >= 0.5:
        return "hoan_thanh"
    return "khong_hoan_thanh"


@dataclass
class Suggestion:
    level: str | None
    evidence: dict[str, Any]


def _lower(level: str) -> str:
    i = LEVELS.index(level)  # type: ignore[arg-type]
    return LEVELS[min(i + 1, LEVELS.index("hoan_thanh"))] if i < LEVELS.index("hoan_thanh") else level


def suggest(
    tasks: Sequence[TaskOutcome],
    months: Sequence[dict[str, Any]],
    months_expected: int,
    unit: UnitRecord | None = None,
) -> Suggestion:
    """Suggest a level from task outcomes and closed timesheet months (for a manager, the unit's record)."""
    total = len(tasks)
    on_time = sum(1 for t in tasks if t.outcome == "on_time")
    late = sum(1 for t in tasks if t.outcome == "late")
    still_open = sum(1 for t in tasks if t.outcome == "overdue_open")
    rate = on_time / total if total else None
    absent = sum(float(m.get("absent", 0)) for m in months)
    late_arrivals = sum(int(m.get("late_count", 0)) for m in months)
    worked = sum(float(m.get("worked", 0)) for m in months)
    working_days = sum(int(m.get("working_days", 0)) for m in months)
    reasons: list[str] = []
    level: str | None
    if total == 0:
        level = None
        reasons.append("Chưa có nhiệm vụ nào có hạn trong kỳ: không đủ dữ liệu để gợi ý mức xếp loại")
    elif rate == 1:
        level = "tot"
        reasons.append(f"100% nhiệm vụ ({total}/{total}) hoàn thành đúng hạn")
        if total >= EXCELLENT_MIN_TASKS and absent == 0 and late_arrivals <= EXCELLENT_MAX_LATE_ARRIVALS:
            level = "xuat_sac"
            reasons.append(
                "Chấp hành thời giờ làm việc tốt (không vắng không lý do); đủ điều kiện đề xuất xuất sắc — "
                "việc vượt chỉ tiêu (≥ 50% nhiệm vụ vượt mức) do người đánh giá xác nhận"
            )
    else:
        assert rate is not None
        missed = late + still_open
        reasons.append(
            f"{on_time}/{total} nhiệm vụ đúng hạn ({rate:.0%}); {missed} nhiệm vụ quá hạn "
            f"({late} hoàn thành muộn, {still_open} chưa hoàn thành)"
        )
        if rate >= 0.8:
            level = "hoan_thanh"
            reasons.append("Không quá 20% nhiệm vụ chậm tiến độ: mức Hoàn thành nhiệm vụ")
        elif rate >= 0.5:
            level = "hoan_thanh"
            reasons.append("Trên 20% nhiệm vụ chậm tiến độ: cần người đánh giá xem xét kỹ")
        else:
            level = "khong_hoan_thanh"
            reasons.append("Trên 50% nhiệm vụ không đạt tiến độ: mức Không hoàn thành nhiệm vụ")
    if unit is not None and unit.rate is not None:
        cap = unit_cap(unit.rate)
        reasons.append(f"Đơn vị phụ trách: {unit.on_time}/{unit.total} nhiệm vụ đúng hạn ({unit.rate:.0%})")
        if level is None:
            level = "tot" if cap == "xuat_sac" else cap
            reasons.append("Cán bộ quản lý: gợi ý theo kết quả của đơn vị")
        elif LEVELS.index(cap) > LEVELS.index(level):  # type: ignore[arg-type]
            level = cap
            reasons.append(f"Kết quả của đơn vị chỉ cho phép tối đa mức {LEVEL_LABELS[cap]}")
    if months_expected and len(months) < months_expected:
        reasons.append(f"Mới có {len(months)}/{months_expected} tháng chấm công đã chốt trong kỳ")
    if absent >= ABSENT_DAYS_DOWNGRADE and level is not None:
        lowered = _lower(level)
        if lowered != level:
            reasons.append(f"Vắng không lý do {absent:g} ngày: hạ một mức")
            level = lowered
    evidence: dict[str, Any] = {
        "tasks": {
            "total": total,
            "on_time": on_time,
            "late": late,
            "overdue_open": still_open,
            "on_time_rate": round(rate, 4) if rate is not None else None,
            "items": [t.__dict__ for t in tasks],
        },
        "attendance": {
            "months": list(months),
            "working_days": working_days,
            "worked": worked,
            "absent": absent,
            "late_arrivals": late_arrivals,
        },
        "unit": {"unit_id": unit.unit_id, "total": unit.total, "on_time": unit.on_time} if unit else None,
        "reasons": reasons,
        "suggested_label": LEVEL_LABELS[level] if level else None,
        "not_measured": "Chất lượng công việc, vượt chỉ tiêu, phẩm chất chính trị, đạo đức, kỷ luật: "
        "người đánh giá tự xem xét",
    }
    return Suggestion(level, evidence)

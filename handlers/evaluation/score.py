"""Decree 335/2025/NĐ-CP: a civil servant's score for a month or a quarter, with the evidence behind it.

100 points: up to 30 for the general criteria (political qualities, ethics, discipline, ...), given
by the reviewer, and up to 70 for the tasks, from the converted products (tasks weighted by their
hệ số quy đổi) due in the period:

- quantity   = weight of the products done / weight assigned;
- quality    = weight of the products done meeting the requirements / weight assigned, each major
  content error not due to an objective cause taking 25 % of that product's quality points;
- timeliness = weight of the products done / weight assigned, each delay without an objective cause
  taking 25 % of that product's timeliness points;
- task points = 70 × the mean of the three percentages (the decree gives the three measures; how
  they combine into 70 points is our reading, see README).

Bands: ≥ 90 excellent, 70 to < 90 good, 50 to < 70 completed, < 50 (or a disqualifying finding)
not completed. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from typing_extensions import TypedDict

from handlers.evaluation.suggest import AttendanceFigures
from schemas.evaluation import LEVEL_LABELS

PENALTY = 0.25
GENERAL_MAX = 30.0
TASK_MAX = 70.0
BANDS: tuple[tuple[float, str], ...] = ((90.0, "xuat_sac"), (70.0, "tot"), (50.0, "hoan_thanh"))
DISQUALIFICATIONS = {
    "suy_thoai": "Bị cấp có thẩm quyền kết luận suy thoái về tư tưởng chính trị, đạo đức, lối sống",
    "ky_luat": "Bị kỷ luật từ khiển trách trở lên trong năm đánh giá",
    "tham_nhung": "Đơn vị phụ trách có vụ việc tham ô, tham nhũng, lãng phí bị xử lý",
}
STATE_LABELS = {
    "dung_han": "Hoàn thành đúng hạn",
    "tre_han": "Hoàn thành chậm",
    "qua_han": "Quá hạn, chưa hoàn thành",
    "dang_lam": "Đang thực hiện, chưa đến hạn",
}
ProductState = Literal["dung_han", "tre_han", "qua_han", "dang_lam"]


def vn_number(x: float) -> str:
    """A number as Vietnamese write it: decimal comma, at most two decimals (68,83)."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def band(total: float) -> str:
    """The level a score reaches (≥ 90, ≥ 70, ≥ 50, else not completed)."""
    value = round(total, 2)
    for floor, level in BANDS:
        if value >= floor:
            return level
    return "khong_hoan_thanh"


@dataclass(frozen=True)
class Product:
    """One task of the period as a product: its weight, whether and how it was done."""

    task_id: str
    title: str
    deadline: date
    officer_id: str
    unit_id: str | None = None
    weight: float | None = None  # None: not set, counted as 1
    done: bool = False
    on_time: bool = True
    completed_at: str | None = None
    past_due: bool = False  # still open after its deadline
    quality_errors: int | None = None  # None: not assessed
    quality_errors_excused: int = 0
    delay_cause: str | None = None  # an objective cause of the delay, as confirmed
    delay_confirmed_by: str | None = None
    source: str | None = None
    external_ref: str | None = None
    document_id: str | None = None

    @property
    def state(self) -> ProductState:
        if self.done:
            return "dung_han" if self.on_time else "tre_han"
        return "qua_han" if self.past_due else "dang_lam"


class ProductItem(TypedDict):
    """One product as the reviewer sees it: the facts and the points it earned."""

    task_id: str
    title: str
    deadline: str
    officer_id: str
    state: str
    state_label: str
    completed_at: str | None
    weight: float
    weight_set: bool
    quality_errors: int | None
    quality_errors_excused: int
    delay_cause: str | None
    delay_confirmed_by: str | None
    source: str | None
    external_ref: str | None
    document_id: str | None
    quantity: float
    quality: float
    timeliness: float
    notes: list[str]


class TaskScore(TypedDict):
    """The task half of the score: every product, the three percentages and the points."""

    basis: str  # ca_nhan: the person's products; don_vi: the unit's (a manager)
    products: list[ProductItem]
    assigned: float
    done: float
    quantity_pct: float | None
    quality_pct: float | None
    timeliness_pct: float | None
    points: float | None
    delayed: list[str]
    delayed_excused: list[str]
    quality_failed: list[str]
    not_done: list[str]
    gaps: list[str]


class PeriodItem(TypedDict):
    """A confirmed month or quarter, as the year counts it."""

    cycle_id: str
    name: str
    kind: str
    period_start: str
    total: float | None
    level: str | None
    label: str | None


class ScoreEvidence(TypedDict):
    """A person's score and everything it rests on (shown to them and the reviewer, kept on confirmation)."""

    scheme: str
    kind: str  # period | year
    tasks: TaskScore | None
    periods: list[PeriodItem] | None
    general_points: float | None
    general_from: str | None  # reviewer | self | None
    general_note: str
    task_points: float | None
    task_points_entered: bool
    task_note: str
    total: float | None
    level: str | None
    label: str | None
    disqualified: str | None
    disqualified_label: str | None
    attendance: AttendanceFigures | None
    reasons: list[str]


def _points_of(p: Product) -> tuple[float, float, float, list[str]]:
    """Converted quantity, quality and timeliness points a product earned, and why any were taken."""
    weight = p.weight or 1.0
    notes: list[str] = []
    if not p.done:
        notes.append(
            "Quá hạn, chưa hoàn thành: không tính điểm" if p.past_due else "Chưa hoàn thành trong kỳ"
        )
        return 0.0, 0.0, 0.0, notes
    errors = p.quality_errors or 0
    quality = weight * max(0.0, 1 - PENALTY * errors)
    if errors:
        notes.append(f"{errors} lỗi lớn về nội dung: trừ {errors * 25}% điểm chất lượng")
    if p.quality_errors_excused:
        notes.append(f"{p.quality_errors_excused} lỗi do nguyên nhân khách quan: không trừ điểm")
    timeliness = weight
    if not p.on_time:
        if p.delay_cause:
            notes.append(f"Chậm do nguyên nhân khách quan ({p.delay_cause}): không trừ điểm")
        else:
            timeliness = weight * (1 - PENALTY)
            notes.append("Chậm tiến độ không có lý do khách quan: trừ 25% điểm tiến độ")
    return weight, quality, timeliness, notes


def _item(p: Product) -> ProductItem:
    quantity, quality, timeliness, notes = _points_of(p)
    return ProductItem(
        task_id=p.task_id,
        title=p.title,
        deadline=p.deadline.isoformat(),
        officer_id=p.officer_id,
        state=p.state,
        state_label=STATE_LABELS[p.state],
        completed_at=p.completed_at,
        weight=p.weight or 1.0,
        weight_set=p.weight is not None,
        quality_errors=p.quality_errors,
        quality_errors_excused=p.quality_errors_excused,
        delay_cause=p.delay_cause,
        delay_confirmed_by=p.delay_confirmed_by,
        source=p.source,
        external_ref=p.external_ref,
        document_id=p.document_id,
        quantity=round(quantity, 4),
        quality=round(quality, 4),
        timeliness=round(timeliness, 4),
        notes=notes,
    )


def _pct(part: float, whole: float) -> float:
    return round(min(100.0, 100 * part / whole), 2)


def _gaps(products: Sequence[Product]) -> list[str]:
    gaps = []
    unweighted = [p.task_id for p in products if p.weight is None]
    if unweighted:
        gaps.append(f"{len(unweighted)} sản phẩm chưa có hệ số quy đổi: tính hệ số 1")
    unassessed = [p.task_id for p in products if p.done and p.quality_errors is None]
    if unassessed:
        gaps.append(
            f"{len(unassessed)} sản phẩm chưa được đánh giá chất lượng: tạm tính đạt yêu cầu, "
            "người đánh giá kiểm tra lại"
        )
    return gaps


def task_score(products: Sequence[Product], basis: str = "ca_nhan") -> TaskScore:
    """The quantity, quality and timeliness percentages of the products due, and the task points (of 70)."""
    products = sorted(products, key=lambda p: (p.deadline, p.task_id))
    items = [_item(p) for p in products]
    assigned = sum(i["weight"] for i in items)
    done = sum(i["quantity"] for i in items)
    quality = sum(i["quality"] for i in items)
    timeliness = sum(i["timeliness"] for i in items)
    pcts = (_pct(done, assigned), _pct(quality, assigned), _pct(timeliness, assigned)) if assigned else None
    return TaskScore(
        basis=basis,
        products=items,
        assigned=round(assigned, 4),
        done=round(done, 4),
        quantity_pct=pcts[0] if pcts else None,
        quality_pct=pcts[1] if pcts else None,
        timeliness_pct=pcts[2] if pcts else None,
        points=round(TASK_MAX * sum(pcts) / 300, 2) if pcts else None,
        delayed=[p.task_id for p in products if p.done and not p.on_time and not p.delay_cause],
        delayed_excused=[p.task_id for p in products if p.done and not p.on_time and p.delay_cause],
        quality_failed=[p.task_id for p in products if p.done and (p.quality_errors or 0) > 0],
        not_done=[p.task_id for p in products if not p.done],
        gaps=_gaps(products),
    )


def _task_reasons(t: TaskScore) -> list[str]:
    if t["points"] is None:
        return ["Không có sản phẩm nào được giao có hạn trong kỳ: chưa tính được điểm nhiệm vụ"]
    whose = "của đơn vị phụ trách" if t["basis"] == "don_vi" else "được giao"
    reasons = [
        f"{len(t['products'])} sản phẩm {whose} (quy đổi {vn_number(t['assigned'])}), "
        f"hoàn thành {vn_number(t['done'])}",
        f"Số lượng {vn_number(t['quantity_pct'] or 0)}%, chất lượng {vn_number(t['quality_pct'] or 0)}%, "
        f"tiến độ {vn_number(t['timeliness_pct'] or 0)}%: điểm nhiệm vụ {vn_number(t['points'])}/70",
    ]
    if t["delayed"]:
        reasons.append(
            f"{len(t['delayed'])} sản phẩm chậm tiến độ không có lý do khách quan "
            f"({', '.join(t['delayed'])}): mỗi sản phẩm trừ 25% điểm tiến độ"
        )
    if t["delayed_excused"]:
        reasons.append(
            f"{len(t['delayed_excused'])} sản phẩm chậm do nguyên nhân khách quan đã được xác nhận "
            f"({', '.join(t['delayed_excused'])}): không trừ điểm"
        )
    if t["quality_failed"]:
        reasons.append(
            f"Sản phẩm có lỗi lớn về nội dung ({', '.join(t['quality_failed'])}): "
            "mỗi lỗi trừ 25% điểm chất lượng của sản phẩm"
        )
    if t["not_done"]:
        reasons.append(f"Chưa hoàn thành: {', '.join(t['not_done'])}")
    return reasons + t["gaps"]


@dataclass(frozen=True)
class Marks:
    """What the people give: general points (the reviewer's, else the person's own) and the exceptions."""

    general_points: float | None = None
    general_self: float | None = None
    general_note: str = ""
    task_points_entered: float | None = None
    task_note: str = ""
    disqualified: str | None = None


def _total(
    general: float | None, task_points: float | None, disqualified: str | None, reasons: list[str]
) -> tuple[float | None, str | None]:
    total = round(general + task_points, 2) if general is not None and task_points is not None else None
    level = band(total) if total is not None else None
    if total is not None and level is not None:
        reasons.append(
            f"Tổng điểm {vn_number(total)}/100 ({vn_number(general or 0)} tiêu chí chung + "
            f"{vn_number(task_points or 0)} nhiệm vụ): {LEVEL_LABELS[level]}"
        )
    elif general is None:
        reasons.append("Chưa có điểm tiêu chí chung (tối đa 30): trưởng đơn vị chấm")
    if disqualified:
        reasons.append(f"{DISQUALIFICATIONS[disqualified]}: {LEVEL_LABELS['khong_hoan_thanh']}")
        level = "khong_hoan_thanh"
    return total, level


def period_score(
    products: Sequence[Product],
    marks: Marks,
    attendance: AttendanceFigures | None = None,
    basis: str = "ca_nhan",
) -> ScoreEvidence:
    """A month's or a quarter's score: general points given, task points from the products, band."""
    tasks = task_score(products, basis)
    reasons = _task_reasons(tasks)
    task_points = tasks["points"]
    if marks.task_points_entered is not None:
        task_points = round(marks.task_points_entered, 2)
        reasons.append(
            f"Trưởng đơn vị nhập điểm nhiệm vụ {vn_number(task_points)}/70: "
            f"{marks.task_note or 'không ghi lý do'}"
        )
    general = marks.general_points if marks.general_points is not None else marks.general_self
    general_from = "reviewer" if marks.general_points is not None else "self" if general is not None else None
    if general_from == "self":
        reasons.append("Điểm tiêu chí chung là điểm tự chấm, chờ trưởng đơn vị xem xét")
    total, level = _total(general, task_points, marks.disqualified, reasons)
    return ScoreEvidence(
        scheme="nd335",
        kind="period",
        tasks=tasks,
        periods=None,
        general_points=general,
        general_from=general_from,
        general_note=marks.general_note,
        task_points=task_points,
        task_points_entered=marks.task_points_entered is not None,
        task_note=marks.task_note,
        total=total,
        level=level,
        label=LEVEL_LABELS[level] if level else None,
        disqualified=marks.disqualified,
        disqualified_label=DISQUALIFICATIONS.get(marks.disqualified or ""),
        attendance=attendance,
        reasons=reasons,
    )


def year_score(
    periods: Sequence[PeriodItem], expected: int, disqualified: str | None = None
) -> ScoreEvidence:
    """The year from its confirmed months or quarters: the mean of their scores, its band."""
    kind_word = "quý" if expected == 4 else "tháng"
    scored = [p for p in periods if p["total"] is not None]
    reasons: list[str] = []
    total: float | None = None
    level: str | None = None
    if not scored:
        reasons.append(f"Chưa có {kind_word} nào được xác nhận trong năm")
    else:
        total = round(sum(p["total"] or 0 for p in scored) / len(scored), 2)
        level = band(total)
        reasons.append(
            f"Trung bình {len(scored)} {kind_word}: {vn_number(total)}/100 điểm: {LEVEL_LABELS[level]}"
        )
        if len(scored) < expected:
            reasons.append(f"Mới có {len(scored)}/{expected} {kind_word} được xác nhận: kết quả tạm tính")
        if disqualified:
            reasons.append(f"{DISQUALIFICATIONS[disqualified]}: {LEVEL_LABELS['khong_hoan_thanh']}")
            level = "khong_hoan_thanh"
    return ScoreEvidence(
        scheme="nd335",
        kind="year",
        tasks=None,
        periods=list(periods),
        general_points=None,
        general_from=None,
        general_note="",
        task_points=None,
        task_points_entered=False,
        task_note="",
        total=total,
        level=level,
        label=LEVEL_LABELS[level] if level else None,
        disqualified=disqualified,
        disqualified_label=DISQUALIFICATIONS.get(disqualified or ""),
        attendance=None,
        reasons=reasons,
    )

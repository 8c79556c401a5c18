"""What callers send to the evaluation module (request bodies with their rules) and what they see of it."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from handlers.evaluation.cap import CapResult
from handlers.evaluation.score import GENERAL_MAX, TASK_MAX, ScoreEvidence
from handlers.evaluation.suggest import Evidence
from schemas.evaluation import EvaluationResult, Level, QuotaWarning

CycleKind = Literal["year", "quarter", "month"]
KIND_LABELS = {"year": "năm", "quarter": "quý", "month": "tháng"}
StaffKind = Literal["cong_chuc", "vien_chuc"]
STAFF_LABELS = {"cong_chuc": "Công chức", "vien_chuc": "Viên chức"}
SCHEME_LABELS = {
    "nd335": "Công chức: chấm điểm theo Nghị định 335/2025/NĐ-CP",
    "nd90": "Viên chức: xếp loại theo Nghị định 90/2020/NĐ-CP, sửa đổi bởi Nghị định 48/2023/NĐ-CP",
}
Disqualification = Literal["suy_thoai", "ky_luat", "tham_nhung"]
ROMAN = ("I", "II", "III", "IV")


# -- what callers send ----------------------------------------------------------------------------------


class CycleIn(BaseModel):
    """A cycle to open: a whole year, quarter or month, for the units named (none: every unit)."""

    name: str = Field(min_length=1, max_length=300)
    kind: CycleKind
    period_start: date
    period_end: date
    unit_ids: list[str] = Field(default_factory=list, description="Empty: every unit")

    @model_validator(mode="after")
    def _period(self) -> CycleIn:
        s, e = self.period_start, self.period_end
        last_day = calendar.monthrange(e.year, e.month)[1]
        ok = s.day == 1 and e.day == last_day and s.year == e.year
        span = e.month - s.month + 1
        if self.kind == "year":
            ok = ok and s.month == 1 and e.month == 12
        elif self.kind == "quarter":
            ok = ok and span == 3 and s.month in (1, 4, 7, 10)
        else:
            ok = ok and span == 1
        if not ok:
            raise ValueError(
                f"kỳ {self.kind} phải trọn năm, trọn quý hoặc trọn tháng; nhận được {s:%d/%m/%Y}–{e:%d/%m/%Y}"
            )
        return self


class LevelIn(BaseModel):
    """A level with the self-assessment or the reviewer's comment."""

    level: Level
    summary: str = Field(default="", max_length=8000)


class SelfIn(BaseModel):
    """A self-assessment: a civil servant scores the general criteria, a public employee proposes a level."""

    level: Level | None = Field(default=None, description="Public employees (Decree 90/2020)")
    general_points: float | None = Field(
        default=None, ge=0, le=GENERAL_MAX, description="Civil servants (Decree 335/2025): 0-30"
    )
    summary: str = Field(default="", max_length=8000)


class PeriodIn(BaseModel):
    """A month or a quarter to open for a unit (the unit head's own, unless a leader names another)."""

    kind: Literal["month", "quarter"]
    year: int = Field(ge=2026, le=2100, description="Decree 335/2025 applies from 2026")
    number: int = Field(ge=1, le=12, description="The month (1-12) or the quarter (1-4)")
    unit_id: str | None = Field(default=None, description="Empty: the caller's unit")

    @model_validator(mode="after")
    def _number(self) -> PeriodIn:
        if self.kind == "quarter" and self.number > 4:
            raise ValueError(f"quý phải từ 1 đến 4, nhận được {self.number}")
        return self

    @property
    def bounds(self) -> tuple[date, date]:
        first = self.number if self.kind == "month" else 3 * self.number - 2
        last = self.number if self.kind == "month" else 3 * self.number
        return date(self.year, first, 1), date(self.year, last, calendar.monthrange(self.year, last)[1])

    @property
    def name(self) -> str:
        if self.kind == "month":
            return f"Tháng {self.number}/{self.year}"
        return f"Quý {ROMAN[self.number - 1]}/{self.year}"


class ScoreIn(BaseModel):
    """The reviewer's marks for one person: general points (civil servants) or a level (public employees)."""

    user_id: str = Field(min_length=1)
    general_points: float | None = Field(default=None, ge=0, le=GENERAL_MAX)
    general_note: str = Field(default="", max_length=4000)
    task_points: float | None = Field(
        default=None, ge=0, le=TASK_MAX, description="Only when the products cannot say it; needs task_note"
    )
    task_note: str = Field(default="", max_length=4000)
    disqualified: Disqualification | None = None
    level: Level | None = Field(default=None, description="Public employees: the reviewer's level")

    @model_validator(mode="after")
    def _reason(self) -> ScoreIn:
        if self.task_points is not None and not self.task_note.strip():
            raise ValueError("điểm nhiệm vụ nhập tay cần ghi lý do (task_note)")
        return self


class ScoresIn(BaseModel):
    """The reviewer's marks for some of the group."""

    items: list[ScoreIn] = Field(min_length=1, max_length=500)


class StaffIn(BaseModel):
    """Whether the person is a civil servant or a public employee."""

    kind: StaffKind


class DecisionIn(BaseModel):
    """The director's decision: the reviewed levels stand except where overridden."""

    overrides: dict[str, Level] = Field(
        default_factory=dict, description="Director's level, where it differs"
    )


class UnitCyclesIn(BaseModel):
    """Which shorter cycles a unit evaluates by, besides the year."""

    kinds: list[Literal["quarter", "month"]] = Field(default_factory=list)


class QuotaIn(BaseModel):
    """The largest share of 'excellent' a unit may give."""

    unit_id: str = Field(min_length=1, description="'*' for the default")
    max_excellent_share: float = Field(ge=0, le=1)
    basis: Literal["good_or_better", "all"] = "good_or_better"


# -- what callers see -----------------------------------------------------------------------------------


class UnitCyclesView(BaseModel):
    unit_id: str
    kinds: list[str] = Field(description="Always 'year', then the shorter cycles")


class OpenedCycle(BaseModel):
    id: str
    name: str
    people: list[str] = Field(description="User ids who got an assessment to fill in")


class CycleItem(BaseModel):
    """A cycle as listed."""

    id: str
    name: str
    kind: str
    period_start: date
    period_end: date
    status: str = Field(description="open | decided")
    unit_ids: list[str] = Field(default_factory=list, description="The units in the cycle")


class AssessmentView(BaseModel):
    """Where one person stands in a cycle."""

    user_id: str
    full_name: str
    unit_id: str | None
    self_level: str | None
    self_label: str | None
    self_summary: str
    suggested_level: str | None
    review_level: str | None
    review_label: str | None
    review_comment: str
    reviewer_id: str | None
    final_level: str | None
    final_label: str | None
    stage: str = Field(description="waiting | self_assessed | scored | reviewed | decided")
    stage_label: str
    scheme: str = Field(description="nd335: scored on 100 points (công chức); nd90: levels (viên chức)")
    is_manager: bool = False
    general_self: float | None = None
    general_points: float | None = None
    total_points: float | None = Field(default=None, description="Confirmed score (nd335)")


class CycleDetail(CycleItem):
    """A cycle and the assessments the caller may see."""

    assessments: list[AssessmentView]


class SuggestedLevel(BaseModel):
    level: str | None
    label: str | None


class AssessmentDetail(AssessmentView):
    """An assessment with the level the evidence suggests now, and the evidence the review was made with."""

    suggestion: SuggestedLevel
    evidence: Evidence | None = Field(description="Public employees: the Decree 90 evidence")
    reviewed_with: dict[str, Any] | None = Field(description="The evidence as the reviewer saw it")
    score: ScoreEvidence | None = Field(
        default=None, description="Civil servants: the Decree 335 score (as confirmed, else live)"
    )


class ReviewedAssessment(AssessmentView):
    """An assessment just reviewed, with the suggestion and the evidence kept with the review."""

    suggestion: str | None
    evidence: Evidence


class Decision(BaseModel):
    """The decided levels of a cycle and the units over their quota."""

    cycle_id: str
    results: list[EvaluationResult]
    warnings: list[QuotaWarning]


class StaffView(BaseModel):
    user_id: str
    kind: StaffKind
    kind_label: str
    updated_assessments: int = Field(description="Open, unconfirmed assessments moved to the new scheme")


class PeriodOpened(BaseModel):
    """A month or a quarter opened for a unit (in the department's cycle of that period)."""

    cycle_id: str
    name: str
    kind: str
    period_start: date
    period_end: date
    unit_id: str
    people: list[str]
    new_cycle: bool = Field(description="False: the unit joined a cycle another unit had opened")


class BoardRow(BaseModel):
    """One person on the reviewer's board."""

    user_id: str
    full_name: str
    position: str
    scheme: str
    scheme_label: str
    stage: str
    stage_label: str
    self_level: str | None
    self_label: str | None
    general_self: float | None
    score: ScoreEvidence | None = Field(description="Civil servants: the score (confirmed, else live)")
    suggestion: SuggestedLevel | None = Field(description="Public employees: the Decree 90 suggestion")
    level: str | None = Field(description="The level after the cap (confirmed, else as it would be)")
    label: str | None
    lowered_by_cap: bool


class Board(BaseModel):
    """A unit's (or the unit heads') people in a cycle, their scores and the 20 % cap applied."""

    cycle: CycleItem
    group: str = Field(description="A unit id, or 'quan_ly' for the unit heads' group")
    group_name: str
    opened_by: str | None
    confirmed_by: str | None
    confirmed_at: datetime | None
    may_score: bool
    rows: list[BoardRow]
    share: float
    cap: CapResult
    notes: list[str]


class GroupSummary(BaseModel):
    """How far a unit (or the unit heads' group) got in a cycle."""

    group: str
    name: str
    opened: bool
    confirmed: bool
    people: int
    scored: int
    counts: dict[str, int] = Field(description="Per level (confirmed, else as the scores stand)")
    cap_message: str


class Department(BaseModel):
    """The department in one cycle: every unit and the unit heads' group."""

    cycle: CycleItem
    groups: list[GroupSummary]
    counts: dict[str, int]


class MyAssessment(BaseModel):
    """One of the caller's own assessments, with its cycle."""

    cycle: CycleItem
    assessment: AssessmentView


class YearRow(BaseModel):
    """A person's year from their months or quarters, and the level after the unit's cap."""

    user_id: str
    full_name: str
    unit_id: str | None
    score: ScoreEvidence
    level: str | None
    label: str | None
    lowered_by_cap: bool


class YearBoard(BaseModel):
    """A unit's year (civil servants): each person's mean of the periods, the cap applied."""

    year: int
    unit_id: str
    rows: list[YearRow]
    cap: CapResult

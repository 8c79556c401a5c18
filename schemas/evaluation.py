"""Evaluation messages: the director's decision for a cycle.

Civil servants (công chức) are scored per Decree 335/2025/NĐ-CP (100 points); public employees
(viên chức) keep the levels of Decree 90/2020 as amended by Decree 48/2023.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from schemas.registry import message_type

Level = Literal["xuat_sac", "tot", "hoan_thanh", "khong_hoan_thanh"]
LEVELS: tuple[Level, ...] = ("xuat_sac", "tot", "hoan_thanh", "khong_hoan_thanh")
LEVEL_LABELS: dict[str, str] = {
    "xuat_sac": "Hoàn thành xuất sắc nhiệm vụ",
    "tot": "Hoàn thành tốt nhiệm vụ",
    "hoan_thanh": "Hoàn thành nhiệm vụ",
    "khong_hoan_thanh": "Không hoàn thành nhiệm vụ",
}


class EvaluationResult(BaseModel):
    """One person's outcome."""

    user_id: str
    full_name: str
    unit_id: str | None
    self_level: Level | None
    review_level: Level | None
    suggested_level: Level | None
    final_level: Level
    scheme: Literal["nd335", "nd90"] | None = Field(
        default=None, description="nd335: scored on 100 points (công chức); nd90: levels (viên chức)"
    )
    total_points: float | None = Field(default=None, description="The confirmed score out of 100 (nd335)")


class QuotaWarning(BaseModel):
    """A unit over the configured share of excellent ratings."""

    unit_id: str
    excellent: int
    basis: int
    share: float
    limit: float
    message: str


@message_type("evaluation.decided", "lt.evaluation.evt.decided")
class EvaluationDecided(BaseModel):
    """The director decided the levels of an evaluation cycle; the documents module may issue it."""

    cycle_id: str
    name: str
    kind: Literal["year", "quarter", "month"]
    period_start: date
    period_end: date
    decided_by: str
    decided_at: AwareDatetime
    results: list[EvaluationResult]
    warnings: list[QuotaWarning] = Field(default_factory=list)

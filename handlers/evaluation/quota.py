"""The 'excellent' quota: the share of excellent a unit may give, and the units over it."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.evaluation.access import require_leader
from handlers.evaluation.models import Assessment, QuotaRule
from handlers.evaluation.settings import EvaluationSettings
from handlers.evaluation.views import QuotaIn
from hub.auth import Principal
from hub.orgchart import Unit
from schemas.evaluation import QuotaWarning

Levels = dict[str | None, list[str]]


async def set_rule(s: AsyncSession, p: Principal, body: QuotaIn) -> QuotaIn:
    """Set a unit's rule ('*': the default for units without one): leaders only."""
    require_leader(p, "đặt tỷ lệ xuất sắc của đơn vị")
    by = p.id
    row = await s.get(QuotaRule, body.unit_id)
    if row is None:
        s.add(QuotaRule(updated_by=by, **body.model_dump()))
    else:
        row.max_excellent_share, row.basis, row.updated_by = body.max_excellent_share, body.basis, by
    return body


async def rule_for(s: AsyncSession, unit_id: str | None, settings: EvaluationSettings) -> tuple[float, str]:
    """The unit's rule, else the '*' rule, else the configured default: (largest share, basis)."""
    for key in (unit_id, "*"):
        if key is None:
            continue
        rule = await s.get(QuotaRule, key)
        if rule is not None:
            return rule.max_excellent_share, rule.basis
    return settings.max_excellent_share, settings.quota_basis


async def proposed_levels(s: AsyncSession, cycle_id: str) -> Levels:
    """Per unit, the levels decided or reviewed so far."""
    levels: Levels = defaultdict(list)
    for a in (await s.execute(select(Assessment).where(Assessment.cycle_id == cycle_id))).scalars():
        level = a.final_level or a.review_level
        if level:
            levels[a.unit_id].append(level)
    return levels


def scope_words(basis: str) -> str:
    return "số được xếp loại tốt trở lên" if basis == "good_or_better" else "tổng số người được đánh giá"


async def warnings_for(s: AsyncSession, levels: Levels, settings: EvaluationSettings) -> list[QuotaWarning]:
    """Units whose share of 'excellent' is over their rule."""
    warnings = []
    for unit_id, unit_levels in sorted(levels.items(), key=lambda kv: kv[0] or ""):
        limit, basis = await rule_for(s, unit_id, settings)
        excellent = unit_levels.count("xuat_sac")
        base = (
            sum(1 for x in unit_levels if x in ("xuat_sac", "tot"))
            if basis == "good_or_better"
            else len(unit_levels)
        )
        share = excellent / base if base else 0.0
        if not (excellent and share > limit + 1e-9):
            continue
        unit = await s.get(Unit, unit_id) if unit_id else None
        warnings.append(
            QuotaWarning(
                unit_id=unit_id or "",
                excellent=excellent,
                basis=base,
                share=round(share, 4),
                limit=limit,
                message=(
                    f"{unit.name if unit else unit_id}: {excellent}/{base} ({share:.0%}) "
                    f"xếp loại xuất sắc, vượt tỷ lệ tối đa {limit:.0%} {scope_words(basis)}"
                ),
            )
        )
    return warnings


async def cycle_warnings(s: AsyncSession, cycle_id: str, settings: EvaluationSettings) -> list[QuotaWarning]:
    """Units over their quota with the levels of the cycle so far."""
    return await warnings_for(s, await proposed_levels(s, cycle_id), settings)

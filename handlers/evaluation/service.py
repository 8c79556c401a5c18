"""Staff evaluation's rules: cycles, self-assessment, review with evidence, the director's decision.

The entry point of the evaluation logic. Civil servants (công chức) are scored per Decree 335/2025
(`periods.py`: a unit's period, the marks, the confirmation with the cap; `scoring.py` and
`score.py`: the score); public employees (viên chức) keep the levels of Decree 90/2020 as amended
by 48/2023 (evidence in `evidence.py`, rules in `suggest.py`). The 'excellent' quota warnings are in
`quota.py`, the results sheet in `export.py`. Refusals are `hub.errors` domain errors.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.evaluation import quota
from handlers.evaluation.access import require_leader
from handlers.evaluation.evidence import evidence_for
from handlers.evaluation.export import results_xlsx
from handlers.evaluation.models import Assessment, Cycle, PeriodUnit, Staff, UnitCycles
from handlers.evaluation.scoring import ND90, ND335, score_of
from handlers.evaluation.settings import EvaluationSettings
from handlers.evaluation.views import (
    KIND_LABELS,
    AssessmentDetail,
    AssessmentView,
    CycleDetail,
    CycleIn,
    CycleItem,
    Decision,
    DecisionIn,
    LevelIn,
    OpenedCycle,
    ReviewedAssessment,
    SelfIn,
    SuggestedLevel,
    UnitCyclesIn,
    UnitCyclesView,
)
from hub.auth import Principal
from hub.errors import Conflict, Forbidden, Invalid, NotFound
from hub.orgchart import CLERK, LEADER, OFFICER, UNIT_HEAD, Unit, User
from hub.runtime import Work
from schemas.evaluation import LEVEL_LABELS, EvaluationDecided, EvaluationResult, QuotaWarning
from schemas.notify import NotifyRequested

SOURCE = "evaluation"
EVALUATED_ROLES = {OFFICER, UNIT_HEAD, CLERK}
STAGE_LABELS = {
    "waiting": "Chờ tự đánh giá",
    "self_assessed": "Đã tự đánh giá",
    "scored": "Đã chấm điểm, chờ xác nhận",
    "reviewed": "Đã xác nhận kết quả",
    "decided": "Đã có quyết định",
}


# -- reading ----------------------------------------------------------------------------------------------


async def cycle_to_handle(s: AsyncSession, cycle_id: str) -> Cycle:
    cycle = await s.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound(f"Không có kỳ đánh giá {cycle_id!r}")
    return cycle


async def open_cycle_to_handle(
    s: AsyncSession, cycle_id: str, closed: str = "Kỳ đánh giá đã kết thúc"
) -> Cycle:
    cycle = await cycle_to_handle(s, cycle_id)
    if cycle.status != "open":
        raise Conflict(closed)
    return cycle


async def assessment_of(s: AsyncSession, cycle_id: str, user_id: str) -> Assessment:
    row = await s.get(Assessment, (cycle_id, user_id))
    if row is None:
        raise NotFound(f"{user_id!r} không thuộc kỳ đánh giá này")
    return row


async def visible_assessment(s: AsyncSession, p: Principal, cycle_id: str, user_id: str) -> Assessment:
    """An assessment the person may see; others are told it does not exist (404)."""
    row = await s.get(Assessment, (cycle_id, user_id))
    if row is None or not await may_see(s, p, row):
        raise NotFound("Bản đánh giá không tồn tại hoặc bạn không có quyền xem")
    return row


async def assessments_of(s: AsyncSession, cycle_id: str) -> list[Assessment]:
    return list((await s.execute(select(Assessment).where(Assessment.cycle_id == cycle_id))).scalars())


async def names_of(s: AsyncSession) -> dict[str, str]:
    return {u.id: u.full_name for u in (await s.execute(select(User))).scalars()}


async def heads_unit_of(s: AsyncSession, p: Principal, unit_id: str | None) -> bool:
    """Whether the person is the head of this unit (by role in the unit, or as its named head)."""
    if unit_id is None or not p.has(UNIT_HEAD):
        return False
    unit = await s.get(Unit, unit_id)
    return p.unit_id == unit_id or (unit is not None and unit.head_user_id == p.id)


async def may_see(s: AsyncSession, p: Principal, a: Assessment) -> bool:
    """One's own assessment; a leader every one; a unit head their unit's staff (not other heads)."""
    return a.user_id == p.id or await may_review(s, p, a)


async def may_review(s: AsyncSession, p: Principal, a: Assessment) -> bool:
    """Unit heads review their unit's staff; leaders review unit heads (and may review anyone)."""
    if p.has(LEADER):
        return True
    if a.is_manager or a.user_id == p.id:
        return False
    return await heads_unit_of(s, p, a.unit_id)


def stage_of(a: Assessment) -> str:
    if a.final_level:
        return "decided"
    if a.review_level:
        return "reviewed"
    if a.general_points is not None:
        return "scored"
    return "self_assessed" if a.self_level or a.general_self is not None else "waiting"


def view(a: Assessment, names: dict[str, str]) -> AssessmentView:
    def label(level: str | None) -> str | None:
        return LEVEL_LABELS[level] if level else None

    return AssessmentView(
        user_id=a.user_id,
        full_name=names.get(a.user_id, a.user_id),
        unit_id=a.unit_id,
        self_level=a.self_level,
        self_label=label(a.self_level),
        self_summary=a.self_summary,
        suggested_level=a.suggested_level,
        review_level=a.review_level,
        review_label=label(a.review_level),
        review_comment=a.review_comment,
        reviewer_id=a.reviewer_id,
        final_level=a.final_level,
        final_label=label(a.final_level),
        stage=stage_of(a),
        stage_label=STAGE_LABELS[stage_of(a)],
        scheme=a.scheme,
        is_manager=a.is_manager,
        general_self=a.general_self,
        general_points=a.general_points,
        total_points=a.total_points,
    )


def item(c: Cycle) -> CycleItem:
    return CycleItem(
        id=c.id,
        name=c.name,
        kind=c.kind,
        period_start=c.period_start,
        period_end=c.period_end,
        status=c.status,
        unit_ids=list(c.unit_ids or []),
    )


async def cycles(s: AsyncSession, offset: int, limit: int) -> tuple[list[CycleItem], int]:
    """One slice of the cycles, oldest period first, and how many there are."""
    total = int(await s.scalar(select(func.count()).select_from(Cycle)) or 0)
    rows = (
        await s.execute(select(Cycle).order_by(Cycle.period_start, Cycle.id).offset(offset).limit(limit))
    ).scalars()
    return [item(c) for c in rows], total


async def cycle_detail(s: AsyncSession, p: Principal, cycle_id: str) -> CycleDetail:
    """The cycle and where each person stands (officers see only themselves, unit heads their unit)."""
    cycle = await cycle_to_handle(s, cycle_id)
    names = await names_of(s)
    visible = [view(a, names) for a in await assessments_of(s, cycle_id) if await may_see(s, p, a)]
    return CycleDetail(**item(cycle).model_dump(), assessments=visible)


async def assessment(s: AsyncSession, p: Principal, cycle_id: str, user_id: str) -> AssessmentDetail:
    """One assessment with the suggested level and the evidence behind it (for the reviewer)."""
    cycle = await cycle_to_handle(s, cycle_id)
    a = await visible_assessment(s, p, cycle_id, user_id)
    if a.scheme == ND335:
        score = await score_of(s, cycle, a)
        return AssessmentDetail(
            **view(a, await names_of(s)).model_dump(),
            suggestion=SuggestedLevel(level=score["level"], label=score["label"]),
            evidence=None,
            reviewed_with=a.evidence or None,
            score=score,
        )
    live = await evidence_for(
        s, user_id, cycle.period_start, cycle.period_end, a.unit_id if a.is_manager else None
    )
    return AssessmentDetail(
        **view(a, await names_of(s)).model_dump(),
        suggestion=SuggestedLevel(level=live.level, label=LEVEL_LABELS[live.level] if live.level else None),
        evidence=live.evidence,
        reviewed_with=a.evidence or None,
    )


# -- settings of units and cycles -------------------------------------------------------------------------


async def set_unit_cycles(s: AsyncSession, p: Principal, unit_id: str, body: UnitCyclesIn) -> UnitCyclesView:
    """Say which shorter cycles (quarter, month) a unit evaluates by, besides the year (leaders)."""
    require_leader(p, "đặt kỳ đánh giá của đơn vị")
    by = p.id
    if await s.get(Unit, unit_id) is None:
        raise NotFound(f"Không có đơn vị {unit_id!r}")
    row = await s.get(UnitCycles, unit_id)
    kinds: list[str] = sorted(set(body.kinds))
    if row is None:
        s.add(UnitCycles(unit_id=unit_id, kinds=kinds, updated_by=by))
    else:
        row.kinds, row.updated_by = kinds, by
    return UnitCyclesView(unit_id=unit_id, kinds=["year", *kinds])


async def units_for_cycle(s: AsyncSession, body: CycleIn, units: Sequence[Unit]) -> set[str]:
    """The units the cycle covers: those named (or all), and for a quarter or a month only those using it."""
    unknown = set(body.unit_ids) - {u.id for u in units}
    if unknown:
        raise Invalid(f"Không có đơn vị: {', '.join(sorted(unknown))}")
    wanted = set(body.unit_ids) or {u.id for u in units}
    if body.kind == "year":
        return wanted
    uses = {
        row.unit_id
        for row in (await s.execute(select(UnitCycles))).scalars()
        if body.kind in (row.kinds or [])
    }
    if body.unit_ids and wanted - uses:
        raise Invalid(
            f"Đơn vị không đánh giá theo {KIND_LABELS[body.kind]}: {', '.join(sorted(wanted - uses))}"
        )
    wanted &= uses
    if not wanted:
        raise Invalid(f"Chưa có đơn vị nào đánh giá theo {KIND_LABELS[body.kind]}")
    return wanted


async def people_of(s: AsyncSession, unit_ids: set[str]) -> list[User]:
    """The active staff evaluated in the units (leaders are not: they evaluate)."""
    return [
        u
        for u in (await s.execute(select(User).where(User.active))).scalars()
        if u.unit_id in unit_ids and EVALUATED_ROLES.intersection(u.roles or []) and LEADER not in u.roles
    ]


async def add_assessments(
    s: AsyncSession, cycle_id: str, people: Sequence[User], units: Sequence[Unit]
) -> None:
    """Give each person an assessment: scored (công chức, the default) or by levels (viên chức)."""
    heads = {u.head_user_id for u in units}
    kinds = {row.user_id: row.kind for row in (await s.execute(select(Staff))).scalars()}
    for u in people:
        s.add(
            Assessment(
                cycle_id=cycle_id,
                user_id=u.id,
                unit_id=u.unit_id,
                is_manager=u.id in heads or UNIT_HEAD in u.roles,
                scheme=ND90 if kinds.get(u.id) == "vien_chuc" else ND335,
            )
        )


async def open_cycle(s: AsyncSession, p: Principal, body: CycleIn) -> OpenedCycle:
    """Open a cycle: everyone evaluated in the units gets an assessment to fill in (leaders)."""
    require_leader(p, "mở kỳ đánh giá toàn Sở")
    by = p.id
    units = list((await s.execute(select(Unit))).scalars())
    wanted = await units_for_cycle(s, body, units)
    cycle = Cycle(
        id=uuid.uuid4().hex[:12],
        name=body.name,
        kind=body.kind,
        period_start=body.period_start,
        period_end=body.period_end,
        unit_ids=sorted(wanted),
        status="open",
        created_by=by,
        created_at=datetime.now(UTC),
    )
    s.add(cycle)
    now = datetime.now(UTC)
    for unit_id in sorted(wanted):
        s.add(PeriodUnit(cycle_id=cycle.id, unit_id=unit_id, opened_by=by, opened_at=now, cap={}))
    people = await people_of(s, wanted)
    await add_assessments(s, cycle.id, people, units)
    return OpenedCycle(id=cycle.id, name=cycle.name, people=sorted(u.id for u in people))


# -- self-assessment and review ---------------------------------------------------------------------------


async def self_assess(s: AsyncSession, p: Principal, cycle_id: str, body: SelfIn) -> AssessmentView:
    """The self-assessment: a civil servant's own general points, a public employee's proposed level."""
    await open_cycle_to_handle(s, cycle_id)
    a = await assessment_of(s, cycle_id, p.id)
    if a.review_level:
        raise Conflict("Đã được đánh giá, không sửa tự đánh giá được nữa")
    if not body.summary.strip():
        raise Invalid("Bản tự đánh giá cần phần tự nhận xét (summary)", field="summary")
    if a.scheme == ND335:
        if body.general_points is None:
            raise Invalid("Công chức tự chấm điểm tiêu chí chung (từ 0 đến 30 điểm)", field="general_points")
        a.general_self = body.general_points
    elif body.level is None:
        raise Invalid("Viên chức đề xuất mức tự xếp loại", field="level")
    else:
        a.self_level = body.level
    a.self_summary, a.self_at = body.summary, datetime.now(UTC)
    return view(a, await names_of(s))


async def review(
    s: AsyncSession, p: Principal, cycle_id: str, user_id: str, body: LevelIn
) -> ReviewedAssessment:
    """The unit head's review (leaders review unit heads); the evidence seen is kept with it."""
    cycle = await open_cycle_to_handle(s, cycle_id)
    a = await visible_assessment(s, p, cycle_id, user_id)
    if not await may_review(s, p, a):
        raise Forbidden("Trưởng đơn vị đánh giá cán bộ của đơn vị mình; lãnh đạo Sở đánh giá trưởng đơn vị")
    if a.scheme == ND335:
        raise Conflict(
            "Công chức được chấm điểm theo Nghị định 335/2025/NĐ-CP: chấm điểm tiêu chí chung và "
            "xác nhận kết quả trên bảng của đơn vị"
        )
    if not a.self_level:
        raise Conflict("Cán bộ chưa tự đánh giá")
    live = await evidence_for(
        s, user_id, cycle.period_start, cycle.period_end, a.unit_id if a.is_manager else None
    )
    a.suggested_level, a.evidence = live.level, dict(live.evidence)
    a.review_level, a.review_comment = body.level, body.summary
    a.reviewer_id, a.reviewed_at = p.id, datetime.now(UTC)
    return ReviewedAssessment(
        **view(a, await names_of(s)).model_dump(), suggestion=live.level, evidence=live.evidence
    )


# -- quota and decision ------------------------------------------------------------------------------


async def quota_warnings(
    s: AsyncSession, p: Principal, cycle_id: str, settings: EvaluationSettings
) -> list[QuotaWarning]:
    """Units over their 'excellent' quota: a leader sees every unit, a unit head their own, others none."""
    await cycle_to_handle(s, cycle_id)
    if not p.has(LEADER, UNIT_HEAD):
        return []
    return [
        w
        for w in await quota.cycle_warnings(s, cycle_id, settings)
        if p.has(LEADER) or await heads_unit_of(s, p, w.unit_id)
    ]


def decided_results(
    rows: Sequence[Assessment], names: dict[str, str], body: DecisionIn
) -> list[EvaluationResult]:
    """Set every final level (the reviewed one unless overridden), refusing strangers and the unreviewed."""
    unknown = set(body.overrides) - {a.user_id for a in rows}
    if unknown:
        raise Invalid(f"Không thuộc kỳ đánh giá: {', '.join(sorted(unknown))}")
    waiting = [names.get(a.user_id, a.user_id) for a in rows if not a.review_level]
    if waiting:
        raise Conflict(f"Chưa được đánh giá: {', '.join(waiting)}")
    results = []
    for a in rows:
        a.final_level = body.overrides.get(a.user_id) or a.review_level
        results.append(
            EvaluationResult(
                user_id=a.user_id,
                full_name=names.get(a.user_id, a.user_id),
                unit_id=a.unit_id,
                self_level=a.self_level,  # type: ignore[arg-type]
                review_level=a.review_level,  # type: ignore[arg-type]
                suggested_level=a.suggested_level,  # type: ignore[arg-type]
                final_level=a.final_level,  # type: ignore[arg-type]
                scheme=a.scheme,  # type: ignore[arg-type]
                total_points=a.total_points,
            )
        )
    return results


async def tell_results(work: Work, cycle: Cycle, rows: Sequence[Assessment]) -> None:
    """Each person hears their own level."""
    for a in rows:
        await work.emit(
            "notify.requested",
            NotifyRequested(
                recipients=[a.user_id],
                title=f"Kết quả đánh giá: {cycle.name}",
                body=f"Đồng chí được xếp loại: {LEVEL_LABELS[a.final_level or 'hoan_thanh']}.",
                urgency="thuong",
                link=f"/evaluation/cycles/{cycle.id}",
                dedup_key=f"ev-decided-{cycle.id}-{a.user_id}",
                source_type="evaluation.decided",
            ),
        )


async def decide(
    work: Work, p: Principal, cycle_id: str, body: DecisionIn, settings: EvaluationSettings
) -> Decision:
    """The director decides every level of the cycle; published as evaluation.decided."""
    require_leader(p, "quyết định kết quả đánh giá")
    s, by = work.session, p.id
    cycle = await open_cycle_to_handle(s, cycle_id, closed="Kỳ đánh giá đã có quyết định")
    rows = await assessments_of(s, cycle_id)
    results = decided_results(rows, await names_of(s), body)
    warnings = await quota.cycle_warnings(s, cycle_id, settings)
    now = datetime.now(UTC)
    cycle.status, cycle.decided_by, cycle.decided_at = "decided", by, now
    await work.emit(
        "evaluation.decided",
        EvaluationDecided(
            cycle_id=cycle.id,
            name=cycle.name,
            kind=cycle.kind,  # type: ignore[arg-type]
            period_start=cycle.period_start,
            period_end=cycle.period_end,
            decided_by=by,
            decided_at=now,
            results=results,
            warnings=warnings,
        ),
        issue=f"evaluation:{cycle.id}",
    )
    await tell_results(work, cycle, rows)
    return Decision(cycle_id=cycle.id, results=results, warnings=warnings)


# -- export -----------------------------------------------------------------------------------------------


async def results_file(s: AsyncSession, p: Principal, cycle_id: str, settings: EvaluationSettings) -> bytes:
    """Results per person and statistics per unit, as XLSX: a leader's of the department, a unit
    head's of their own unit's staff; nobody else may download results (403)."""
    if not p.has(LEADER, UNIT_HEAD):
        raise Forbidden("Chỉ lãnh đạo Sở hoặc trưởng đơn vị tải kết quả đánh giá")
    cycle = await cycle_to_handle(s, cycle_id)
    rows = [a for a in await assessments_of(s, cycle_id) if await may_review(s, p, a)]
    units = {u.id: u.name for u in (await s.execute(select(Unit))).scalars()}
    warnings = await quota_warnings(s, p, cycle_id, settings)
    names = await names_of(s)
    return await asyncio.to_thread(results_xlsx, cycle, rows, names, units, warnings, settings.agency)

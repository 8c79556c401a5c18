"""Evaluation module: evidence off the bus, cycles, self-assessment, review, decision, quota, exports."""

from __future__ import annotations

import calendar
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.evaluation.export import results_xlsx
from handlers.evaluation.models import (
    Assessment,
    AttendanceEvidence,
    Cycle,
    QuotaRule,
    TaskEvidence,
    UnitCycles,
)
from handlers.evaluation.suggest import Suggestion, TaskOutcome, UnitRecord, suggest
from hub.auth import CurrentPrincipal, Principal, require_roles
from hub.directory import CLERK, LEADER, OFFICER, UNIT_HEAD, Unit, User
from hub.module import Module
from hub.runtime import Delivery, Hub
from schemas.evaluation import LEVEL_LABELS, EvaluationDecided, EvaluationResult, Level, QuotaWarning
from schemas.tasks import TaskCompleted, TaskOverdue
from schemas.timekeeping import TimesheetClosed

SOURCE = "evaluation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EVALUATED_ROLES = {OFFICER, UNIT_HEAD, CLERK}
DEFAULT_QUOTA = (0.2, "good_or_better")


# -- consumers -------------------------------------------------------------------------------------


async def on_task_completed(d: Delivery) -> None:
    """Record a completed task as evidence (on time or late)."""
    task: TaskCompleted = d.payload
    assert d.session is not None
    if not task.officer_id:
        return  # a unit-level task names no person to credit
    row = await d.session.get(TaskEvidence, (task.task_id, "completed"))
    if row is None:
        row = TaskEvidence(task_id=task.task_id, kind="completed", recorded_at=datetime.now(UTC))
        d.session.add(row)
    row.user_id, row.unit_id, row.title, row.deadline = (
        task.officer_id,
        task.unit_id,
        task.title,
        task.deadline,
    )
    row.completed_at, row.on_time = task.completed_at, task.on_time


async def on_task_overdue(d: Delivery) -> None:
    """Record that a task passed its deadline."""
    task: TaskOverdue = d.payload
    assert d.session is not None
    if not task.officer_id:
        return
    row = await d.session.get(TaskEvidence, (task.task_id, "overdue"))
    if row is None:
        row = TaskEvidence(
            task_id=task.task_id, kind="overdue", recorded_at=datetime.now(UTC), days_overdue=0
        )
        d.session.add(row)
    row.user_id, row.unit_id, row.title, row.deadline = (
        task.officer_id,
        task.unit_id,
        task.title,
        task.deadline,
    )
    row.days_overdue = max(row.days_overdue or 0, task.days_overdue)


async def on_timesheet_closed(d: Delivery) -> None:
    """Keep each person's closed month as attendance evidence (a re-closed month replaces it)."""
    sheet: TimesheetClosed = d.payload
    assert d.session is not None
    for line in sheet.rows:
        row = await d.session.get(AttendanceEvidence, (line.user_id, sheet.month))
        if row is None:
            row = AttendanceEvidence(
                user_id=line.user_id, month=sheet.month, unit_id=sheet.unit_id, figures={}
            )
            d.session.add(row)
        row.unit_id, row.figures = (
            sheet.unit_id,
            {"month": sheet.month, **line.model_dump(exclude={"user_id"})},
        )


# -- evidence --------------------------------------------------------------------------------------


def months_of(start: date, end: date) -> list[str]:
    out, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


async def unit_record(s: AsyncSession, unit_id: str, start: date, end: date) -> UnitRecord:
    """The unit's tasks due in the period: how many, and how many done on time."""
    outcome: dict[str, bool] = {}
    rows = (
        await s.execute(
            select(TaskEvidence).where(
                TaskEvidence.unit_id == unit_id, TaskEvidence.deadline >= start, TaskEvidence.deadline <= end
            )
        )
    ).scalars()
    for row in rows:
        good = row.kind == "completed" and bool(row.on_time)
        outcome[row.task_id] = outcome.get(row.task_id, True) and good
    return UnitRecord(unit_id, len(outcome), sum(outcome.values()))


async def evidence_for(
    s: AsyncSession, user_id: str, start: date, end: date, manages_unit: str | None = None
) -> Suggestion:
    """Tasks due in the period and closed timesheet months, and the level they suggest."""
    rows = (
        await s.execute(
            select(TaskEvidence).where(
                TaskEvidence.user_id == user_id, TaskEvidence.deadline >= start, TaskEvidence.deadline <= end
            )
        )
    ).scalars()
    by_task: dict[str, dict[str, TaskEvidence]] = defaultdict(dict)
    for row in rows:
        by_task[row.task_id][row.kind] = row
    tasks = []
    for task_id, kinds in sorted(by_task.items(), key=lambda kv: next(iter(kv[1].values())).deadline):
        done, overdue = kinds.get("completed"), kinds.get("overdue")
        any_row = done or overdue
        assert any_row is not None
        if done is not None:
            outcome = "on_time" if done.on_time and overdue is None else "late"
        else:
            outcome = "overdue_open"
        tasks.append(
            TaskOutcome(
                task_id=task_id,
                title=any_row.title,
                deadline=any_row.deadline.isoformat(),
                outcome=outcome,
                completed_at=done.completed_at.isoformat() if done and done.completed_at else None,
                days_overdue=overdue.days_overdue if overdue else 0,
            )
        )
    wanted = months_of(start, end)
    months = [
        a.figures
        for a in (
            await s.execute(
                select(AttendanceEvidence)
                .where(AttendanceEvidence.user_id == user_id, AttendanceEvidence.month.in_(wanted))
                .order_by(AttendanceEvidence.month)
            )
        ).scalars()
    ]
    unit = await unit_record(s, manages_unit, start, end) if manages_unit else None
    return suggest(tasks, months, len(wanted), unit)


# -- quota -----------------------------------------------------------------------------------------


async def quota_for(s: AsyncSession, unit_id: str | None) -> tuple[float, str]:
    for key in (unit_id, "*"):
        if key is None:
            continue
        rule = await s.get(QuotaRule, key)
        if rule is not None:
            return rule.max_excellent_share, rule.basis
    return DEFAULT_QUOTA


async def quota_warnings(s: AsyncSession, levels: dict[str | None, list[str]]) -> list[QuotaWarning]:
    """Units whose share of 'excellent' is over their rule."""
    warnings = []
    for unit_id, unit_levels in sorted(levels.items(), key=lambda kv: kv[0] or ""):
        limit, basis = await quota_for(s, unit_id)
        excellent = unit_levels.count("xuat_sac")
        base = (
            sum(1 for x in unit_levels if x in ("xuat_sac", "tot"))
            if basis == "good_or_better"
            else len(unit_levels)
        )
        share = excellent / base if base else 0.0
        if excellent and share > limit + 1e-9:
            unit = await s.get(Unit, unit_id) if unit_id else None
            scope = (
                "số được xếp loại tốt trở lên" if basis == "good_or_better" else "tổng số người được đánh giá"
            )
            warnings.append(
                QuotaWarning(
                    unit_id=unit_id or "",
                    excellent=excellent,
                    basis=base,
                    share=round(share, 4),
                    limit=limit,
                    message=(
                        f"{unit.name if unit else unit_id}: {excellent}/{base} ({share:.0%}) "
                        f"xếp loại xuất sắc, vượt tỷ lệ tối đa {limit:.0%} {scope}"
                    ),
                )
            )
    return warnings


# -- API models ------------------------------------------------------------------------------------


class CycleIn(BaseModel):
    name: str = Field(min_length=1, max_length=300)
    kind: Literal["year", "quarter", "month"]
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
    level: Level
    summary: str = Field(default="", max_length=8000)


class DecisionIn(BaseModel):
    overrides: dict[str, Level] = Field(
        default_factory=dict, description="Director's level, where it differs"
    )


class UnitCyclesIn(BaseModel):
    kinds: list[Literal["quarter", "month"]] = Field(default_factory=list)


KIND_LABELS = {"year": "năm", "quarter": "quý", "month": "tháng"}


class QuotaIn(BaseModel):
    unit_id: str = Field(min_length=1, description="'*' for the default")
    max_excellent_share: float = Field(ge=0, le=1)
    basis: Literal["good_or_better", "all"] = "good_or_better"


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


async def load_cycle(s: AsyncSession, cycle_id: str) -> Cycle:
    cycle = await s.get(Cycle, cycle_id)
    if cycle is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Không có kỳ đánh giá {cycle_id!r}")
    return cycle


async def load_assessment(s: AsyncSession, cycle_id: str, user_id: str) -> Assessment:
    row = await s.get(Assessment, (cycle_id, user_id))
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{user_id!r} không thuộc kỳ đánh giá này")
    return row


async def may_review(s: AsyncSession, p: Principal, a: Assessment) -> bool:
    """Unit heads review their unit's staff; leaders review unit heads (and may review anyone)."""
    if p.has(LEADER):
        return True
    if a.is_manager or not p.has(UNIT_HEAD) or a.user_id == p.id:
        return False
    unit = await s.get(Unit, a.unit_id) if a.unit_id else None
    return p.unit_id == a.unit_id or (unit is not None and unit.head_user_id == p.id)


def view(a: Assessment, names: dict[str, str]) -> dict[str, Any]:
    def label(level: str | None) -> str | None:
        return LEVEL_LABELS[level] if level else None

    return {
        "user_id": a.user_id,
        "full_name": names.get(a.user_id, a.user_id),
        "unit_id": a.unit_id,
        "self_level": a.self_level,
        "self_label": label(a.self_level),
        "self_summary": a.self_summary,
        "suggested_level": a.suggested_level,
        "review_level": a.review_level,
        "review_label": label(a.review_level),
        "review_comment": a.review_comment,
        "reviewer_id": a.reviewer_id,
        "final_level": a.final_level,
        "final_label": label(a.final_level),
        "stage": "decided"
        if a.final_level
        else "reviewed"
        if a.review_level
        else "self_assessed"
        if a.self_level
        else "waiting",
    }


async def names_of(s: AsyncSession) -> dict[str, str]:
    return {u.id: u.full_name for u in (await s.execute(select(User))).scalars()}


def build_router() -> APIRouter:
    r = APIRouter(prefix="/evaluation", tags=["evaluation"])

    @r.put("/quota", dependencies=[require_roles(LEADER)])
    async def set_quota(request: Request, p: CurrentPrincipal, body: QuotaIn) -> QuotaIn:
        """Set the maximum share of 'excellent' for a unit ('*': every unit without its own rule)."""
        async with _hub(request).db.session() as s:
            if body.unit_id != "*" and await s.get(Unit, body.unit_id) is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"Không có đơn vị {body.unit_id!r}")
            row = await s.get(QuotaRule, body.unit_id)
            if row is None:
                s.add(QuotaRule(updated_by=p.id, **body.model_dump()))
            else:
                row.max_excellent_share, row.basis, row.updated_by = (
                    body.max_excellent_share,
                    body.basis,
                    p.id,
                )
        return body

    @r.put("/units/{unit_id}/cycles", dependencies=[require_roles(LEADER)])
    async def set_unit_cycles(
        request: Request, unit_id: str, p: CurrentPrincipal, body: UnitCyclesIn
    ) -> dict[str, Any]:
        """Say which shorter cycles (quarter, month) a unit evaluates by, besides the year."""
        async with _hub(request).db.session() as s:
            if await s.get(Unit, unit_id) is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"Không có đơn vị {unit_id!r}")
            row = await s.get(UnitCycles, unit_id)
            kinds: list[str] = sorted(set(body.kinds))
            if row is None:
                s.add(UnitCycles(unit_id=unit_id, kinds=kinds, updated_by=p.id))
            else:
                row.kinds, row.updated_by = kinds, p.id
        return {"unit_id": unit_id, "kinds": ["year", *kinds]}

    @r.post("/cycles", status_code=201, dependencies=[require_roles(LEADER)])
    async def open_cycle(request: Request, p: CurrentPrincipal, body: CycleIn) -> dict[str, Any]:
        """Open a cycle: everyone evaluated in the units gets an assessment to fill in."""
        async with _hub(request).db.session() as s:
            units = list((await s.execute(select(Unit))).scalars())
            unknown = set(body.unit_ids) - {u.id for u in units}
            if unknown:
                raise HTTPException(422, f"Không có đơn vị: {', '.join(sorted(unknown))}")
            wanted = set(body.unit_ids) or {u.id for u in units}
            if body.kind != "year":
                uses = {
                    row.unit_id
                    for row in (await s.execute(select(UnitCycles))).scalars()
                    if body.kind in (row.kinds or [])
                }
                if body.unit_ids and wanted - uses:
                    missing = ", ".join(sorted(wanted - uses))
                    raise HTTPException(
                        422, f"Đơn vị không đánh giá theo {KIND_LABELS[body.kind]}: {missing}"
                    )
                wanted &= uses
                if not wanted:
                    raise HTTPException(422, f"Chưa có đơn vị nào đánh giá theo {KIND_LABELS[body.kind]}")
            heads = {u.head_user_id for u in units}
            cycle = Cycle(
                id=uuid.uuid4().hex[:12],
                name=body.name,
                kind=body.kind,
                period_start=body.period_start,
                period_end=body.period_end,
                unit_ids=sorted(wanted),
                status="open",
                created_by=p.id,
                created_at=datetime.now(UTC),
            )
            s.add(cycle)
            people = [
                u
                for u in (await s.execute(select(User).where(User.active))).scalars()
                if u.unit_id in wanted
                and EVALUATED_ROLES.intersection(u.roles or [])
                and LEADER not in u.roles
            ]
            for u in people:
                s.add(
                    Assessment(
                        cycle_id=cycle.id,
                        user_id=u.id,
                        unit_id=u.unit_id,
                        is_manager=u.id in heads or UNIT_HEAD in u.roles,
                    )
                )
        return {"id": cycle.id, "name": cycle.name, "people": sorted(u.id for u in people)}

    @r.get("/cycles")
    async def cycles(request: Request, p: CurrentPrincipal) -> list[dict[str, Any]]:
        async with _hub(request).db.session() as s:
            return [
                {
                    "id": c.id,
                    "name": c.name,
                    "kind": c.kind,
                    "period_start": c.period_start.isoformat(),
                    "period_end": c.period_end.isoformat(),
                    "status": c.status,
                }
                for c in (await s.execute(select(Cycle).order_by(Cycle.period_start))).scalars()
            ]

    @r.get("/cycles/{cycle_id}")
    async def cycle_detail(request: Request, cycle_id: str, p: CurrentPrincipal) -> dict[str, Any]:
        """The cycle and where each person stands (officers see only themselves)."""
        async with _hub(request).db.session() as s:
            cycle = await load_cycle(s, cycle_id)
            names = await names_of(s)
            rows = (await s.execute(select(Assessment).where(Assessment.cycle_id == cycle_id))).scalars()
            visible = [
                view(a, names)
                for a in rows
                if p.has(LEADER) or a.user_id == p.id or (p.has(UNIT_HEAD) and a.unit_id == p.unit_id)
            ]
            return {
                "id": cycle.id,
                "name": cycle.name,
                "kind": cycle.kind,
                "status": cycle.status,
                "period_start": cycle.period_start.isoformat(),
                "period_end": cycle.period_end.isoformat(),
                "assessments": visible,
            }

    @r.post("/cycles/{cycle_id}/self")
    async def self_assess(
        request: Request, cycle_id: str, p: CurrentPrincipal, body: LevelIn
    ) -> dict[str, Any]:
        """The civil servant's self-assessment and proposed level."""
        async with _hub(request).db.session() as s:
            cycle = await load_cycle(s, cycle_id)
            if cycle.status != "open":
                raise HTTPException(status.HTTP_409_CONFLICT, "Kỳ đánh giá đã kết thúc")
            a = await load_assessment(s, cycle_id, p.id)
            if a.review_level:
                raise HTTPException(
                    status.HTTP_409_CONFLICT, "Đã được đánh giá, không sửa tự đánh giá được nữa"
                )
            if not body.summary.strip():
                raise HTTPException(422, "Bản tự đánh giá cần phần tự nhận xét (summary)")
            a.self_level, a.self_summary, a.self_at = body.level, body.summary, datetime.now(UTC)
            return view(a, await names_of(s))

    @r.get("/cycles/{cycle_id}/assessments/{user_id}")
    async def assessment(
        request: Request, cycle_id: str, user_id: str, p: CurrentPrincipal
    ) -> dict[str, Any]:
        """One assessment with the suggested level and the evidence behind it (for the reviewer)."""
        async with _hub(request).db.session() as s:
            cycle = await load_cycle(s, cycle_id)
            a = await load_assessment(s, cycle_id, user_id)
            if user_id != p.id and not await may_review(s, p, a):
                raise HTTPException(status.HTTP_403_FORBIDDEN, "Không có quyền xem bản đánh giá này")
            live = await evidence_for(
                s, user_id, cycle.period_start, cycle.period_end, a.unit_id if a.is_manager else None
            )
            return {
                **view(a, await names_of(s)),
                "suggestion": {
                    "level": live.level,
                    "label": LEVEL_LABELS[live.level] if live.level else None,
                },
                "evidence": live.evidence,
                "reviewed_with": a.evidence or None,
            }

    @r.post(
        "/cycles/{cycle_id}/assessments/{user_id}/review", dependencies=[require_roles(UNIT_HEAD, LEADER)]
    )
    async def review(
        request: Request, cycle_id: str, user_id: str, p: CurrentPrincipal, body: LevelIn
    ) -> dict[str, Any]:
        """The unit head's review (leaders review unit heads); the evidence seen is kept with it."""
        async with _hub(request).db.session() as s:
            cycle = await load_cycle(s, cycle_id)
            if cycle.status != "open":
                raise HTTPException(status.HTTP_409_CONFLICT, "Kỳ đánh giá đã kết thúc")
            a = await load_assessment(s, cycle_id, user_id)
            if not await may_review(s, p, a):
                raise HTTPException(
                    status.HTTP_403_FORBIDDEN,
                    "Trưởng đơn vị đánh giá cán bộ của đơn vị mình; lãnh đạo Sở đánh giá trưởng đơn vị",
                )
            if not a.self_level:
                raise HTTPException(status.HTTP_409_CONFLICT, "Cán bộ chưa tự đánh giá")
            live = await evidence_for(
                s, user_id, cycle.period_start, cycle.period_end, a.unit_id if a.is_manager else None
            )
            a.suggested_level, a.evidence = live.level, live.evidence
            a.review_level, a.review_comment = body.level, body.summary
            a.reviewer_id, a.reviewed_at = p.id, datetime.now(UTC)
            return {**view(a, await names_of(s)), "suggestion": live.level, "evidence": live.evidence}

    async def proposed(
        s: AsyncSession, cycle_id: str, overrides: dict[str, str]
    ) -> dict[str | None, list[str]]:
        levels: dict[str | None, list[str]] = defaultdict(list)
        for a in (await s.execute(select(Assessment).where(Assessment.cycle_id == cycle_id))).scalars():
            level = overrides.get(a.user_id) or a.final_level or a.review_level
            if level:
                levels[a.unit_id].append(level)
        return levels

    @r.get("/cycles/{cycle_id}/quota")
    async def quota(request: Request, cycle_id: str, p: CurrentPrincipal) -> list[QuotaWarning]:
        """Units over their 'excellent' quota with the levels proposed so far."""
        async with _hub(request).db.session() as s:
            await load_cycle(s, cycle_id)
            return await quota_warnings(s, await proposed(s, cycle_id, {}))

    @r.post("/cycles/{cycle_id}/decide", dependencies=[require_roles(LEADER)])
    async def decide(
        request: Request, cycle_id: str, p: CurrentPrincipal, body: DecisionIn
    ) -> dict[str, Any]:
        """The director decides every level of the cycle; published as evaluation.decided."""
        async with _hub(request).transaction(source=SOURCE, user_id=p.id) as tx:
            s = tx.session
            cycle = await load_cycle(s, cycle_id)
            if cycle.status != "open":
                raise HTTPException(status.HTTP_409_CONFLICT, "Kỳ đánh giá đã có quyết định")
            rows = list(
                (await s.execute(select(Assessment).where(Assessment.cycle_id == cycle_id))).scalars()
            )
            names = await names_of(s)
            unknown = set(body.overrides) - {a.user_id for a in rows}
            if unknown:
                raise HTTPException(422, f"Không thuộc kỳ đánh giá: {', '.join(sorted(unknown))}")
            waiting = [names.get(a.user_id, a.user_id) for a in rows if not a.review_level]
            if waiting:
                raise HTTPException(status.HTTP_409_CONFLICT, f"Chưa được đánh giá: {', '.join(waiting)}")
            now = datetime.now(UTC)
            results = []
            for a in rows:
                a.final_level = body.overrides.get(a.user_id) or a.review_level
                results.append(
                    EvaluationResult(
                        user_id=a.user_id,
                        full_name=names.get(a.user_id, a.user_id),
                        unit_id=a.unit_id,
                        self_level=a.self_level,
                        review_level=a.review_level,  # type: ignore[arg-type]
                        suggested_level=a.suggested_level,
                        final_level=a.final_level,  # type: ignore[arg-type]
                    )
                )
            warnings = await quota_warnings(s, await proposed(s, cycle_id, {}))
            cycle.status, cycle.decided_by, cycle.decided_at = "decided", p.id, now
            await tx.emit(
                "evaluation.decided",
                EvaluationDecided(
                    cycle_id=cycle.id,
                    name=cycle.name,
                    kind=cycle.kind,  # type: ignore[arg-type]
                    period_start=cycle.period_start,
                    period_end=cycle.period_end,
                    decided_by=p.id,
                    decided_at=now,
                    results=results,
                    warnings=warnings,
                ),
                issue=f"evaluation:{cycle.id}",
            )
            for a in rows:
                await tx.emit(
                    "notify.requested",
                    {
                        "recipients": [a.user_id],
                        "title": f"Kết quả đánh giá: {cycle.name}",
                        "body": f"Đồng chí được xếp loại: {LEVEL_LABELS[a.final_level or 'hoan_thanh']}.",
                        "urgency": "thuong",
                        "link": f"/evaluation/cycles/{cycle.id}",
                        "dedup_key": f"ev-decided-{cycle.id}-{a.user_id}",
                        "source_type": "evaluation.decided",
                    },
                )
            return {
                "cycle_id": cycle.id,
                "results": [x.model_dump() for x in results],
                "warnings": [w.model_dump() for w in warnings],
            }

    @r.get("/cycles/{cycle_id}/results.xlsx")
    async def results_file(request: Request, cycle_id: str, p: CurrentPrincipal) -> Response:
        """Results per person and statistics per unit."""
        if not p.has(LEADER, UNIT_HEAD, CLERK):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, "Chỉ lãnh đạo, trưởng đơn vị hoặc văn thư tải kết quả"
            )
        async with _hub(request).db.session() as s:
            cycle = await load_cycle(s, cycle_id)
            rows = list(
                (await s.execute(select(Assessment).where(Assessment.cycle_id == cycle_id))).scalars()
            )
            units = {u.id: u.name for u in (await s.execute(select(Unit))).scalars()}
            names = await names_of(s)
            warnings = await quota_warnings(s, await proposed(s, cycle_id, {}))
            data = results_xlsx(cycle, rows, names, units, warnings)
        return Response(
            data,
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="ket-qua-danh-gia-{cycle_id}.xlsx"'},
        )

    return r


class EvaluationModule(Module):
    """Staff evaluation per Decree 90/2020 (amended by 48/2023), with evidence from tasks and attendance."""

    name = "evaluation"

    def setup(self, hub: Hub) -> None:
        hub.consumer("evaluation-task-completed", "lt.task.evt.completed", transactional=True)(
            on_task_completed
        )
        hub.consumer("evaluation-task-overdue", "lt.task.evt.overdue", transactional=True)(on_task_overdue)
        hub.consumer("evaluation-timesheets", "lt.timekeeping.evt.timesheet_closed", transactional=True)(
            on_timesheet_closed
        )

    def router(self) -> APIRouter:
        return build_router()

"""Decree 335/2025 periods: a unit head opens a month or a quarter for the unit, marks, confirms.

A period is the department's cycle of that month or quarter; each unit joins it when its head opens
it. The unit head gives the general points (a civil servant's own are the starting point) and
confirms the unit's results: the scores are frozen with their evidence and the 20 % cap is applied
among the unit's staff. The unit heads form their own group, marked and confirmed by a leader.
The director sees the whole department and decides as for any cycle (`service.decide`).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.evaluation import quota
from handlers.evaluation.access import require_leader
from handlers.evaluation.cap import CapResult, Scored, apply_cap
from handlers.evaluation.evidence import evidence_for
from handlers.evaluation.models import Assessment, Cycle, PeriodUnit, Staff, UnitCycles
from handlers.evaluation.score import ScoreEvidence
from handlers.evaluation.scoring import ND90, ND335, score_of, year_of
from handlers.evaluation.service import (
    STAGE_LABELS,
    add_assessments,
    assessments_of,
    cycle_to_handle,
    item,
    names_of,
    open_cycle_to_handle,
    people_of,
    stage_of,
    view,
)
from handlers.evaluation.settings import EvaluationSettings
from handlers.evaluation.views import (
    KIND_LABELS,
    SCHEME_LABELS,
    STAFF_LABELS,
    Board,
    BoardRow,
    Department,
    GroupSummary,
    MyAssessment,
    PeriodIn,
    PeriodOpened,
    ScoreIn,
    ScoresIn,
    StaffIn,
    StaffView,
    SuggestedLevel,
    YearBoard,
    YearRow,
)
from hub.auth import Principal
from hub.errors import Conflict, Forbidden, Invalid, NotFound
from hub.orgchart import LEADER, UNIT_HEAD, Unit, User
from schemas.evaluation import LEVEL_LABELS, LEVELS

MANAGERS = "quan_ly"  # the unit heads' group, marked by the department's leaders
MANAGERS_NAME = "Lãnh đạo các đơn vị"


# -- who may ---------------------------------------------------------------------------------------------


def heads(p: Principal, unit: Unit) -> bool:
    """The person heads the unit (its named head, or a unit head of it)."""
    return unit.head_user_id == p.id or (p.has(UNIT_HEAD) and p.unit_id == unit.id)


async def group_to_handle(s: AsyncSession, p: Principal, cycle: Cycle, group: str) -> str:
    """The group's display name, once the person may handle it and the cycle holds it."""
    if group == MANAGERS:
        if not p.has(LEADER):
            raise Forbidden("Chỉ lãnh đạo Sở chấm điểm lãnh đạo các đơn vị")
        return MANAGERS_NAME
    unit = await s.get(Unit, group)
    if unit is None:
        raise NotFound(f"Không có đơn vị {group!r}")
    if not (p.has(LEADER) or heads(p, unit)):
        raise Forbidden("Trưởng đơn vị chỉ xem và chấm điểm kỳ đánh giá của đơn vị mình")
    if group not in (cycle.unit_ids or []):
        raise NotFound(f"{unit.name} chưa mở {cycle.name}")
    return unit.name


def members_of(rows: Sequence[Assessment], group: str) -> list[Assessment]:
    """The group's assessments: a unit's staff (not its head), or every unit head."""
    if group == MANAGERS:
        return [a for a in rows if a.is_manager]
    return [a for a in rows if a.unit_id == group and not a.is_manager]


# -- opening a period -----------------------------------------------------------------------------------


async def cycle_of_period(s: AsyncSession, body: PeriodIn) -> Cycle | None:
    start, end = body.bounds
    found: Cycle | None = await s.scalar(
        select(Cycle)
        .where(Cycle.kind == body.kind, Cycle.period_start == start, Cycle.period_end == end)
        .order_by(Cycle.created_at)
        .limit(1)
    )
    return found


async def unit_to_open(s: AsyncSession, p: Principal, body: PeriodIn) -> Unit:
    unit_id = body.unit_id or p.unit_id
    unit = await s.get(Unit, unit_id) if unit_id else None
    if unit is None:
        raise NotFound(f"Không có đơn vị {unit_id!r}")
    if not (p.has(LEADER) or heads(p, unit)):
        raise Forbidden("Trưởng đơn vị chỉ mở kỳ đánh giá cho đơn vị mình")
    uses = await s.get(UnitCycles, unit.id)
    if uses is not None and uses.kinds and body.kind not in uses.kinds:
        used = ", ".join(KIND_LABELS[k] for k in uses.kinds)
        raise Invalid(f"{unit.name} đánh giá theo {used}, không theo {KIND_LABELS[body.kind]}")
    return unit


async def open_period(s: AsyncSession, p: Principal, body: PeriodIn) -> PeriodOpened:
    """Open a month or a quarter for a unit: the unit joins the department's cycle of that period."""
    unit = await unit_to_open(s, p, body)
    cycle = await cycle_of_period(s, body)
    start, end = body.bounds
    new_cycle = cycle is None
    if cycle is None:
        cycle = Cycle(
            id=uuid.uuid4().hex[:12],
            name=body.name,
            kind=body.kind,
            period_start=start,
            period_end=end,
            unit_ids=[],
            status="open",
            created_by=p.id,
            created_at=datetime.now(UTC),
        )
        s.add(cycle)
    elif cycle.status != "open":
        raise Conflict(f"{cycle.name} đã có quyết định, không mở thêm đơn vị được")
    elif unit.id in (cycle.unit_ids or []):
        raise Conflict(f"{unit.name} đã mở {cycle.name}")
    cycle.unit_ids = sorted({*(cycle.unit_ids or []), unit.id})
    s.add(PeriodUnit(cycle_id=cycle.id, unit_id=unit.id, opened_by=p.id, opened_at=datetime.now(UTC), cap={}))
    people = await people_of(s, {unit.id})
    await add_assessments(s, cycle.id, people, list((await s.execute(select(Unit))).scalars()))
    return PeriodOpened(
        cycle_id=cycle.id,
        name=cycle.name,
        kind=cycle.kind,
        period_start=start,
        period_end=end,
        unit_id=unit.id,
        people=sorted(u.id for u in people),
        new_cycle=new_cycle,
    )


# -- the board ------------------------------------------------------------------------------------------


@dataclass
class Line:
    """One member with the score as it stands (civil servants) or the Decree 90 suggestion."""

    a: Assessment
    score: ScoreEvidence | None
    suggestion: SuggestedLevel | None


async def line_of(s: AsyncSession, cycle: Cycle, a: Assessment) -> Line:
    if a.scheme == ND335:
        return Line(a, await score_of(s, cycle, a), None)
    live = await evidence_for(
        s, a.user_id, cycle.period_start, cycle.period_end, a.unit_id if a.is_manager else None
    )
    return Line(
        a, None, SuggestedLevel(level=live.level, label=LEVEL_LABELS[live.level] if live.level else None)
    )


def capped(lines: Sequence[Line], names: dict[str, str], share: float) -> tuple[dict[str, str], CapResult]:
    """The levels after the cap, among the civil servants with a score."""
    group = [
        Scored(
            user_id=x.a.user_id,
            full_name=names.get(x.a.user_id, x.a.user_id),
            total=x.score["total"] or 0.0,
            level=x.score["level"] or "",
            task_points=x.score["task_points"] or 0.0,
        )
        for x in lines
        if x.score is not None and x.score["level"] and not x.score["disqualified"]
    ]
    return apply_cap(group, share)


def row_of(x: Line, names: dict[str, str], users: dict[str, User], after_cap: dict[str, str]) -> BoardRow:
    a = x.a
    if a.confirmed_at or a.scheme == ND90:
        level = a.review_level
    elif x.score is not None:
        level = after_cap.get(a.user_id, x.score["level"])
    else:
        level = None
    scored_level = a.scored_level if a.confirmed_at else (x.score["level"] if x.score else None)
    return BoardRow(
        user_id=a.user_id,
        full_name=names.get(a.user_id, a.user_id),
        position=users[a.user_id].position if a.user_id in users else "",
        scheme=a.scheme,
        scheme_label=SCHEME_LABELS[a.scheme],
        stage=stage_of(a),
        stage_label=STAGE_LABELS[stage_of(a)],
        self_level=a.self_level,
        self_label=LEVEL_LABELS[a.self_level] if a.self_level else None,
        general_self=a.general_self,
        score=x.score,
        suggestion=x.suggestion,
        level=level,
        label=LEVEL_LABELS[level] if level else None,
        lowered_by_cap=a.scheme == ND335 and scored_level == "xuat_sac" and level == "tot",
    )


async def share_of(s: AsyncSession, group: str, settings: EvaluationSettings) -> float:
    share, _ = await quota.rule_for(s, None if group == MANAGERS else group, settings)
    return share


async def board(
    s: AsyncSession, p: Principal, cycle_id: str, group: str, settings: EvaluationSettings
) -> Board:
    """The group's people, their scores and the cap (as confirmed, else as the scores stand)."""
    cycle = await cycle_to_handle(s, cycle_id)
    name = await group_to_handle(s, p, cycle, group)
    return await board_of(s, cycle, group, name, settings, may_score=cycle.status == "open")


async def board_of(
    s: AsyncSession, cycle: Cycle, group: str, name: str, settings: EvaluationSettings, *, may_score: bool
) -> Board:
    members = members_of(await assessments_of(s, cycle.id), group)
    names = await names_of(s)
    users = {u.id: u for u in (await s.execute(select(User))).scalars()}
    lines = [
        await line_of(s, cycle, a) for a in sorted(members, key=lambda a: names.get(a.user_id, a.user_id))
    ]
    pu = await s.get(PeriodUnit, (cycle.id, group))
    share = await share_of(s, group, settings)
    after_cap, cap = capped(lines, names, share)
    if pu is not None and pu.confirmed_at is not None:
        cap = CapResult(**pu.cap)  # type: ignore[typeddict-item]
    notes = []
    if group != MANAGERS:
        notes.append("Trưởng đơn vị được lãnh đạo Sở chấm điểm trong nhóm lãnh đạo các đơn vị")
    if cycle.kind == "year":
        notes.append("Kết quả năm là trung bình điểm các quý (hoặc tháng) đã xác nhận trong năm")
    return Board(
        cycle=item(cycle),
        group=group,
        group_name=name,
        opened_by=pu.opened_by if pu else None,
        confirmed_by=pu.confirmed_by if pu else None,
        confirmed_at=pu.confirmed_at if pu else None,
        may_score=may_score and not (pu and pu.confirmed_at),
        rows=[row_of(x, names, users, after_cap) for x in lines],
        share=share,
        cap=cap,
        notes=notes,
    )


# -- marks and confirmation -----------------------------------------------------------------------------


async def open_group(
    s: AsyncSession, p: Principal, cycle_id: str, group: str
) -> tuple[Cycle, str, dict[str, Assessment]]:
    """The open cycle, the group's name and members, once it may still be marked."""
    cycle = await open_cycle_to_handle(s, cycle_id)
    name = await group_to_handle(s, p, cycle, group)
    pu = await s.get(PeriodUnit, (cycle.id, group))
    if pu is not None and pu.confirmed_at is not None:
        raise Conflict(f"{name} đã xác nhận kết quả {cycle.name}")
    members = {a.user_id: a for a in members_of(await assessments_of(s, cycle.id), group)}
    return cycle, name, members


def mark(a: Assessment, by: str, body: ScoreIn) -> None:
    """Set one person's marks: general points and exceptions (civil servant) or level (public employee)."""
    if a.scheme == ND90:
        if body.general_points is not None or body.task_points is not None:
            raise Invalid("Viên chức được xếp loại theo mức (level), không chấm điểm", field="level")
        if body.level is None:
            return  # nothing given for them yet
        a.review_level, a.review_comment = body.level, body.general_note
        a.reviewer_id, a.reviewed_at = by, datetime.now(UTC)
        return
    if body.level is not None:
        raise Invalid("Công chức được chấm điểm, mức xếp loại tính từ điểm", field="level")
    a.general_points, a.general_note = body.general_points, body.general_note
    a.task_points_entered, a.task_note = body.task_points, body.task_note
    a.disqualified, a.scored_by = body.disqualified, by


async def save_marks(
    s: AsyncSession, p: Principal, cycle_id: str, group: str, body: ScoresIn, settings: EvaluationSettings
) -> Board:
    """The reviewer's marks for some of the group (the board as it then stands)."""
    cycle, name, members = await open_group(s, p, cycle_id, group)
    strangers = sorted({x.user_id for x in body.items} - set(members))
    if strangers:
        raise Invalid(f"Không thuộc {name} trong {cycle.name}: {', '.join(strangers)}")
    for x in body.items:
        mark(members[x.user_id], p.id, x)
    await s.flush()
    return await board_of(s, cycle, group, name, settings, may_score=True)


def freeze(a: Assessment, by: str, score: ScoreEvidence, level: str, at: datetime) -> None:
    """Keep the score and its evidence as confirmed, with the level after the cap."""
    a.general_points = score["general_points"]
    a.total_points, a.scored_level = score["total"], score["level"]
    a.suggested_level, a.review_level = score["level"], level
    a.evidence = dict(score)
    a.reviewer_id, a.reviewed_at, a.confirmed_at = by, at, at


async def confirm(
    s: AsyncSession, p: Principal, cycle_id: str, group: str, settings: EvaluationSettings
) -> Board:
    """Confirm the group's results: every score frozen with its evidence, the 20 % cap applied."""
    cycle, name, members = await open_group(s, p, cycle_id, group)
    if not members:
        raise Conflict(f"{name} không có ai được đánh giá trong {cycle.name}")
    names = await names_of(s)
    lines = [await line_of(s, cycle, a) for a in members.values()]
    missing = [
        names.get(x.a.user_id, x.a.user_id)
        for x in lines
        if (x.score is not None and x.score["level"] is None) or (x.score is None and not x.a.review_level)
    ]
    if missing:
        raise Conflict(f"Chưa đủ điểm hoặc mức xếp loại: {', '.join(sorted(missing))}")
    after_cap, cap = capped(lines, names, await share_of(s, group, settings))
    now = datetime.now(UTC)
    for x in lines:
        if x.score is not None:
            freeze(x.a, p.id, x.score, after_cap.get(x.a.user_id, x.score["level"] or ""), now)
    pu = await s.get(PeriodUnit, (cycle.id, group))
    if pu is None:
        pu = PeriodUnit(
            cycle_id=cycle.id, unit_id=group, opened_by=cycle.created_by, opened_at=cycle.created_at
        )
        s.add(pu)
    pu.confirmed_by, pu.confirmed_at, pu.cap = p.id, now, dict(cap)
    await s.flush()
    return await board_of(s, cycle, group, name, settings, may_score=False)


# -- the department, one's own, the year ------------------------------------------------------------------


def summary_of(b: Board) -> GroupSummary:
    counts = Counter(r.level for r in b.rows if r.level)
    scored = sum(
        1
        for r in b.rows
        if (r.score is not None and r.score["general_from"] == "reviewer") or (r.scheme == ND90 and r.level)
    )
    return GroupSummary(
        group=b.group,
        name=b.group_name,
        opened=True,
        confirmed=b.confirmed_at is not None,
        people=len(b.rows),
        scored=scored,
        counts={k: counts[k] for k in LEVELS},
        cap_message=b.cap["message"],
    )


async def department(
    s: AsyncSession, p: Principal, cycle_id: str, settings: EvaluationSettings
) -> Department:
    """Every unit of the cycle and the unit heads' group: how far each got, levels, the cap."""
    if not p.has(LEADER):
        raise Forbidden("Chỉ lãnh đạo Sở xem kết quả toàn Sở")
    cycle = await cycle_to_handle(s, cycle_id)
    units = {u.id: u.name for u in (await s.execute(select(Unit))).scalars()}
    groups = []
    for unit_id in sorted(cycle.unit_ids or [], key=lambda u: units.get(u, u)):
        b = await board_of(s, cycle, unit_id, units.get(unit_id, unit_id), settings, may_score=False)
        groups.append(summary_of(b))
    groups.append(summary_of(await board_of(s, cycle, MANAGERS, MANAGERS_NAME, settings, may_score=False)))
    total: Counter[str] = Counter()
    for g in groups:
        total.update(g.counts)
    return Department(cycle=item(cycle), groups=groups, counts={k: total[k] for k in LEVELS})


async def mine(s: AsyncSession, p: Principal) -> list[MyAssessment]:
    """The person's own assessments, newest period first."""
    names = await names_of(s)
    rows = (
        await s.execute(
            select(Assessment, Cycle)
            .join(Cycle, Cycle.id == Assessment.cycle_id)
            .where(Assessment.user_id == p.id)
            .order_by(Cycle.period_start.desc(), Cycle.kind)
        )
    ).all()
    return [MyAssessment(cycle=item(c), assessment=view(a, names)) for a, c in rows]


async def year_board(
    s: AsyncSession, p: Principal, year: int, unit_id: str, settings: EvaluationSettings
) -> YearBoard:
    """A unit's civil servants over the year: each one's mean of the periods, the cap applied."""
    unit = await s.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"Không có đơn vị {unit_id!r}")
    if not (p.has(LEADER) or heads(p, unit)):
        raise Forbidden("Trưởng đơn vị chỉ xem kết quả năm của đơn vị mình")
    names = await names_of(s)
    people = sorted(
        {
            a.user_id
            for a, c in (
                await s.execute(
                    select(Assessment, Cycle)
                    .join(Cycle, Cycle.id == Assessment.cycle_id)
                    .where(Assessment.unit_id == unit_id, Assessment.scheme == ND335, ~Assessment.is_manager)
                )
            ).all()
            if c.period_start.year == year and c.kind in ("month", "quarter")
        },
        key=lambda u: names.get(u, u),
    )
    scores = {u: await year_of(s, u, year) for u in people}
    group = [
        Scored(u, names.get(u, u), sc["total"] or 0.0, sc["level"] or "")
        for u, sc in scores.items()
        if sc["level"] and not sc["disqualified"]
    ]
    after_cap, cap = apply_cap(group, await share_of(s, unit_id, settings))
    rows = []
    for u, sc in scores.items():
        level = after_cap.get(u, sc["level"])
        rows.append(
            YearRow(
                user_id=u,
                full_name=names.get(u, u),
                unit_id=unit_id,
                score=sc,
                level=level,
                label=LEVEL_LABELS[level] if level else None,
                lowered_by_cap=sc["level"] == "xuat_sac" and level == "tot",
            )
        )
    return YearBoard(year=year, unit_id=unit_id, rows=rows, cap=cap)


# -- who is which ---------------------------------------------------------------------------------------


async def set_staff(s: AsyncSession, p: Principal, user_id: str, body: StaffIn) -> StaffView:
    """Say whether a person is a civil servant or a public employee; open, unmarked assessments follow."""
    require_leader(p, "xác định cán bộ là công chức hay viên chức")
    by = p.id
    if await s.get(User, user_id) is None:
        raise NotFound(f"Không có cán bộ {user_id!r}")
    row = await s.get(Staff, user_id)
    if row is None:
        s.add(Staff(user_id=user_id, kind=body.kind, updated_by=by))
    else:
        row.kind, row.updated_by = body.kind, by
    scheme = ND90 if body.kind == "vien_chuc" else ND335
    moved = 0
    open_ids = select(Cycle.id).where(Cycle.status == "open")
    for a in (
        await s.execute(
            select(Assessment).where(Assessment.user_id == user_id, Assessment.cycle_id.in_(open_ids))
        )
    ).scalars():
        if a.scheme != scheme and a.review_level is None and a.confirmed_at is None:
            a.scheme, moved = scheme, moved + 1
    return StaffView(
        user_id=user_id, kind=body.kind, kind_label=STAFF_LABELS[body.kind], updated_assessments=moved
    )

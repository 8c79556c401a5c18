"""Reading tasks for the API: lists by scope, one task's history, dashboards, a unit's month.

Each reader checks that the person may see what is asked and refuses with hub.errors domain errors.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Select, func, or_, select

from handlers.tasks.access import (
    can_judge,
    can_manage,
    can_see,
    in_charge_or_manager,
    require,
    visible_task,
)
from handlers.tasks.clock import local_time
from handlers.tasks.models import (
    DONE,
    NOT_STARTED,
    PENDING,
    REJECTED,
    Task,
    TaskAssessment,
    TaskDelayCause,
    TaskExtension,
    TaskHandover,
    TaskReport,
    TaskUrging,
)
from handlers.tasks.product import is_late
from handlers.tasks.service import product_officer, subtasks_of
from handlers.tasks.urging import who_may_be_urged
from handlers.tasks.views import TaskActions, UrgingCount
from hub.errors import Invalid, NotFound
from hub.orgchart import LEADER, UNIT_HEAD, Unit, User
from schemas.envelope import ClaimCheck

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from hub.auth import Principal

SCOPES = ("mine", "unit", "assigned")


def in_scope(p: Principal, scope: str) -> Select[Task]:
    """Tasks of the person (mine), of their unit (unit, heads and leaders) or assigned by them."""
    q = select(Task)
    if scope == "mine":
        return q.where(Task.assignee_user_id == p.id)
    if scope == "assigned":
        return q.where(Task.assigner == p.id)
    if scope == "unit":
        require(p.has(UNIT_HEAD, LEADER), "Chỉ lãnh đạo đơn vị xem được nhiệm vụ của đơn vị")
        return q.where(Task.unit_id == p.unit_id)
    raise Invalid(f"scope phải là mine, unit hoặc assigned (nhận được {scope!r})", field="scope")


async def page_in_scope(
    session: AsyncSession, p: Principal, scope: str, *, offset: int, limit: int
) -> tuple[list[Task], int]:
    """One page of the scope's tasks by deadline, and how many there are in all."""
    q = in_scope(p, scope)
    total = await session.scalar(select(func.count()).select_from(q.subquery()))
    rows = await session.execute(q.order_by(Task.deadline, Task.id).offset(offset).limit(limit))
    return list(rows.scalars()), int(total or 0)


async def all_in_scope(session: AsyncSession, p: Principal, scope: str) -> list[Task]:
    """Every task of the scope, by deadline (filtered on a status computed in Python)."""
    rows = await session.execute(in_scope(p, scope).order_by(Task.deadline, Task.id))
    return list(rows.scalars())


async def _tasks(session: AsyncSession, q: Select[Task]) -> list[Task]:
    return list((await session.execute(q)).scalars())


async def officer_tasks(session: AsyncSession, p: Principal, user_id: str) -> tuple[User, list[Task]]:
    """An officer's tasks: for the officer, a leader, or the head of the officer's unit."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound(f"Không tìm thấy cán bộ {user_id}")
    allowed = p.id == user_id or p.has(LEADER) or (p.has(UNIT_HEAD) and user.unit_id == p.unit_id)
    require(allowed, "Không có quyền xem bảng theo dõi của cán bộ này")
    return user, await _tasks(session, select(Task).where(Task.assignee_user_id == user_id))


def _may_see_unit(p: Principal, unit_id: str) -> bool:
    return p.has(LEADER) or (p.has(UNIT_HEAD) and p.unit_id == unit_id)


async def _unit(session: AsyncSession, unit_id: str) -> Unit:
    unit = await session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"Không tìm thấy đơn vị {unit_id}")
    return unit


async def unit_tasks(session: AsyncSession, p: Principal, unit_id: str) -> tuple[Unit, list[Task]]:
    """A unit's tasks: for a leader or the unit's head."""
    require(_may_see_unit(p, unit_id), "Không có quyền xem bảng theo dõi của đơn vị này")
    unit = await _unit(session, unit_id)
    return unit, await _tasks(session, select(Task).where(Task.unit_id == unit_id))


async def leader_tasks(session: AsyncSession, p: Principal, user_id: str) -> list[Task]:
    """The top-level tasks a leader assigned: for that leader, or another leader."""
    require(p.id == user_id or p.has(LEADER), "Không có quyền xem các nhiệm vụ do lãnh đạo này giao")
    return await _tasks(session, select(Task).where(Task.assigner == user_id, Task.parent_id.is_(None)))


async def document_tasks(
    session: AsyncSession, p: Principal, document_id: str
) -> tuple[list[Task], list[Task]]:
    """All tasks of a document (its status counts them all) and those the person may see."""
    tasks = await _tasks(session, select(Task).where(Task.document_id == document_id).order_by(Task.id))
    visible = [t for t in tasks if can_see(p, t)]
    if tasks and not visible:  # the document's tasks are not the caller's to see: as if there were none
        raise NotFound(f"Không tìm thấy nhiệm vụ của văn bản {document_id} hoặc bạn không có quyền xem")
    return tasks, visible


@dataclass(frozen=True)
class TaskRecord:
    """A task with everything that happened to it."""

    task: Task
    subtasks: list[Task]
    reports: list[TaskReport]
    extensions: list[TaskExtension]
    handovers: list[TaskHandover]
    causes: list[TaskDelayCause]
    assessments: list[TaskAssessment]  # latest first
    urgings: list[TaskUrging]  # latest first
    actions: TaskActions


async def record_of(session: AsyncSession, p: Principal, task_id: str) -> TaskRecord:
    """A task the person may see, with its history, its product's record and what the person may do."""
    task = await visible_task(session, p, task_id)
    reports = await session.execute(select(TaskReport).where(TaskReport.task_id == task_id))
    extensions = await session.execute(select(TaskExtension).where(TaskExtension.task_id == task_id))
    handovers = await session.execute(select(TaskHandover).where(TaskHandover.task_id == task_id))
    causes = await session.execute(
        select(TaskDelayCause).where(TaskDelayCause.task_id == task_id).order_by(TaskDelayCause.id)
    )
    judged = await session.execute(
        select(TaskAssessment).where(TaskAssessment.task_id == task_id).order_by(TaskAssessment.id.desc())
    )
    urgings = await session.execute(
        select(TaskUrging).where(TaskUrging.task_id == task_id).order_by(TaskUrging.id.desc())
    )
    record = TaskRecord(
        task=task,
        subtasks=await subtasks_of(session, task_id),
        reports=list(reports.scalars()),
        extensions=list(extensions.scalars()),
        handovers=list(handovers.scalars()),
        causes=list(causes.scalars()),
        assessments=list(judged.scalars()),
        urgings=list(urgings.scalars()),
        actions=TaskActions(),
    )
    record.actions.urge_targets = [
        u for u in await who_may_be_urged(session, task) if u != p.id and can_manage(p, task)
    ]
    _allow(p, record)
    return record


def _allow(p: Principal, r: TaskRecord) -> None:
    """What the person may do now, by the same rules the service applies."""
    task, a = r.task, r.actions
    open_ = task.state != DONE
    working = in_charge_or_manager(p, task)
    judge = can_judge(p, task)
    last = r.causes[-1] if r.causes else None
    pending = last is not None and last.status == PENDING
    a.start = working and task.state == NOT_STARTED
    a.report = a.complete = working and open_
    a.set_weight = p.id == task.assigner and open_
    a.give_delay_reason = (
        p.id == product_officer(task) and is_late(task) and (last is None or last.status == REJECTED)
    )
    a.decide_delay_reason = judge and pending and (open_ or bool(r.assessments))
    a.decide_delay_reason_in_judgement = judge and pending and not open_
    a.judge = judge and not open_
    a.urge = open_ and bool(a.urge_targets)


async def report_file(
    session: AsyncSession, p: Principal, task_id: str, report_id: int, index: int
) -> ClaimCheck:
    """The claim check of a progress report's file, for a person who may see the task."""
    await visible_task(session, p, task_id)
    entry = await session.get(TaskReport, report_id)
    if entry is None or entry.task_id != task_id or not 0 <= index < len(entry.attachments):
        raise NotFound("Không tìm thấy tệp đính kèm")
    return ClaimCheck.model_validate(entry.attachments[index]["claim"])


@dataclass(frozen=True)
class UnitMonth:
    """A unit's tasks due or finished in a month, the urgings of the month per person, staff names."""

    unit: Unit
    first: date
    last: date
    tasks: list[Task]
    urgings: list[UrgingCount]
    names: dict[str, str]


def _month(year: int, month: int) -> tuple[date, date]:
    if not 1 <= month <= 12:
        raise Invalid(f"Tháng phải từ 1 đến 12 (nhận được {month})", field="month")
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


async def _names(session: AsyncSession, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = await session.execute(select(User.id, User.full_name).where(User.id.in_(sorted(ids))))
    return dict(list(rows.tuples()))  # a Result has keys(): dict() would index it


async def _urgings_in(session: AsyncSession, unit_id: str, first: date, last: date) -> list[UrgingCount]:
    """Per person, how many urgings of each type the unit's tasks gave in [first, last] (Hà Nội dates)."""
    start = local_time(first, 0)
    end = local_time(date.fromordinal(last.toordinal() + 1), 0)
    rows = (
        await session.execute(
            select(TaskUrging.user_id, TaskUrging.kind, func.count())
            .where(TaskUrging.unit_id == unit_id, TaskUrging.created_at >= start, TaskUrging.created_at < end)
            .group_by(TaskUrging.user_id, TaskUrging.kind)
        )
    ).tuples()
    counts: dict[str, dict[str, int]] = {}
    for user_id, kind, n in rows:
        counts.setdefault(user_id, {})[kind] = int(n)
    names = await _names(session, set(counts))
    out = [
        UrgingCount(
            user_id=uid,
            full_name=names.get(uid, uid),
            reminder=c.get("reminder", 0),
            criticism=c.get("criticism", 0),
            self_criticism=c.get("self_criticism", 0),
            total=sum(c.values()),
        )
        for uid, c in counts.items()
    ]
    return sorted(out, key=lambda r: (-r.total, r.full_name))


async def unit_urgings(
    session: AsyncSession, p: Principal, unit_id: str, year: int, month: int
) -> list[UrgingCount]:
    """Urgings of the month per person and type on the unit's tasks: for a leader or the unit's head."""
    first, last = _month(year, month)
    require(_may_see_unit(p, unit_id), "Không có quyền xem báo cáo đôn đốc của đơn vị này")
    await _unit(session, unit_id)
    return await _urgings_in(session, unit_id, first, last)


async def unit_month(session: AsyncSession, p: Principal, unit_id: str, year: int, month: int) -> UnitMonth:
    """The tasks of a unit's monthly report and its urgings: for a leader or the unit's head."""
    first, last = _month(year, month)
    require(_may_see_unit(p, unit_id), "Không có quyền xuất báo cáo của đơn vị này")
    unit = await _unit(session, unit_id)
    q = (
        select(Task)
        .where(Task.unit_id == unit_id)
        .where(
            or_(Task.deadline.between(first, last), Task.completed_at >= datetime(year, month, 1, tzinfo=UTC))
        )
        .order_by(Task.deadline, Task.id)
    )
    tasks = [
        t
        for t in await _tasks(session, q)
        if first <= t.deadline <= last or (t.completed_at and first <= t.completed_at.date() <= last)
    ]
    people = {t.assigner for t in tasks} | {t.assignee_user_id for t in tasks if t.assignee_user_id}
    return UnitMonth(
        unit,
        first,
        last,
        tasks,
        await _urgings_in(session, unit_id, first, last),
        await _names(session, people),
    )

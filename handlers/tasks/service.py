"""The tasks service: create, split, start, report on, hand over, extend and complete tasks.

Every operation runs in the caller's unit of work (`hub.runtime.Work`: an API transaction or a bus
delivery) and refuses with `hub.errors` domain errors. Reading for the API is in `queries.py`, the
documents module's events in `documents.py`, fired reminders in `escalation.py`, the product of a task
(weight, delay cause, quality judgement) in `product.py`, urging in `urging.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.tasks import reminders
from handlers.tasks.access import in_charge_or_manager, require, visible_task
from handlers.tasks.clock import local_date, local_today
from handlers.tasks.models import (
    CONFIRMED,
    DONE,
    IN_PROGRESS,
    NOT_STARTED,
    Task,
    TaskDelayCause,
    TaskExtension,
    TaskHandover,
    TaskReport,
)
from handlers.tasks.settings import TasksSettings
from hub.errors import Conflict, DomainError, Invalid, NotFound
from hub.orgchart import LEADER, UNIT_HEAD, Unit, User
from kit.workcal import WorkingCalendar, default_calendar
from schemas.notify import NotifyRequested, urgency_of
from schemas.tasks import ObjectiveCause, TaskChange, TaskCompleted, TaskCreated, TaskFacts, TaskUpdated

if TYPE_CHECKING:
    from hub.auth import Principal
    from hub.claims import ClaimStore
    from hub.runtime import Work


class TaskContext:
    """The calendar and settings the module runs with (tests may swap them)."""

    def __init__(self, settings: TasksSettings | None = None, cal: WorkingCalendar | None = None) -> None:
        self.settings = settings or TasksSettings()
        self.cal = cal or default_calendar()

    def deadline_from(
        self, deadline: date | None, working_days: int | None, start: date | None = None
    ) -> date:
        """A deadline given as a date, or as working days from today (on the working calendar)."""
        if deadline is not None:
            return deadline
        if working_days is None:
            raise Invalid("Nhiệm vụ cần hạn xử lý hoặc số ngày làm việc", field="deadline")
        return self.cal.add_working_days(start or local_today(), working_days)


class AttachmentTooLarge(DomainError):
    """A file of a progress report is over the size allowed (413)."""

    status = 413


@dataclass(frozen=True)
class Upload:
    """A file sent with a progress report, read whole."""

    name: str
    media_type: str
    data: bytes


def facts(task: Task) -> dict[str, Any]:
    """What every task event says about the task."""
    return TaskFacts(
        task_id=task.id,
        title=task.title,
        officer_id=task.assignee_user_id,
        unit_id=task.unit_id,
        assigner=task.assigner,
        deadline=task.deadline,
        priority=task.priority,
        source=task.source,
        external_ref=task.external_ref,
        parent_task_id=task.parent_id,
        document_id=task.document_id,
        product_weight=task.product_weight,
    ).model_dump()


def product_officer(task: Task) -> str | None:
    """Whose product the task is: its officer in charge, else whoever finished it."""
    return task.assignee_user_id or task.completed_by


async def emit_updated(
    work: Work, task: Task, change: TaskChange, by: str, previous_officer_id: str | None = None
) -> None:
    """Tell the bus a task's facts changed (task.updated): its officer, weight or deadline."""
    await work.emit(
        "task.updated",
        TaskUpdated(
            **facts(task),
            change=change,
            previous_officer_id=previous_officer_id,
            updated_by=by,
            updated_at=datetime.now(UTC),
        ),
        issue=task.document_id or task.id,
    )


async def confirmed_cause(session: AsyncSession, task: Task) -> ObjectiveCause | None:
    """The objective cause of the task's delay, when the assigner or unit head confirmed one."""
    row = await session.scalar(
        select(TaskDelayCause)
        .where(TaskDelayCause.task_id == task.id, TaskDelayCause.status == CONFIRMED)
        .order_by(TaskDelayCause.id.desc())
        .limit(1)
    )
    if row is None or row.decided_by is None:
        return None
    return ObjectiveCause(reason=row.reason, confirmed_by=row.decided_by)


async def head_of(session: AsyncSession, unit_id: str | None) -> str | None:
    """The head of a unit, if it has one."""
    if not unit_id:
        return None
    unit = await session.get(Unit, unit_id)
    return unit.head_user_id if unit else None


async def require_user(session: AsyncSession, user_id: str, field: str) -> User:
    """The active staff account `user_id`, or a refusal naming `field`."""
    user = await session.get(User, user_id)
    if user is None or not user.active:
        raise Invalid(f"Không tìm thấy cán bộ đang công tác {user_id}", field=field)
    return user


async def owners_of(session: AsyncSession, task: Task) -> list[str]:
    """Who answers for a task: its officer, else the head of its unit."""
    if task.assignee_user_id:
        return [task.assignee_user_id]
    head = await head_of(session, task.unit_id)
    return [head] if head else []


async def subtasks_of(session: AsyncSession, task_id: str) -> list[Task]:
    return list((await session.execute(select(Task).where(Task.parent_id == task_id))).scalars())


async def _owning_unit(
    session: AsyncSession, assignee_user_id: str | None, unit_id: str | None
) -> str | None:
    """The unit of a new task: the one named, else the officer's; both checked to exist."""
    if assignee_user_id:
        user = await require_user(session, assignee_user_id, "assignee_user_id")
        return unit_id or user.unit_id
    if not unit_id:
        raise Invalid("Nhiệm vụ cần cán bộ hoặc đơn vị xử lý", field="assignee_user_id")
    if await session.get(Unit, unit_id) is None:
        raise Invalid(f"Không tìm thấy đơn vị {unit_id}", field="assignee_unit_id")
    return unit_id


async def check_assigner(
    session: AsyncSession, actor: Principal, assignee_user_id: str | None, unit_id: str | None
) -> None:
    """Who may give a task directly: a leader anyone; a unit head only their unit and its staff."""
    if actor.has(LEADER):
        return
    require(actor.has(UNIT_HEAD), "Chỉ lãnh đạo Sở hoặc trưởng đơn vị được giao nhiệm vụ")
    units = {await _owning_unit(session, assignee_user_id, unit_id)}
    if assignee_user_id:
        officer = await require_user(session, assignee_user_id, "assignee_user_id")
        units.add(officer.unit_id)
    require(
        units == {actor.unit_id},
        "Trưởng đơn vị chỉ giao nhiệm vụ cho đơn vị và cán bộ của mình; "
        "việc của đơn vị khác do lãnh đạo Sở giao",
    )


async def create_task(
    work: Work,
    ctx: TaskContext,
    *,
    title: str,
    assigner: str,
    deadline: date,
    description: str = "",
    assignee_user_id: str | None = None,
    unit_id: str | None = None,
    priority: str = "Thường",
    source: str = "direct",
    external_ref: str | None = None,
    document_id: str | None = None,
    role: str = "main",
    parent_id: str | None = None,
    product_weight: float | None = None,
    notify: bool = True,
) -> Task:
    """Store a task, schedule its reminders, emit task.created and tell its owner.

    `product_weight` is the hệ số quy đổi of its product (Decree 335/2025), 1 when not given.
    """
    session = work.session
    unit_id = await _owning_unit(session, assignee_user_id, unit_id)
    if parent_id and await session.get(Task, parent_id) is None:
        raise Invalid(f"Không tìm thấy nhiệm vụ {parent_id}", field="parent_task_id")
    task = Task(
        id=reminders.new_id(),
        title=title,
        description=description,
        assignee_user_id=assignee_user_id,
        unit_id=unit_id,
        assigner=assigner,
        deadline=deadline,
        original_deadline=deadline,
        priority=priority,
        source=source,
        external_ref=external_ref,
        document_id=document_id,
        role=role,
        parent_id=parent_id,
        state=NOT_STARTED,
        progress=0,
        created_at=datetime.now(UTC),
        overdue_notified=False,
        product_weight=product_weight or 1.0,
    )
    session.add(task)
    await session.flush()
    issue = document_id or task.id
    reminders.schedule_all(session, task.id, deadline, ctx.settings, ctx.cal, issue=issue)
    await work.emit("task.created", TaskCreated(**facts(task)), issue=issue)
    if notify:
        await _tell_owners_of_new(work, task)
    return task


async def _tell_owners_of_new(work: Work, task: Task) -> None:
    owners = await owners_of(work.session, task)
    if not owners:
        return
    await work.emit(
        "notify.requested",
        NotifyRequested(
            recipients=owners,
            title=f"Nhiệm vụ mới: {task.title}"[:300],
            body=f"Hạn xử lý: {task.deadline:%d/%m/%Y}. Độ khẩn: {task.priority}.",
            urgency=urgency_of(task.priority),
            link=f"/tasks/{task.id}",
            dedup_key=f"task.created:{task.id}",
            source_type="task.created",
            issue=task.id,
        ),
    )


async def complete_task(work: Work, task: Task, by: str, at: datetime | None = None) -> bool:
    """Mark a task done; emit task.completed with whether it was on time. False if it was done already.

    A late task carries the objective cause of its delay when the assigner or unit head confirmed one.
    """
    if task.state == DONE:
        return False
    at = at or datetime.now(UTC)
    task.state = DONE
    task.progress = 100
    task.completed_at = at
    task.completed_by = by
    task.on_time = local_date(at) <= task.deadline
    if task.started_at is None:
        task.started_at = at
    cause = None if task.on_time else await confirmed_cause(work.session, task)
    await work.emit(
        "task.completed",
        TaskCompleted(
            **{**facts(task), "officer_id": task.assignee_user_id or by},
            completed_at=at,
            on_time=task.on_time,
            delay_cause=cause,
        ),
        issue=task.document_id or task.id,
    )
    return True


def start_task(task: Task) -> None:
    """Work on the task has begun (nothing changes once it has)."""
    if task.state == NOT_STARTED:
        task.state = IN_PROGRESS
        task.started_at = datetime.now(UTC)


def reschedule(session: AsyncSession, ctx: TaskContext, task: Task) -> None:
    """Re-plan a task's reminders after its deadline moved (the caller tells the bus, `emit_updated`)."""
    task.overdue_notified = False
    task.escalated_at = None
    reminders.schedule_all(
        session, task.id, task.deadline, ctx.settings, ctx.cal, issue=task.document_id or task.id
    )


# -- what people do to a task (the API) ----------------------------------------------------------------


async def add_subtask(
    work: Work,
    ctx: TaskContext,
    actor: Principal,
    parent_id: str,
    *,
    title: str,
    description: str,
    assignee_user_id: str | None,
    unit_id: str | None,
    deadline: date | None,
    working_days: int | None,
    priority: str,
    product_weight: float | None = None,
) -> Task:
    """Split a task: a sub-task with its own owner and a deadline no later than the parent's."""
    parent = await visible_task(work.session, actor, parent_id)
    require(
        in_charge_or_manager(actor, parent),
        "Chỉ người giao, lãnh đạo đơn vị hoặc người chủ trì được tạo nhiệm vụ con",
    )
    due = ctx.deadline_from(deadline, working_days)
    if due > parent.deadline:
        raise Invalid(
            f"Hạn của nhiệm vụ con ({due:%d/%m/%Y}) không được sau hạn của nhiệm vụ "
            f"({parent.deadline:%d/%m/%Y})",
            field="deadline",
        )
    task = await create_task(
        work,
        ctx,
        title=title,
        description=description,
        assignee_user_id=assignee_user_id,
        unit_id=unit_id,
        assigner=actor.id,
        deadline=due,
        priority=priority or parent.priority,
        source=parent.source,
        document_id=parent.document_id,
        parent_id=parent.id,
        product_weight=product_weight,
    )
    start_task(parent)
    return task


async def start(work: Work, actor: Principal, task_id: str) -> Task:
    """The officer starts work on the task."""
    task = await visible_task(work.session, actor, task_id)
    require(in_charge_or_manager(actor, task), "Chỉ cán bộ xử lý được bắt đầu nhiệm vụ này")
    start_task(task)
    return task


async def complete(work: Work, actor: Principal, task_id: str) -> Task:
    """Finish the task (officer in charge, assigner or unit head) once its sub-tasks are done."""
    task = await visible_task(work.session, actor, task_id)
    require(
        in_charge_or_manager(actor, task), "Chỉ cán bộ xử lý hoặc người giao được hoàn thành nhiệm vụ này"
    )
    open_subs = [t.id for t in await subtasks_of(work.session, task_id) if t.state != DONE]
    if open_subs:
        raise Conflict(f"Còn nhiệm vụ con chưa hoàn thành: {', '.join(open_subs)}")
    if not await complete_task(work, task, actor.id):
        raise Conflict("Nhiệm vụ đã hoàn thành")
    return task


async def keep_files(claims: ClaimStore, uploads: list[Upload], max_bytes: int) -> list[dict[str, Any]]:
    """Put a report's files in the Object Store; their claim checks are kept with the report."""
    kept: list[dict[str, Any]] = []
    for f in uploads:
        if len(f.data) > max_bytes:
            raise AttachmentTooLarge(f"Tệp {f.name} vượt quá {max_bytes // 1024 // 1024} MB", field="files")
        claim = await claims.put(f.data, media_type=f.media_type)
        kept.append({"name": f.name, "claim": claim.model_dump(mode="json")})
    return kept


async def add_report(
    work: Work, actor: Principal, task_id: str, *, text: str, progress: int, attachments: list[dict[str, Any]]
) -> tuple[TaskReport, Task]:
    """A progress report by the officer in charge (the files already kept, see `keep_files`)."""
    task = await visible_task(work.session, actor, task_id)
    require(in_charge_or_manager(actor, task), "Chỉ cán bộ xử lý được báo cáo tiến độ nhiệm vụ này")
    if task.state == DONE:
        raise Conflict("Nhiệm vụ đã hoàn thành")
    start_task(task)
    task.progress = max(task.progress, progress)
    entry = TaskReport(
        task_id=task.id,
        author=actor.id,
        text=text,
        progress=progress,
        attachments=attachments,
        created_at=datetime.now(UTC),
    )
    work.session.add(entry)
    await work.session.flush()
    return entry, task


async def hand_over(work: Work, actor: Principal, task_id: str, to_user_id: str, note: str) -> Task:
    """Hand the task over to another officer (by the officer in charge, the assigner or unit head)."""
    s = work.session
    task = await visible_task(s, actor, task_id)
    require(
        in_charge_or_manager(actor, task), "Chỉ cán bộ xử lý, người giao hoặc lãnh đạo đơn vị được bàn giao"
    )
    if task.state == DONE:
        raise Conflict("Nhiệm vụ đã hoàn thành, không thể bàn giao")
    target = await require_user(s, to_user_id, "to_user_id")
    previous = task.assignee_user_id
    if previous == target.id:
        raise Conflict(f"Nhiệm vụ đang do {target.full_name} xử lý")
    task.assignee_user_id = target.id
    task.unit_id = target.unit_id or task.unit_id
    await emit_updated(work, task, "handed_over" if previous else "dispatched", actor.id, previous)
    now = datetime.now(UTC)
    s.add(
        TaskHandover(
            task_id=task.id,
            from_user_id=previous,
            to_user_id=target.id,
            by_user_id=actor.id,
            note=note,
            created_at=now,
        )
    )
    await work.emit(
        "notify.requested",
        NotifyRequested(
            recipients=[target.id],
            title=f"Nhận bàn giao nhiệm vụ: {task.title}"[:300],
            body=f"Bàn giao từ {previous or 'đơn vị'}. Hạn xử lý: {task.deadline:%d/%m/%Y}. {note}",
            urgency=urgency_of(task.priority),
            link=f"/tasks/{task.id}",
            dedup_key=f"task.handover:{task.id}:{target.id}:{now.timestamp():.0f}",
            source_type="task.handover",
            issue=task.id,
        ),
    )
    return task


async def request_extension(
    work: Work,
    ctx: TaskContext,
    actor: Principal,
    task_id: str,
    *,
    new_deadline: date | None,
    extra_working_days: int | None,
    reason: str,
) -> TaskExtension:
    """The officer in charge asks the assigner for a later deadline."""
    task = await visible_task(work.session, actor, task_id)
    require(actor.id == task.assignee_user_id, "Chỉ cán bộ xử lý được xin gia hạn")
    if task.state == DONE:
        raise Conflict("Nhiệm vụ đã hoàn thành")
    new = new_deadline or ctx.cal.add_working_days(task.deadline, extra_working_days or 0)
    if new <= task.deadline:
        raise Invalid(
            f"Hạn mới ({new:%d/%m/%Y}) phải sau hạn hiện tại ({task.deadline:%d/%m/%Y})", field="new_deadline"
        )
    ext = TaskExtension(
        task_id=task.id,
        requested_by=actor.id,
        current_deadline=task.deadline,
        new_deadline=new,
        reason=reason,
        status="pending",
        created_at=datetime.now(UTC),
    )
    work.session.add(ext)
    await work.session.flush()
    await work.emit(
        "notify.requested",
        NotifyRequested(
            recipients=[task.assigner],
            title=f"Đề nghị gia hạn: {task.title}"[:300],
            body=f"{actor.full_name} đề nghị gia hạn đến {new:%d/%m/%Y}. Lý do: {reason}",
            urgency="thuong",
            link=f"/tasks/{task.id}",
            dedup_key=f"task.extension:{ext.id}",
            source_type="task.extension_requested",
            issue=task.id,
        ),
    )
    return ext


async def decide_extension(
    work: Work, ctx: TaskContext, actor: Principal, task_id: str, ext_id: int, *, approve: bool, note: str
) -> tuple[TaskExtension, Task]:
    """The assigner approves (the deadline moves, reminders are re-planned) or refuses."""
    task = await visible_task(work.session, actor, task_id)
    ext = await work.session.get(TaskExtension, ext_id)
    if ext is None or ext.task_id != task_id:
        raise NotFound(f"Không tìm thấy đề nghị gia hạn {ext_id}")
    require(actor.id == task.assigner, "Chỉ người giao nhiệm vụ được duyệt gia hạn")
    if ext.status != "pending":
        raise Conflict(f"Đề nghị gia hạn đã được xử lý ({ext.status})")
    ext.status = "approved" if approve else "rejected"
    ext.decided_by = actor.id
    ext.decision_note = note
    ext.decided_at = datetime.now(UTC)
    if approve:
        task.deadline = ext.new_deadline
        reschedule(work.session, ctx, task)
        await emit_updated(work, task, "deadline", actor.id)
    title = (
        f"Đồng ý gia hạn đến {ext.new_deadline:%d/%m/%Y}: {task.title}"
        if approve
        else f"Không đồng ý gia hạn: {task.title}"
    )
    await work.emit(
        "notify.requested",
        NotifyRequested(
            recipients=[ext.requested_by],
            title=title[:300],
            body=note,
            urgency="thuong",
            link=f"/tasks/{task.id}",
            dedup_key=f"task.extension_decided:{ext.id}",
            source_type="task.extension_decided",
            issue=task.id,
        ),
    )
    return ext, task

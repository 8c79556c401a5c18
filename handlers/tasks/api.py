"""REST API of the tasks module (mounted under /api/tasks behind login)."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, Response, UploadFile, status
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.tasks import service
from handlers.tasks.dashboard import summarize, task_row
from handlers.tasks.models import DONE, Task, TaskExtension, TaskHandover, TaskReport
from handlers.tasks.policy import local_today
from handlers.tasks.status import aggregate, status_of
from handlers.tasks.xlsx import monthly_report
from hub.auth import CurrentPrincipal, Principal, require_roles
from hub.directory import LEADER, UNIT_HEAD, Unit, User
from hub.errors import PermanentError
from schemas.envelope import ClaimCheck
from schemas.notify import NotifyRequested, urgency_of

if TYPE_CHECKING:
    from handlers.tasks.module import TasksModule
    from hub.runtime import Hub

MAX_ATTACHMENT = 50 * 1024 * 1024


class NewTask(BaseModel):
    """A task created directly (a leader's instruction, a meeting conclusion)."""

    title: str = Field(min_length=1, max_length=500)
    description: str = Field(default="", max_length=10000)
    assignee_user_id: str | None = None
    assignee_unit_id: str | None = None
    deadline: date | None = None
    duration_working_days: int | None = Field(default=None, ge=1, le=365)
    priority: str = "Thường"
    source: str = "direct"
    external_ref: str | None = None

    @model_validator(mode="after")
    def _check(self) -> NewTask:
        if not self.assignee_user_id and not self.assignee_unit_id:
            raise ValueError("cần chỉ định cán bộ (assignee_user_id) hoặc đơn vị (assignee_unit_id) xử lý")
        if self.deadline is None and self.duration_working_days is None:
            raise ValueError("cần hạn xử lý (deadline) hoặc số ngày làm việc (duration_working_days)")
        return self


class Handover(BaseModel):
    to_user_id: str
    note: str = ""


class ExtensionRequest(BaseModel):
    new_deadline: date | None = None
    extra_working_days: int | None = Field(default=None, ge=1, le=365)
    reason: str = Field(min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _check(self) -> ExtensionRequest:
        if self.new_deadline is None and self.extra_working_days is None:
            raise ValueError("cần hạn mới (new_deadline) hoặc số ngày làm việc gia hạn (extra_working_days)")
        return self


class Decision(BaseModel):
    approve: bool
    note: str = ""


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def _bad(exc: PermanentError) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, str(exc))


async def _task(session: AsyncSession, task_id: str) -> Task:
    task = await session.get(Task, task_id)
    if task is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Không tìm thấy nhiệm vụ {task_id}")
    return task


async def _can_see(session: AsyncSession, p: Principal, task: Task) -> bool:
    if p.has(LEADER) or p.id in (task.assignee_user_id, task.assigner, task.completed_by):
        return True
    return bool(p.has(UNIT_HEAD) and task.unit_id is not None and task.unit_id == p.unit_id)


async def _can_manage(session: AsyncSession, p: Principal, task: Task) -> bool:
    """The assigner, a leader, or the head of the task's unit."""
    if p.has(LEADER) or p.id == task.assigner:
        return True
    return p.has(UNIT_HEAD) and task.unit_id == p.unit_id


def _forbid(message: str) -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, message)


def build_router(mod: TasksModule) -> APIRouter:
    """The tasks API."""
    ctx = mod.ctx
    router = APIRouter(prefix="/tasks", tags=["tasks"])

    def row(task: Task) -> dict[str, Any]:
        return task_row(task, local_today(), ctx.cal, ctx.policy.due_soon_days)

    @router.post("", status_code=201, dependencies=[require_roles(LEADER, UNIT_HEAD)])
    async def create(request: Request, body: NewTask, principal: CurrentPrincipal) -> dict[str, Any]:
        """Create a task directly (leaders and unit heads)."""
        hub = _hub(request)
        try:
            deadline = ctx.deadline_from(body.deadline, body.duration_working_days)
            async with hub.transaction(source="tasks", user_id=principal.id) as tx:
                task = await service.create_task(
                    tx.session,
                    tx.emit,
                    ctx,
                    title=body.title,
                    description=body.description,
                    assignee_user_id=body.assignee_user_id,
                    unit_id=body.assignee_unit_id,
                    assigner=principal.id,
                    deadline=deadline,
                    priority=body.priority,
                    source=body.source,
                    external_ref=body.external_ref,
                )
                return row(task)
        except PermanentError as exc:
            raise _bad(exc) from None

    @router.get("")
    async def list_tasks(
        request: Request, principal: CurrentPrincipal, scope: str = "mine", status_code: str | None = None
    ) -> list[dict[str, Any]]:
        """Tasks of the caller (mine), of their unit (unit) or assigned by them (assigned)."""
        hub = _hub(request)
        q = select(Task)
        if scope == "mine":
            q = q.where(Task.assignee_user_id == principal.id)
        elif scope == "assigned":
            q = q.where(Task.assigner == principal.id)
        elif scope == "unit":
            if not principal.has(UNIT_HEAD, LEADER):
                raise _forbid("Chỉ lãnh đạo đơn vị xem được nhiệm vụ của đơn vị")
            q = q.where(Task.unit_id == principal.unit_id)
        else:
            raise HTTPException(422, f"scope phải là mine, unit hoặc assigned (nhận được {scope!r})")
        async with hub.db.session() as s:
            tasks = list((await s.execute(q.order_by(Task.deadline, Task.id))).scalars())
        rows = [row(t) for t in tasks]
        if status_code:
            rows = [
                r
                for r in rows
                if r["status"]["code"] == status_code
                or any(f["code"] == status_code for f in r["status"]["flags"])
            ]
        return rows

    @router.get("/dashboard/officer/{user_id}")
    async def officer_dashboard(
        request: Request, user_id: str, principal: CurrentPrincipal
    ) -> dict[str, Any]:
        """Dashboard of one officer's tasks."""
        hub = _hub(request)
        async with hub.db.session() as s:
            user = await s.get(User, user_id)
            if user is None:
                raise HTTPException(404, f"Không tìm thấy cán bộ {user_id}")
            if not (
                principal.id == user_id
                or principal.has(LEADER)
                or (principal.has(UNIT_HEAD) and user.unit_id == principal.unit_id)
            ):
                raise _forbid("Không có quyền xem bảng theo dõi của cán bộ này")
            tasks = list((await s.execute(select(Task).where(Task.assignee_user_id == user_id))).scalars())
        return {"officer": user_id, "full_name": user.full_name, **_summary(tasks)}

    @router.get("/dashboard/unit/{unit_id}")
    async def unit_dashboard(request: Request, unit_id: str, principal: CurrentPrincipal) -> dict[str, Any]:
        """Dashboard of one unit's tasks, with workload per officer."""
        hub = _hub(request)
        if not (principal.has(LEADER) or (principal.has(UNIT_HEAD) and principal.unit_id == unit_id)):
            raise _forbid("Không có quyền xem bảng theo dõi của đơn vị này")
        async with hub.db.session() as s:
            unit = await s.get(Unit, unit_id)
            if unit is None:
                raise HTTPException(404, f"Không tìm thấy đơn vị {unit_id}")
            tasks = list((await s.execute(select(Task).where(Task.unit_id == unit_id))).scalars())
        return {"unit": unit_id, "name": unit.name, **_summary(tasks)}

    @router.get("/dashboard/leader/{user_id}")
    async def leader_dashboard(request: Request, user_id: str, principal: CurrentPrincipal) -> dict[str, Any]:
        """Dashboard of the tasks a leader assigned."""
        hub = _hub(request)
        if not (principal.id == user_id or principal.has(LEADER)):
            raise _forbid("Không có quyền xem các nhiệm vụ do lãnh đạo này giao")
        async with hub.db.session() as s:
            tasks = list(
                (
                    await s.execute(select(Task).where(Task.assigner == user_id, Task.parent_id.is_(None)))
                ).scalars()
            )
        return {"leader": user_id, **_summary(tasks)}

    def _summary(tasks: list[Task]) -> dict[str, Any]:
        return summarize(tasks, local_today(), ctx.cal, ctx.policy.due_soon_days)

    @router.get("/reports/unit/{unit_id}/monthly.xlsx")
    async def monthly(
        request: Request, unit_id: str, year: int, month: int, principal: CurrentPrincipal
    ) -> Response:
        """The unit's monthly report: tasks due or finished in the month, as an XLSX workbook."""
        hub = _hub(request)
        if not 1 <= month <= 12:
            raise HTTPException(422, f"tháng phải từ 1 đến 12 (nhận được {month})")
        if not (principal.has(LEADER) or (principal.has(UNIT_HEAD) and principal.unit_id == unit_id)):
            raise _forbid("Không có quyền xuất báo cáo của đơn vị này")
        first = date(year, month, 1)
        last = date(year, month, calendar.monthrange(year, month)[1])
        async with hub.db.session() as s:
            unit = await s.get(Unit, unit_id)
            if unit is None:
                raise HTTPException(404, f"Không tìm thấy đơn vị {unit_id}")
            start = datetime(year, month, 1, tzinfo=UTC)
            tasks = list(
                (
                    await s.execute(
                        select(Task)
                        .where(Task.unit_id == unit_id)
                        .where(
                            or_(
                                Task.deadline.between(first, last),
                                Task.completed_at >= start,
                            )
                        )
                        .order_by(Task.deadline, Task.id)
                    )
                ).scalars()
            )
        tasks = [
            t
            for t in tasks
            if first <= t.deadline <= last or (t.completed_at and first <= t.completed_at.date() <= last)
        ]
        as_of = min(local_today(), last)
        data = monthly_report(unit.name, year, month, tasks, as_of, ctx.cal)
        return Response(
            data,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={
                "Content-Disposition": f'attachment; filename="bao-cao-{unit_id}-{year}-{month:02d}.xlsx"'
            },
        )

    @router.get("/by-document/{document_id}")
    async def by_document(request: Request, document_id: str, principal: CurrentPrincipal) -> dict[str, Any]:
        """The tasks of one document and the document's own status (worst of its tasks)."""
        hub = _hub(request)
        async with hub.db.session() as s:
            tasks = list(
                (
                    await s.execute(select(Task).where(Task.document_id == document_id).order_by(Task.id))
                ).scalars()
            )
            visible = [t for t in tasks if await _can_see(s, principal, t)]
        if tasks and not visible:
            raise _forbid("Không có quyền xem các nhiệm vụ của văn bản này")
        today = local_today()
        statuses = [status_of(t, today, ctx.cal, ctx.policy.due_soon_days) for t in tasks]
        return {"document_id": document_id, "status": aggregate(statuses), "tasks": [row(t) for t in visible]}

    @router.get("/{task_id}")
    async def detail(request: Request, task_id: str, principal: CurrentPrincipal) -> dict[str, Any]:
        """A task with its sub-tasks, progress reports, extension requests and hand-overs."""
        hub = _hub(request)
        async with hub.db.session() as s:
            task = await _task(s, task_id)
            if not await _can_see(s, principal, task):
                raise _forbid("Không có quyền xem nhiệm vụ này")
            subs = await service.subtasks_of(s, task_id)
            reports = (await s.execute(select(TaskReport).where(TaskReport.task_id == task_id))).scalars()
            exts = (await s.execute(select(TaskExtension).where(TaskExtension.task_id == task_id))).scalars()
            hos = (await s.execute(select(TaskHandover).where(TaskHandover.task_id == task_id))).scalars()
            return {
                **row(task),
                "description": task.description,
                "subtasks": [row(t) for t in subs],
                "reports": [
                    {
                        "id": r.id,
                        "author": r.author,
                        "text": r.text,
                        "progress": r.progress,
                        "attachments": [
                            {"index": i, "name": a["name"], "size": a["claim"]["size"]}
                            for i, a in enumerate(r.attachments)
                        ],
                        "created_at": r.created_at.isoformat(),
                    }
                    for r in reports
                ],
                "extensions": [
                    {
                        "id": e.id,
                        "requested_by": e.requested_by,
                        "current_deadline": e.current_deadline.isoformat(),
                        "new_deadline": e.new_deadline.isoformat(),
                        "reason": e.reason,
                        "status": e.status,
                        "decided_by": e.decided_by,
                    }
                    for e in exts
                ],
                "handovers": [
                    {"from": h.from_user_id, "to": h.to_user_id, "by": h.by_user_id, "note": h.note}
                    for h in hos
                ],
            }

    @router.post("/{task_id}/subtasks", status_code=201)
    async def subtask(
        request: Request, task_id: str, body: NewTask, principal: CurrentPrincipal
    ) -> dict[str, Any]:
        """Split a task: a sub-task with its own owner and a deadline no later than the parent's."""
        hub = _hub(request)
        try:
            async with hub.transaction(source="tasks", user_id=principal.id) as tx:
                parent = await _task(tx.session, task_id)
                if not (
                    await _can_manage(tx.session, principal, parent)
                    or principal.id == parent.assignee_user_id
                ):
                    raise _forbid("Chỉ người giao, lãnh đạo đơn vị hoặc người chủ trì được tạo nhiệm vụ con")
                deadline = ctx.deadline_from(body.deadline, body.duration_working_days)
                if deadline > parent.deadline:
                    raise HTTPException(
                        422,
                        f"Hạn của nhiệm vụ con ({deadline:%d/%m/%Y}) không được sau hạn của nhiệm vụ "
                        f"({parent.deadline:%d/%m/%Y})",
                    )
                task = await service.create_task(
                    tx.session,
                    tx.emit,
                    ctx,
                    title=body.title,
                    description=body.description,
                    assignee_user_id=body.assignee_user_id,
                    unit_id=body.assignee_unit_id,
                    assigner=principal.id,
                    deadline=deadline,
                    priority=body.priority or parent.priority,
                    source=parent.source,
                    document_id=parent.document_id,
                    parent_id=parent.id,
                )
                service.start_task(parent)
                return row(task)
        except PermanentError as exc:
            raise _bad(exc) from None

    @router.post("/{task_id}/reports", status_code=201)
    async def report(
        request: Request,
        task_id: str,
        principal: CurrentPrincipal,
        text: str = Form(""),
        progress: int = Form(0, ge=0, le=100),
        files: list[UploadFile] = File(default=[]),
    ) -> dict[str, Any]:
        """A progress report by the officer in charge, with attachments kept in the Object Store."""
        hub = _hub(request)
        attachments = []
        for f in files:
            data = await f.read()
            if len(data) > MAX_ATTACHMENT:
                raise HTTPException(413, f"Tệp {f.filename} vượt quá {MAX_ATTACHMENT // 1024 // 1024} MB")
            claim = await hub.claims.put(data, media_type=f.content_type or "application/octet-stream")
            attachments.append({"name": f.filename or "tep-dinh-kem", "claim": claim.model_dump(mode="json")})
        async with hub.transaction(source="tasks", user_id=principal.id) as tx:
            task = await _task(tx.session, task_id)
            if principal.id != task.assignee_user_id and not await _can_manage(tx.session, principal, task):
                raise _forbid("Chỉ cán bộ xử lý được báo cáo tiến độ nhiệm vụ này")
            if task.state == DONE:
                raise HTTPException(409, "Nhiệm vụ đã hoàn thành")
            service.start_task(task)
            task.progress = max(task.progress, progress)
            entry = TaskReport(
                task_id=task.id,
                author=principal.id,
                text=text,
                progress=progress,
                attachments=attachments,
                created_at=datetime.now(UTC),
            )
            tx.session.add(entry)
            await tx.session.flush()
            return {"id": entry.id, "task": row(task), "attachments": len(attachments)}

    @router.get("/{task_id}/reports/{report_id}/attachments/{index}")
    async def attachment(
        request: Request, task_id: str, report_id: int, index: int, principal: CurrentPrincipal
    ) -> Response:
        """Download an attachment of a progress report (content checked against its sha256)."""
        hub = _hub(request)
        async with hub.db.session() as s:
            task = await _task(s, task_id)
            if not await _can_see(s, principal, task):
                raise _forbid("Không có quyền xem nhiệm vụ này")
            entry = await s.get(TaskReport, report_id)
            if entry is None or entry.task_id != task_id or not 0 <= index < len(entry.attachments):
                raise HTTPException(404, "Không tìm thấy tệp đính kèm")
            item = entry.attachments[index]
        claim = ClaimCheck.model_validate(item["claim"])
        data = await hub.claims.get(claim)
        return Response(data, media_type=claim.media_type)

    @router.post("/{task_id}/start")
    async def start(request: Request, task_id: str, principal: CurrentPrincipal) -> dict[str, Any]:
        """The officer starts work on the task."""
        hub = _hub(request)
        async with hub.transaction(source="tasks", user_id=principal.id) as tx:
            task = await _task(tx.session, task_id)
            if principal.id != task.assignee_user_id and not await _can_manage(tx.session, principal, task):
                raise _forbid("Chỉ cán bộ xử lý được bắt đầu nhiệm vụ này")
            service.start_task(task)
            return row(task)

    @router.post("/{task_id}/complete")
    async def complete(request: Request, task_id: str, principal: CurrentPrincipal) -> dict[str, Any]:
        """Finish the task (officer in charge, assigner or unit head); emits task.completed."""
        hub = _hub(request)
        async with hub.transaction(source="tasks", user_id=principal.id) as tx:
            task = await _task(tx.session, task_id)
            if principal.id != task.assignee_user_id and not await _can_manage(tx.session, principal, task):
                raise _forbid("Chỉ cán bộ xử lý hoặc người giao được hoàn thành nhiệm vụ này")
            open_subs = [t.id for t in await service.subtasks_of(tx.session, task_id) if t.state != DONE]
            if open_subs:
                raise HTTPException(409, f"Còn nhiệm vụ con chưa hoàn thành: {', '.join(open_subs)}")
            if not await service.complete_task(tx.session, tx.emit, task, principal.id):
                raise HTTPException(409, "Nhiệm vụ đã hoàn thành")
            return row(task)

    @router.post("/{task_id}/handover")
    async def handover(
        request: Request, task_id: str, body: Handover, principal: CurrentPrincipal
    ) -> dict[str, Any]:
        """Hand the task over to another officer (by the officer in charge, the assigner or unit head)."""
        hub = _hub(request)
        try:
            async with hub.transaction(source="tasks", user_id=principal.id) as tx:
                s = tx.session
                task = await _task(s, task_id)
                if principal.id != task.assignee_user_id and not await _can_manage(s, principal, task):
                    raise _forbid("Chỉ cán bộ xử lý, người giao hoặc lãnh đạo đơn vị được bàn giao")
                if task.state == DONE:
                    raise HTTPException(409, "Nhiệm vụ đã hoàn thành, không thể bàn giao")
                target = await service.require_user(s, body.to_user_id, "to_user_id")
                previous = task.assignee_user_id
                if previous == target.id:
                    raise HTTPException(409, f"Nhiệm vụ đang do {target.id} xử lý")
                task.assignee_user_id = target.id
                task.unit_id = target.unit_id or task.unit_id
                s.add(
                    TaskHandover(
                        task_id=task.id,
                        from_user_id=previous,
                        to_user_id=target.id,
                        by_user_id=principal.id,
                        note=body.note,
                        created_at=datetime.now(UTC),
                    )
                )
                await tx.emit(
                    "notify.requested",
                    NotifyRequested(
                        recipients=[target.id],
                        title=f"Nhận bàn giao nhiệm vụ: {task.title}"[:300],
                        body=(
                            f"Bàn giao từ {previous or 'đơn vị'}. "
                            f"Hạn xử lý: {task.deadline:%d/%m/%Y}. {body.note}"
                        ),
                        urgency=urgency_of(task.priority),
                        link=f"/tasks/{task.id}",
                        dedup_key=f"task.handover:{task.id}:{target.id}:{datetime.now(UTC).timestamp():.0f}",
                        source_type="task.handover",
                        issue=task.id,
                    ),
                )
                return row(task)
        except PermanentError as exc:
            raise _bad(exc) from None

    @router.post("/{task_id}/extensions", status_code=201)
    async def request_extension(
        request: Request, task_id: str, body: ExtensionRequest, principal: CurrentPrincipal
    ) -> dict[str, Any]:
        """The officer in charge asks the assigner for a later deadline."""
        hub = _hub(request)
        async with hub.transaction(source="tasks", user_id=principal.id) as tx:
            task = await _task(tx.session, task_id)
            if principal.id != task.assignee_user_id:
                raise _forbid("Chỉ cán bộ xử lý được xin gia hạn")
            if task.state == DONE:
                raise HTTPException(409, "Nhiệm vụ đã hoàn thành")
            new = body.new_deadline or ctx.cal.add_working_days(task.deadline, body.extra_working_days or 0)
            if new <= task.deadline:
                raise HTTPException(
                    422, f"Hạn mới ({new:%d/%m/%Y}) phải sau hạn hiện tại ({task.deadline:%d/%m/%Y})"
                )
            ext = TaskExtension(
                task_id=task.id,
                requested_by=principal.id,
                current_deadline=task.deadline,
                new_deadline=new,
                reason=body.reason,
                status="pending",
                created_at=datetime.now(UTC),
            )
            tx.session.add(ext)
            await tx.session.flush()
            await tx.emit(
                "notify.requested",
                NotifyRequested(
                    recipients=[task.assigner],
                    title=f"Đề nghị gia hạn: {task.title}"[:300],
                    body=f"{principal.full_name} đề nghị gia hạn đến {new:%d/%m/%Y}. Lý do: {body.reason}",
                    urgency="thuong",
                    link=f"/tasks/{task.id}",
                    dedup_key=f"task.extension:{ext.id}",
                    source_type="task.extension_requested",
                    issue=task.id,
                ),
            )
            return {"id": ext.id, "status": ext.status, "new_deadline": new.isoformat()}

    @router.post("/{task_id}/extensions/{ext_id}/decision")
    async def decide_extension(
        request: Request, task_id: str, ext_id: int, body: Decision, principal: CurrentPrincipal
    ) -> dict[str, Any]:
        """The assigner approves (the deadline moves, reminders are re-planned) or refuses."""
        hub = _hub(request)
        async with hub.transaction(source="tasks", user_id=principal.id) as tx:
            task = await _task(tx.session, task_id)
            ext = await tx.session.get(TaskExtension, ext_id)
            if ext is None or ext.task_id != task_id:
                raise HTTPException(404, f"Không tìm thấy đề nghị gia hạn {ext_id}")
            if principal.id != task.assigner:
                raise _forbid("Chỉ người giao nhiệm vụ được duyệt gia hạn")
            if ext.status != "pending":
                raise HTTPException(409, f"Đề nghị gia hạn đã được xử lý ({ext.status})")
            ext.status = "approved" if body.approve else "rejected"
            ext.decided_by = principal.id
            ext.decision_note = body.note
            ext.decided_at = datetime.now(UTC)
            if body.approve:
                task.deadline = ext.new_deadline
                await service.reschedule(tx.session, ctx, task)
            await tx.emit(
                "notify.requested",
                NotifyRequested(
                    recipients=[ext.requested_by],
                    title=(
                        f"Đồng ý gia hạn đến {ext.new_deadline:%d/%m/%Y}: {task.title}"
                        if body.approve
                        else f"Không đồng ý gia hạn: {task.title}"
                    )[:300],
                    body=body.note,
                    urgency="thuong",
                    link=f"/tasks/{task.id}",
                    dedup_key=f"task.extension_decided:{ext.id}",
                    source_type="task.extension_decided",
                    issue=task.id,
                ),
            )
            return {"id": ext.id, "status": ext.status, "task": row(task)}

    return router

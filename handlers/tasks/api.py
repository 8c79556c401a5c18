"""REST API of the tasks module (mounted under /api/tasks behind login).

Routes translate HTTP to the service and the readers and back; refusals are hub.errors domain
errors, answered by the app's handler.
"""

from __future__ import annotations

import asyncio
from datetime import date
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, Response, UploadFile
from pydantic import BaseModel, Field, model_validator

from handlers.tasks import TasksModule, comments, product, queries, service, urging
from handlers.tasks.clock import local_today
from handlers.tasks.dashboard import summarize
from handlers.tasks.models import Task, TaskComment
from handlers.tasks.service import TaskContext, Upload
from handlers.tasks.status import aggregate, status_of
from handlers.tasks.views import (
    AssessmentView,
    DelayCauseView,
    DocumentTasks,
    ExtensionDecided,
    ExtensionRequested,
    ExtensionView,
    HandoverView,
    LeaderDashboard,
    OfficerDashboard,
    ReportAdded,
    Summary,
    TaskDetail,
    TaskView,
    UnitDashboard,
    UrgingCount,
    UrgingView,
    report_view,
    task_view,
)
from handlers.tasks.xlsx import monthly_report
from hub import comments as threads
from hub.auth import CurrentPrincipal
from hub.comments import CommentIn, CommentOut
from hub.files import ATTACHMENTS, read_upload, stored_file, upload_limit
from hub.web import HubDep, Page, Paging, module_of, transaction
from schemas.tasks import UrgingKind

router = APIRouter(prefix="/tasks", tags=["tasks"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _context(request: Request) -> TaskContext:
    return module_of(request, "tasks", TasksModule).ctx


Ctx = Annotated[TaskContext, Depends(_context)]


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
    document_id: str | None = Field(default=None, max_length=120, description="The document it follows")
    product_weight: float = Field(
        default=1, gt=0, le=100, description="Hệ số quy đổi of the product (Decree 335/2025)"
    )

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


class Weight(BaseModel):
    product_weight: float = Field(gt=0, le=100, description="Hệ số quy đổi (Decree 335/2025)")


class DelayReason(BaseModel):
    reason: str = Field(min_length=1, max_length=1000, description="Why the task is late")


class CauseDecision(BaseModel):
    confirm: bool = Field(description="True: an objective cause; False: rejected")
    note: str = Field(default="", max_length=2000)


class Judgement(BaseModel):
    """The product's quality after completion (Decree 335/2025: −25 % per major error not excused)."""

    quality_errors: int = Field(
        ge=0, le=100, description="Major content errors not due to an objective cause"
    )
    quality_errors_excused: int = Field(
        default=0, ge=0, le=100, description="Errors an objective cause excuses"
    )
    excused_reason: str = Field(default="", max_length=2000)
    note: str = Field(default="", max_length=2000)
    confirm_delay_cause: bool | None = Field(
        default=None, description="Decide a pending delay reason with the judgement (None: leave it)"
    )


class Urging(BaseModel):
    kind: UrgingKind = Field(description="reminder (nhắc nhở), criticism (phê bình), self_criticism")
    user_id: str | None = Field(default=None, description="Whom: the officer in charge when not given")
    note: str = Field(default="", max_length=2000)


def _view(ctx: TaskContext, task: Task) -> TaskView:
    return task_view(task, local_today(), ctx.cal, ctx.settings.due_soon_days)


def _summary(ctx: TaskContext, tasks: list[Task]) -> Summary:
    return summarize(tasks, local_today(), ctx.cal, ctx.settings.due_soon_days)


@router.post("", status_code=201)
async def create(request: Request, body: NewTask, principal: CurrentPrincipal, ctx: Ctx) -> TaskView:
    """Create a task directly (leaders; unit heads for their own unit)."""
    deadline = ctx.deadline_from(body.deadline, body.duration_working_days)
    async with transaction(request, "tasks", principal.id) as work:
        await service.check_assigner(work.session, principal, body.assignee_user_id, body.assignee_unit_id)
        task = await service.create_task(
            work,
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
            document_id=body.document_id,
            product_weight=body.product_weight,
        )
        return _view(ctx, task)


@router.get("")
async def list_tasks(
    hub: HubDep,
    principal: CurrentPrincipal,
    ctx: Ctx,
    paging: Paging,
    scope: str = "mine",
    status_code: str | None = None,
) -> Page[TaskView]:
    """Tasks of the caller (mine), of their unit (unit) or assigned by them (assigned), by deadline.

    `status_code` keeps the tasks with that status or flag (e.g. `not_started_overdue`, `due_soon`).
    """
    async with hub.db.session() as s:
        if status_code is None:
            tasks, total = await queries.page_in_scope(
                s, principal, scope, offset=paging.offset, limit=paging.limit
            )
            return Page.of([_view(ctx, t) for t in tasks], total, paging)
        tasks = await queries.all_in_scope(s, principal, scope)
    views = [v for v in (_view(ctx, t) for t in tasks) if v.status.matches(status_code)]
    return Page.whole(views, paging)


@router.get("/dashboard/officer/{user_id}")
async def officer_dashboard(
    hub: HubDep, user_id: str, principal: CurrentPrincipal, ctx: Ctx
) -> OfficerDashboard:
    """Dashboard of one officer's tasks."""
    async with hub.db.session() as s:
        user, tasks = await queries.officer_tasks(s, principal, user_id)
    return OfficerDashboard(officer=user_id, full_name=user.full_name, **dict(_summary(ctx, tasks)))


@router.get("/dashboard/unit/{unit_id}")
async def unit_dashboard(hub: HubDep, unit_id: str, principal: CurrentPrincipal, ctx: Ctx) -> UnitDashboard:
    """Dashboard of one unit's tasks, with workload per officer."""
    async with hub.db.session() as s:
        unit, tasks = await queries.unit_tasks(s, principal, unit_id)
    return UnitDashboard(unit=unit_id, name=unit.name, **dict(_summary(ctx, tasks)))


@router.get("/dashboard/leader/{user_id}")
async def leader_dashboard(
    hub: HubDep, user_id: str, principal: CurrentPrincipal, ctx: Ctx
) -> LeaderDashboard:
    """Dashboard of the tasks a leader assigned."""
    async with hub.db.session() as s:
        tasks = await queries.leader_tasks(s, principal, user_id)
    return LeaderDashboard(leader=user_id, **dict(_summary(ctx, tasks)))


@router.get("/reports/unit/{unit_id}/monthly.xlsx")
async def monthly(
    hub: HubDep, unit_id: str, year: int, month: int, principal: CurrentPrincipal, ctx: Ctx
) -> Response:
    """The unit's monthly report: tasks due or finished in the month, as an XLSX workbook."""
    async with hub.db.session() as s:
        found = await queries.unit_month(s, principal, unit_id, year, month)
    as_of = min(local_today(), found.last)
    data = await asyncio.to_thread(  # a month of a unit's tasks: built off the event loop
        partial(monthly_report, urgings=found.urgings, names=found.names),
        found.unit.name,
        year,
        month,
        found.tasks,
        as_of,
        ctx.cal,
    )
    filename = f"bao-cao-{unit_id}-{year}-{month:02d}.xlsx"
    return Response(
        data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get("/reports/unit/{unit_id}/urgings")
async def urgings(
    hub: HubDep, unit_id: str, year: int, month: int, principal: CurrentPrincipal, paging: Paging
) -> Page[UrgingCount]:
    """Urgings (đôn đốc) of the month on the unit's tasks, counted per person and type."""
    async with hub.db.session() as s:
        rows = await queries.unit_urgings(s, principal, unit_id, year, month)
    return Page.whole(rows, paging)


@router.get("/by-document/{document_id}")
async def by_document(
    hub: HubDep, document_id: str, principal: CurrentPrincipal, ctx: Ctx, paging: Paging
) -> DocumentTasks:
    """A page of the tasks of one document, with the document's own status (worst of its tasks)."""
    async with hub.db.session() as s:
        tasks, visible = await queries.document_tasks(s, principal, document_id)
    today = local_today()
    status = aggregate([status_of(t, today, ctx.cal, ctx.settings.due_soon_days) for t in tasks])
    page = Page.whole([_view(ctx, t) for t in visible], paging)
    return DocumentTasks(document_id=document_id, status=status, **dict(page))


@router.get("/{task_id}")
async def detail(hub: HubDep, task_id: str, principal: CurrentPrincipal, ctx: Ctx) -> TaskDetail:
    """A task with its sub-tasks, progress reports, extension requests and hand-overs."""
    async with hub.db.session() as s:
        rec = await queries.record_of(s, principal, task_id)
        return TaskDetail(
            **dict(_view(ctx, rec.task)),
            description=rec.task.description,
            subtasks=[_view(ctx, t) for t in rec.subtasks],
            reports=[report_view(r) for r in rec.reports],
            extensions=[ExtensionView.of(e) for e in rec.extensions],
            handovers=[HandoverView.of(h) for h in rec.handovers],
            late=product.is_late(rec.task),
            delay_causes=[DelayCauseView.of(c) for c in rec.causes],
            assessments=[AssessmentView.of(a) for a in rec.assessments],
            urgings=[UrgingView.of(u) for u in rec.urgings],
            actions=rec.actions,
        )


@router.get("/{task_id}/comments")
async def thread(hub: HubDep, task_id: str, principal: CurrentPrincipal) -> list[CommentOut]:
    """The task's comment thread, oldest first (404 to who may not see the task)."""
    async with hub.db.session() as s:
        return threads.out(await comments.thread_of(s, principal, task_id))


@router.post("/{task_id}/comments", status_code=201)
async def comment(request: Request, task_id: str, body: CommentIn, principal: CurrentPrincipal) -> CommentOut:
    """Add a comment; the officer, the assigner, the unit's head and the thread's people are told."""
    async with transaction(request, "tasks", principal.id) as work:
        row = await comments.post(work, principal, task_id, body.body)
        return await threads.one(work.session, TaskComment, row.id, principal.id)


@router.post("/{task_id}/subtasks", status_code=201)
async def subtask(
    request: Request, task_id: str, body: NewTask, principal: CurrentPrincipal, ctx: Ctx
) -> TaskView:
    """Split a task: a sub-task with its own owner and a deadline no later than the parent's."""
    async with transaction(request, "tasks", principal.id) as work:
        task = await service.add_subtask(
            work,
            ctx,
            principal,
            task_id,
            title=body.title,
            description=body.description,
            assignee_user_id=body.assignee_user_id,
            unit_id=body.assignee_unit_id,
            deadline=body.deadline,
            working_days=body.duration_working_days,
            priority=body.priority,
            product_weight=body.product_weight,
        )
        return _view(ctx, task)


@router.post("/{task_id}/reports", status_code=201)
async def report(
    request: Request,
    hub: HubDep,
    task_id: str,
    principal: CurrentPrincipal,
    ctx: Ctx,
    text: Annotated[str, Form()] = "",
    progress: Annotated[int, Form(ge=0, le=100)] = 0,
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> ReportAdded:
    """A progress report by the officer in charge, with attachments kept in the Object Store."""
    limit = min(ctx.settings.max_attachment_bytes, upload_limit(hub.settings.max_upload_mb))
    uploads = []
    for f in files or []:
        data, media = await read_upload(f, limit, ATTACHMENTS)
        uploads.append(Upload(f.filename or "tep-dinh-kem", media, data))
    kept = await service.keep_files(hub.claims, uploads, ctx.settings.max_attachment_bytes)
    async with transaction(request, "tasks", principal.id) as work:
        entry, task = await service.add_report(
            work, principal, task_id, text=text, progress=progress, attachments=kept
        )
        return ReportAdded(id=entry.id, task=_view(ctx, task), attachments=len(kept))


@router.get("/{task_id}/reports/{report_id}/attachments/{index}")
async def attachment(
    hub: HubDep, task_id: str, report_id: int, index: int, principal: CurrentPrincipal
) -> Response:
    """Download an attachment of a progress report (content checked against its sha256)."""
    async with hub.db.session() as s:
        claim = await queries.report_file(s, principal, task_id, report_id, index)
    return stored_file(
        await hub.claims.get(claim), f"bao-cao-{report_id}-tep-{index + 1}", declared=claim.media_type
    )


@router.post("/{task_id}/start")
async def start(request: Request, task_id: str, principal: CurrentPrincipal, ctx: Ctx) -> TaskView:
    """The officer starts work on the task."""
    async with transaction(request, "tasks", principal.id) as work:
        return _view(ctx, await service.start(work, principal, task_id))


@router.post("/{task_id}/complete")
async def complete(request: Request, task_id: str, principal: CurrentPrincipal, ctx: Ctx) -> TaskView:
    """Finish the task (officer in charge, assigner or unit head); emits task.completed."""
    async with transaction(request, "tasks", principal.id) as work:
        return _view(ctx, await service.complete(work, principal, task_id))


@router.post("/{task_id}/handover")
async def handover(
    request: Request, task_id: str, body: Handover, principal: CurrentPrincipal, ctx: Ctx
) -> TaskView:
    """Hand the task over to another officer (by the officer in charge, the assigner or unit head)."""
    async with transaction(request, "tasks", principal.id) as work:
        task = await service.hand_over(work, principal, task_id, body.to_user_id, body.note)
        return _view(ctx, task)


@router.post("/{task_id}/extensions", status_code=201)
async def request_extension(
    request: Request, task_id: str, body: ExtensionRequest, principal: CurrentPrincipal, ctx: Ctx
) -> ExtensionRequested:
    """The officer in charge asks the assigner for a later deadline."""
    async with transaction(request, "tasks", principal.id) as work:
        ext = await service.request_extension(
            work,
            ctx,
            principal,
            task_id,
            new_deadline=body.new_deadline,
            extra_working_days=body.extra_working_days,
            reason=body.reason,
        )
        return ExtensionRequested(id=ext.id, status=ext.status, new_deadline=ext.new_deadline)


@router.post("/{task_id}/extensions/{ext_id}/decision")
async def decide_extension(
    request: Request, task_id: str, ext_id: int, body: Decision, principal: CurrentPrincipal, ctx: Ctx
) -> ExtensionDecided:
    """The assigner approves (the deadline moves, reminders are re-planned) or refuses."""
    async with transaction(request, "tasks", principal.id) as work:
        ext, task = await service.decide_extension(
            work, ctx, principal, task_id, ext_id, approve=body.approve, note=body.note
        )
        return ExtensionDecided(id=ext.id, status=ext.status, task=_view(ctx, task))


@router.put("/{task_id}/weight")
async def set_weight(
    request: Request, task_id: str, body: Weight, principal: CurrentPrincipal, ctx: Ctx
) -> TaskView:
    """The assigner sets the product's hệ số quy đổi while the task is open (task.updated)."""
    async with transaction(request, "tasks", principal.id) as work:
        return _view(ctx, await product.set_weight(work, principal, task_id, body.product_weight))


@router.post("/{task_id}/delay-cause", status_code=201)
async def give_delay_cause(
    request: Request, task_id: str, body: DelayReason, principal: CurrentPrincipal
) -> DelayCauseView:
    """The officer whose product it is says why the late task is late."""
    async with transaction(request, "tasks", principal.id) as work:
        return DelayCauseView.of(await product.give_delay_cause(work, principal, task_id, body.reason))


@router.post("/{task_id}/delay-cause/decision")
async def decide_delay_cause(
    request: Request, task_id: str, body: CauseDecision, principal: CurrentPrincipal
) -> DelayCauseView:
    """The assigner or unit head confirms the reason as an objective cause, or rejects it."""
    async with transaction(request, "tasks", principal.id) as work:
        row = await product.decide_delay_cause(work, principal, task_id, confirm=body.confirm, note=body.note)
        return DelayCauseView.of(row)


@router.post("/{task_id}/assessment", status_code=201)
async def assess(
    request: Request, task_id: str, body: Judgement, principal: CurrentPrincipal
) -> AssessmentView:
    """The assigner or unit head judges the finished product (task.product_assessed)."""
    async with transaction(request, "tasks", principal.id) as work:
        row = await product.assess(
            work,
            principal,
            task_id,
            quality_errors=body.quality_errors,
            quality_errors_excused=body.quality_errors_excused,
            excused_reason=body.excused_reason,
            note=body.note,
            confirm_delay_cause=body.confirm_delay_cause,
        )
        return AssessmentView.of(row)


@router.post("/{task_id}/urgings", status_code=201)
async def urge(request: Request, task_id: str, body: Urging, principal: CurrentPrincipal) -> UrgingView:
    """Urge the officer in charge (or the unit's head): a reminder, a criticism or a self-criticism asked."""
    async with transaction(request, "tasks", principal.id) as work:
        row = await urging.urge(
            work, principal, task_id, kind=body.kind, user_id=body.user_id, note=body.note
        )
        return UrgingView.of(row)

"""What the tasks API answers: pydantic models of a task, its status and its history, built from rows."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from handlers.tasks.clock import aware
from handlers.tasks.models import (
    Task,
    TaskAssessment,
    TaskDelayCause,
    TaskExtension,
    TaskHandover,
    TaskReport,
    TaskUrging,
)
from handlers.tasks.status import LABELS, DocumentStatus, TaskStatus, status_of
from hub.web import Page
from kit.workcal import WorkingCalendar
from schemas.tasks import URGING_LABELS

CAUSE_LABELS = {
    "pending": "Chờ xác nhận",
    "confirmed": "Đã xác nhận là nguyên nhân khách quan",
    "rejected": "Không được chấp nhận",
}


class StatusFlag(BaseModel):
    """A flag on a task's status: 'due_today' or 'due_soon', with its label."""

    code: str
    label: str


class StatusView(BaseModel):
    """Where a task stands today: one of the six state x timeliness codes, plus its flags."""

    code: str
    label: str
    overdue: bool
    due_today: bool
    due_soon: bool
    working_days_left: int
    flags: list[StatusFlag]

    @classmethod
    def of(cls, st: TaskStatus) -> StatusView:
        return cls(
            code=st.code,
            label=st.label,
            overdue=st.overdue,
            due_today=st.due_today,
            due_soon=st.due_soon,
            working_days_left=st.working_days_left,
            flags=[StatusFlag(code=f, label=LABELS[f]) for f in st.flags],
        )

    def matches(self, code: str) -> bool:
        """Whether the status is `code`, or carries it as a flag."""
        return self.code == code or any(f.code == code for f in self.flags)


class TaskView(BaseModel):
    """A task as lists and answers show it, with its status as of today."""

    id: str
    title: str
    assignee_user_id: str | None
    unit_id: str | None
    assigner: str
    deadline: date
    original_deadline: date
    priority: str
    source: str
    external_ref: str | None
    document_id: str | None
    role: str
    parent_id: str | None
    state: str
    progress: int
    completed_by: str | None
    on_time: bool | None
    product_weight: float = Field(description="Hệ số quy đổi of the task's product (Decree 335/2025)")
    status: StatusView


def task_view(task: Task, today: date, cal: WorkingCalendar, due_soon_days: int = 3) -> TaskView:
    """A task with its status as of `today` (a local date)."""
    return TaskView(
        id=task.id,
        title=task.title,
        assignee_user_id=task.assignee_user_id,
        unit_id=task.unit_id,
        assigner=task.assigner,
        deadline=task.deadline,
        original_deadline=task.original_deadline,
        priority=task.priority,
        source=task.source,
        external_ref=task.external_ref,
        document_id=task.document_id,
        role=task.role,
        parent_id=task.parent_id,
        state=task.state,
        progress=task.progress,
        completed_by=task.completed_by,
        on_time=task.on_time,
        product_weight=task.product_weight,
        status=StatusView.of(status_of(task, today, cal, due_soon_days)),
    )


class OverdueTask(TaskView):
    """A task of a dashboard's overdue list, with how many working days it is late."""

    working_days_overdue: int


class Workload(BaseModel):
    """Open tasks of one owner (an officer, or `unit:<id>` for a unit's undispatched tasks)."""

    owner: str
    open_tasks: int


class Summary(BaseModel):
    """A dashboard: counts by status, on-time rate of finished tasks, overdue list, open workload."""

    as_of: date
    total: int
    open: int
    done: int
    counts: dict[str, int]
    labels: dict[str, str]
    on_time_rate: float | None
    overdue: list[OverdueTask]
    workload: list[Workload]


class OfficerDashboard(Summary):
    officer: str
    full_name: str


class UnitDashboard(Summary):
    unit: str
    name: str


class LeaderDashboard(Summary):
    leader: str


class DocumentTasks(Page[TaskView]):
    """A page of the tasks of one document that the caller may see, and the document's status.

    The status is the worst of all the document's tasks, seen or not.
    """

    document_id: str
    status: DocumentStatus


class AttachmentView(BaseModel):
    index: int
    name: str
    size: int


class ReportView(BaseModel):
    """A progress report; its files are downloaded by index."""

    id: int
    author: str
    text: str
    progress: int
    attachments: list[AttachmentView]
    created_at: datetime


def report_view(r: TaskReport) -> ReportView:
    files = [
        AttachmentView(index=i, name=a["name"], size=a["claim"]["size"]) for i, a in enumerate(r.attachments)
    ]
    return ReportView(
        id=r.id,
        author=r.author,
        text=r.text,
        progress=r.progress,
        attachments=files,
        created_at=aware(r.created_at),
    )


class ExtensionView(BaseModel):
    id: int
    requested_by: str
    current_deadline: date
    new_deadline: date
    reason: str
    status: str
    decided_by: str | None

    @classmethod
    def of(cls, e: TaskExtension) -> ExtensionView:
        return cls(
            id=e.id,
            requested_by=e.requested_by,
            current_deadline=e.current_deadline,
            new_deadline=e.new_deadline,
            reason=e.reason,
            status=e.status,
            decided_by=e.decided_by,
        )


class HandoverView(BaseModel):
    """A hand-over: from whom (None: the unit), to whom, by whom."""

    model_config = ConfigDict(populate_by_name=True)

    from_user: str | None = Field(alias="from")
    to: str
    by: str
    note: str

    @classmethod
    def of(cls, h: TaskHandover) -> HandoverView:
        return cls(from_user=h.from_user_id, to=h.to_user_id, by=h.by_user_id, note=h.note)


class DelayCauseView(BaseModel):
    """A reason given for a delay and what the assigner or unit head decided."""

    id: int
    reason: str
    given_by: str
    given_at: datetime
    status: str = Field(description="pending, confirmed or rejected")
    status_label: str
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str

    @classmethod
    def of(cls, c: TaskDelayCause) -> DelayCauseView:
        return cls(
            id=c.id,
            reason=c.reason,
            given_by=c.given_by,
            given_at=aware(c.given_at),
            status=c.status,
            status_label=CAUSE_LABELS.get(c.status, c.status),
            decided_by=c.decided_by,
            decided_at=aware(c.decided_at) if c.decided_at else None,
            decision_note=c.decision_note,
        )


class AssessmentView(BaseModel):
    """A judgement of the task's product: major content errors, those an objective cause excuses."""

    id: int
    quality_errors: int
    quality_errors_excused: int
    excused_reason: str
    note: str
    assessed_by: str
    assessed_at: datetime

    @classmethod
    def of(cls, a: TaskAssessment) -> AssessmentView:
        return cls(
            id=a.id,
            quality_errors=a.quality_errors,
            quality_errors_excused=a.quality_errors_excused,
            excused_reason=a.excused_reason,
            note=a.note,
            assessed_by=a.assessed_by,
            assessed_at=aware(a.assessed_at),
        )


class UrgingView(BaseModel):
    """An urging (đôn đốc) of a person about the task."""

    id: int
    kind: str = Field(description="reminder, criticism or self_criticism")
    kind_label: str
    user_id: str
    by_user_id: str
    note: str
    created_at: datetime

    @classmethod
    def of(cls, u: TaskUrging) -> UrgingView:
        return cls(
            id=u.id,
            kind=u.kind,
            kind_label=URGING_LABELS.get(u.kind, u.kind),
            user_id=u.user_id,
            by_user_id=u.by_user_id,
            note=u.note,
            created_at=aware(u.created_at),
        )


class TaskActions(BaseModel):
    """What the caller may do to the task now (the service decides again on every call)."""

    start: bool = False
    report: bool = False
    complete: bool = False
    set_weight: bool = False
    give_delay_reason: bool = False
    decide_delay_reason: bool = Field(default=False, description="Confirm or reject a pending reason now")
    decide_delay_reason_in_judgement: bool = Field(
        default=False, description="A pending reason of a finished task is decided with the judgement"
    )
    judge: bool = False
    urge: bool = False
    urge_targets: list[str] = Field(default_factory=list, description="Whom the caller may urge")


class TaskDetail(TaskView):
    """A task with its description, sub-tasks, reports, extensions, hand-overs and its product's record."""

    description: str
    subtasks: list[TaskView]
    reports: list[ReportView]
    extensions: list[ExtensionView]
    handovers: list[HandoverView]
    late: bool = Field(description="Done after its deadline, or open past it")
    delay_causes: list[DelayCauseView]
    assessments: list[AssessmentView] = Field(description="Judgements of the product, latest first")
    urgings: list[UrgingView] = Field(description="Urgings, latest first")
    actions: TaskActions


class UrgingCount(BaseModel):
    """How many times a person was urged in a period, by type (Decree 30 Appendix VI I.III.1.l–m)."""

    user_id: str
    full_name: str
    reminder: int = 0
    criticism: int = 0
    self_criticism: int = 0
    total: int = 0


class ReportAdded(BaseModel):
    id: int
    task: TaskView
    attachments: int = Field(description="Files kept with the report")


class ExtensionRequested(BaseModel):
    id: int
    status: str
    new_deadline: date


class ExtensionDecided(BaseModel):
    id: int
    status: str
    task: TaskView

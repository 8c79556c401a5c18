"""Work tracking messages: create a task, and the facts of its life (created, completed, overdue...)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from schemas.registry import message_type

PRIORITY_LABELS = ("Thường", "Khẩn", "Thượng khẩn", "Hỏa tốc", "Hỏa tốc hẹn giờ")
ReminderKind = Literal["before", "on_day", "overdue", "escalate"]
TaskChange = Literal["dispatched", "handed_over", "product_weight", "deadline"]
UrgingKind = Literal["reminder", "criticism", "self_criticism"]
URGING_LABELS: dict[str, str] = {
    "reminder": "Nhắc nhở",
    "criticism": "Phê bình",
    "self_criticism": "Tự phê bình",
}


@message_type("task.create_requested", "lt.task.cmd.create")
class TaskCreateRequested(BaseModel):
    """Create a task for an officer or a unit (a leader's instruction, a meeting conclusion, a dossier)."""

    title: str = Field(min_length=1, max_length=500)
    description: str = Field(default="", max_length=10000)
    assignee_user_id: str | None = Field(default=None, description="Officer who does the work")
    assignee_unit_id: str | None = Field(
        default=None, description="Unit in charge (its head dispatches when no officer is named)"
    )
    assigner: str = Field(min_length=1, description="User id of the leader who assigns")
    deadline: date | None = Field(default=None, description="Due date (inclusive)")
    duration_working_days: int | None = Field(
        default=None, ge=1, le=365, description="Due this many working days after today"
    )
    source: str = Field(default="direct", description="intake, meeting, complaints, document, direct ...")
    external_ref: str | None = Field(default=None, description="Id in the source module (dossier, meeting)")
    issue: str | None = None
    priority: str = Field(default="Thường", description="Priority label: Thường, Khẩn, Thượng khẩn, Hỏa tốc")
    parent_task_id: str | None = None
    product_weight: float | None = Field(
        default=None, gt=0, le=100, description="Hệ số quy đổi of the product (Decree 335/2025); None: 1"
    )
    document_id: str | None = Field(
        default=None, description="The document the task follows (documents module id), if any"
    )

    @model_validator(mode="after")
    def _who_and_when(self) -> TaskCreateRequested:
        if not self.assignee_user_id and not self.assignee_unit_id:
            raise ValueError("a task needs assignee_user_id or assignee_unit_id")
        if self.deadline is None and self.duration_working_days is None:
            raise ValueError("a task needs a deadline or duration_working_days")
        return self


class TaskFacts(BaseModel):
    """What every task event says about the task."""

    task_id: str
    title: str
    officer_id: str | None = Field(default=None, description="Officer in charge, if dispatched")
    unit_id: str | None = None
    assigner: str
    deadline: date
    priority: str = "Thường"
    source: str = "direct"
    external_ref: str | None = None
    parent_task_id: str | None = None
    document_id: str | None = Field(
        default=None, description="The document the task follows (documents module id), if any"
    )
    product_weight: float | None = Field(
        default=None,
        gt=0,
        le=100,
        description=(
            "Hệ số quy đổi: how many standard products this task counts for (Decree 335/2025); "
            "None: not set, evaluation counts it as 1"
        ),
    )


class ObjectiveCause(BaseModel):
    """A cause outside the officer's control, confirmed by the competent person (Decree 335/2025)."""

    reason: str = Field(min_length=1, max_length=1000)
    confirmed_by: str = Field(min_length=1, description="User id of the person who confirmed it")


class ProductQuality(BaseModel):
    """How a task's product was judged on acceptance: major content errors and an excused delay."""

    quality_errors: int | None = Field(
        default=None,
        ge=0,
        description="Major content errors (lỗi lớn về nội dung) not of an objective cause; None: unjudged",
    )
    quality_errors_excused: int = Field(
        default=0,
        ge=0,
        description="Major errors due to an objective cause confirmed by the competent person",
    )
    delay_cause: ObjectiveCause | None = Field(
        default=None, description="Why a late completion is not the officer's fault; None: no objective cause"
    )


@message_type("task.created", "lt.task.evt.created")
class TaskCreated(TaskFacts):
    """A task was created."""


@message_type("task.completed", "lt.task.evt.completed")
class TaskCompleted(ProductQuality, TaskFacts):
    """A task was done; on_time says whether it was done by its deadline."""

    completed_at: AwareDatetime
    on_time: bool


@message_type("task.product_assessed", "lt.task.evt.product_assessed")
class TaskProductAssessed(ProductQuality, TaskFacts):
    """The assigner judged a task's product (errors, objective cause of a delay); the latest counts."""

    quality_errors: int = Field(ge=0, description="Major content errors not due to an objective cause")
    assessed_by: str
    assessed_at: AwareDatetime


@message_type("task.updated", "lt.task.evt.updated")
class TaskUpdated(TaskFacts):
    """A task's facts changed: dispatched or handed over to an officer, a new weight or deadline."""

    change: TaskChange = Field(
        description=(
            "dispatched: a unit's task given to an officer; handed_over: from one officer to another; "
            "product_weight, deadline: set anew (the facts carry the new values)"
        )
    )
    previous_officer_id: str | None = Field(default=None, description="Officer in charge before the change")
    updated_by: str
    updated_at: AwareDatetime


@message_type("task.urged", "lt.task.evt.urged")
class TaskUrged(TaskFacts):
    """Someone answering for a task was urged (đôn đốc): a reminder, a criticism or a self-criticism asked."""

    kind: UrgingKind = Field(
        description="reminder (nhắc nhở), criticism (phê bình), self_criticism (tự phê bình)"
    )
    urged_user_id: str = Field(description="The person urged: the officer in charge or the unit's head")
    urged_by: str
    note: str = ""
    urged_at: AwareDatetime


@message_type("task.overdue", "lt.task.evt.overdue")
class TaskOverdue(TaskFacts):
    """A task passed its deadline without being done."""

    days_overdue: int = Field(ge=0, description="Working days past the deadline")


@message_type("task.escalated", "lt.task.evt.escalated")
class TaskEscalated(TaskFacts):
    """An overdue task was escalated to the unit head and the assigning leader."""

    days_overdue: int = Field(ge=0)
    escalate_to: list[str] = Field(description="User ids told: unit head, assigning leader")


@message_type("task.reminder_due", "lt.task.evt.reminder_due")
class TaskReminderDue(BaseModel):
    """A scheduled reminder for a task fell due (fired by JetStream message scheduling)."""

    task_id: str
    kind: ReminderKind
    deadline: date = Field(description="The deadline the reminder was scheduled against")
    fire_at: datetime
    sequence: int = Field(default=0, description="Repeat number for overdue reminders")

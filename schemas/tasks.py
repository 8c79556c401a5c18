"""Work tracking messages: create a task, and the facts of its life (created, completed, overdue...)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from schemas.registry import message_type

PRIORITY_LABELS = ("Thường", "Khẩn", "Thượng khẩn", "Hỏa tốc", "Hỏa tốc hẹn giờ")
ReminderKind = Literal["before", "on_day", "overdue", "escalate"]


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


@message_type("task.created", "lt.task.evt.created")
class TaskCreated(TaskFacts):
    """A task was created."""


@message_type("task.completed", "lt.task.evt.completed")
class TaskCompleted(TaskFacts):
    """A task was done; on_time says whether it was done by its deadline."""

    completed_at: AwareDatetime
    on_time: bool


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

"""Settings of the tasks module, from the environment (`LIENTHONG_TASKS_*`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class TasksSettings(BaseSettings):
    """When reminders go out, when an overdue task is escalated, how large a report's file may be."""

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_TASKS_", extra="ignore")

    remind_days_before: list[int] = Field(default=[3, 1], description="Working days before the deadline")
    remind_hour: int = Field(default=8, ge=0, le=23, description="Local hour reminders go out")
    overdue_every_days: int = Field(default=1, ge=1, description="Repeat while overdue, in working days")
    overdue_max_repeats: int = Field(default=30, ge=1)
    escalate_after_days: int = Field(default=2, ge=0, description="Working days overdue before escalation")
    due_soon_days: int = Field(default=3, ge=1, description="'Sắp đến hạn' within this many working days")
    default_deadline_days: int = Field(default=10, ge=1, description="Deadline of a document without one")
    max_attachment_mb: int = Field(default=50, ge=1, description="Largest file of a progress report, in MB")

    @property
    def max_attachment_bytes(self) -> int:
        return self.max_attachment_mb * 1024 * 1024

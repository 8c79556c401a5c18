"""Reminder and escalation policy of the tasks module, configurable by environment (LIENTHONG_TASKS_*)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

LOCAL_TZ = timezone(timedelta(hours=7), "ICT")  # Hà Nội: UTC+7, no daylight saving


class TaskPolicy(BaseSettings):
    """When reminders go out and when an overdue task is escalated."""

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_TASKS_", extra="ignore")

    remind_days_before: list[int] = Field(default=[3, 1], description="Working days before the deadline")
    remind_hour: int = Field(default=8, ge=0, le=23, description="Local hour reminders go out")
    overdue_every_days: int = Field(default=1, ge=1, description="Repeat while overdue, in working days")
    overdue_max_repeats: int = Field(default=30, ge=1)
    escalate_after_days: int = Field(default=2, ge=0, description="Working days overdue before escalation")
    due_soon_days: int = Field(default=3, ge=1, description="'Sắp đến hạn' within this many working days")
    default_deadline_days: int = Field(default=10, ge=1, description="Deadline of a document without one")


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes: they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local_date(moment: datetime) -> date:
    """The Hà Nội calendar date of a moment."""
    return aware(moment).astimezone(LOCAL_TZ).date()


def local_today() -> date:
    return datetime.now(LOCAL_TZ).date()


def local_time(day: date, hour: int) -> datetime:
    """A local wall-clock hour on a day, as an aware UTC datetime."""
    return datetime.combine(day, time(hour), LOCAL_TZ).astimezone(UTC)

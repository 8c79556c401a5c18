"""Hà Nội wall-clock time of the tasks module: deadlines are local dates, reminders local hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

LOCAL_TZ = timezone(timedelta(hours=7), "ICT")  # Hà Nội: UTC+7, no daylight saving


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes: they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local_date(moment: datetime) -> date:
    """The Hà Nội calendar date of a moment."""
    return aware(moment).astimezone(LOCAL_TZ).date()


def local_today() -> date:
    """Today's date in Hà Nội."""
    return datetime.now(LOCAL_TZ).date()


def local_time(day: date, hour: int) -> datetime:
    """A local wall-clock hour on a day, as an aware UTC datetime."""
    return datetime.combine(day, time(hour), LOCAL_TZ).astimezone(UTC)

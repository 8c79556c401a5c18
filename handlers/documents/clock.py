"""The clock of the documents service: moments in UTC, calendar dates in Vietnam."""

from __future__ import annotations

from datetime import UTC, date, datetime

from schemas.edxml.codes import VN_TZ


def now() -> datetime:
    """This moment (UTC)."""
    return datetime.now(UTC)


def today() -> date:
    """Today in Vietnam."""
    return datetime.now(VN_TZ).date()


def local_date(moment: datetime) -> date:
    """The Vietnamese calendar date of a moment (a naive moment is taken as UTC)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(VN_TZ).date()

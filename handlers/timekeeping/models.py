"""Timekeeping tables: punches, enrolment codes, shift rules, leave requests, corrections, closed months."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base


class Punch(Base):
    """One check-in or check-out, whatever its source."""

    __tablename__ = "tk_punches"
    __table_args__ = (Index("ix_tk_punches_user_at", "user_id", "at"),)

    punch_id: Mapped[str] = mapped_column(String(160), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    direction: Mapped[str] = mapped_column(String(10), default="unknown")
    source: Mapped[str] = mapped_column(String(10), default="device")
    device_id: Mapped[str | None] = mapped_column(String(80))


class Enrolment(Base):
    """A device enrolment code (the number typed or stored on the device) mapped to a staff account."""

    __tablename__ = "tk_enrolments"

    code: Mapped[str] = mapped_column(String(80), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(40))


class ShiftRule(Base):
    """The shift of a unit ('*' for the default): hours, grace periods, half-day and absent thresholds."""

    __tablename__ = "tk_shift_rules"

    unit_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    rule: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Leave(Base):
    """A leave request: annual, sick or business trip, approved or rejected by the unit head."""

    __tablename__ = "tk_leaves"
    __table_args__ = (Index("ix_tk_leaves_user_start", "user_id", "start"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(40))
    unit_id: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    half: Mapped[str | None] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="pending")
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(40))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str] = mapped_column(Text, default="")


class Correction(Base):
    """A day's symbol set by hand with a reason (the audit record is written alongside)."""

    __tablename__ = "tk_corrections"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(40))
    day: Mapped[date] = mapped_column(Date)
    symbol: Mapped[str] = mapped_column(String(4))
    reason: Mapped[str] = mapped_column(Text)
    corrected_by: Mapped[str] = mapped_column(String(40))
    corrected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ClosedMonth(Base):
    """A unit's month that was closed and reported on the bus."""

    __tablename__ = "tk_closed_months"

    unit_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    closed_by: Mapped[str] = mapped_column(String(40))
    closed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

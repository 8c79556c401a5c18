"""Evaluation tables: evidence fed from the bus (tasks, attendance), cycles, assessments, quota rules."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base


class TaskEvidence(Base):
    """A task fact from work tracking: completed (on time or late) or overdue."""

    __tablename__ = "ev_task_evidence"

    task_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), primary_key=True)  # completed | overdue
    user_id: Mapped[str] = mapped_column(String(40), index=True)
    unit_id: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(500))
    deadline: Mapped[date] = mapped_column(Date, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    days_overdue: Mapped[int] = mapped_column(Integer, default=0)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AttendanceEvidence(Base):
    """A person's closed month from timekeeping."""

    __tablename__ = "ev_attendance"

    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(40))
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)


class Cycle(Base):
    """An evaluation cycle: a year, a quarter or a month, for some or all units."""

    __tablename__ = "ev_cycles"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(8))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    unit_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(40))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Assessment(Base):
    """One person in one cycle: self-assessment, the unit head's review, the director's decision."""

    __tablename__ = "ev_assessments"

    cycle_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    unit_id: Mapped[str | None] = mapped_column(String(40))
    is_manager: Mapped[bool] = mapped_column(Boolean, default=False)
    self_level: Mapped[str | None] = mapped_column(String(20))
    self_summary: Mapped[str] = mapped_column(Text, default="")
    self_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    suggested_level: Mapped[str | None] = mapped_column(String(20))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    review_level: Mapped[str | None] = mapped_column(String(20))
    review_comment: Mapped[str] = mapped_column(Text, default="")
    reviewer_id: Mapped[str | None] = mapped_column(String(40))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    final_level: Mapped[str | None] = mapped_column(String(20))


class QuotaRule(Base):
    """The share of 'excellent' a unit may give ('*' for the default)."""

    __tablename__ = "ev_quota_rules"

    unit_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    max_excellent_share: Mapped[float] = mapped_column(Float)
    basis: Mapped[str] = mapped_column(String(20), default="good_or_better")
    updated_by: Mapped[str] = mapped_column(String(40))


class UnitCycles(Base):
    """Which shorter cycles a unit evaluates by (every unit has the yearly one)."""

    __tablename__ = "ev_unit_cycles"

    unit_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_by: Mapped[str] = mapped_column(String(40))

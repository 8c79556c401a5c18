"""Evaluation tables: evidence fed from the bus (tasks, attendance), cycles, assessments, quota rules.

Civil servants are scored per Decree 335/2025 (general and task points on the assessment, each unit's
confirmation in `ev_period_units`); public employees keep the levels of Decree 90/2020 (`ev_staff`
says who is which).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base


class TaskEvidence(Base):
    """A task fact from work tracking: created, completed (on time or late), overdue, or assessed."""

    __tablename__ = "ev_task_evidence"

    task_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    kind: Mapped[str] = mapped_column(
        String(12), primary_key=True
    )  # created | completed | overdue | assessed
    user_id: Mapped[str] = mapped_column(String(40), index=True)
    unit_id: Mapped[str | None] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(500))
    deadline: Mapped[date] = mapped_column(Date, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    days_overdue: Mapped[int] = mapped_column(Integer, default=0)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    product_weight: Mapped[float | None] = mapped_column(Float)  # hệ số quy đổi; None: not set
    quality_errors: Mapped[int | None] = mapped_column(Integer)  # None: quality not assessed
    quality_errors_excused: Mapped[int] = mapped_column(Integer, default=0)
    delay_cause: Mapped[str | None] = mapped_column(Text)  # objective cause of a delay, as confirmed
    delay_confirmed_by: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str | None] = mapped_column(String(40))
    external_ref: Mapped[str | None] = mapped_column(String(120))
    document_id: Mapped[str | None] = mapped_column(String(80))


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
    scheme: Mapped[str] = mapped_column(String(8), default="nd335")  # nd335 (công chức) | nd90 (viên chức)
    general_self: Mapped[float | None] = mapped_column(Float)  # the person's own general points (0-30)
    general_points: Mapped[float | None] = mapped_column(Float)  # the reviewer's general points (0-30)
    general_note: Mapped[str] = mapped_column(Text, default="")
    task_points_entered: Mapped[float | None] = mapped_column(Float)  # reviewer's task points, with a reason
    task_note: Mapped[str] = mapped_column(Text, default="")
    disqualified: Mapped[str | None] = mapped_column(String(20))  # why "not completed" whatever the score
    scored_by: Mapped[str | None] = mapped_column(String(40))
    total_points: Mapped[float | None] = mapped_column(Float)  # frozen on confirmation
    scored_level: Mapped[str | None] = mapped_column(String(20))  # the band of the score, before the cap
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PeriodUnit(Base):
    """A unit in a cycle: who opened it, and the unit head's confirmation with the cap applied."""

    __tablename__ = "ev_period_units"

    cycle_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    unit_id: Mapped[str] = mapped_column(String(40), primary_key=True)  # or MANAGERS, the unit heads' group
    opened_by: Mapped[str] = mapped_column(String(40))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmed_by: Mapped[str | None] = mapped_column(String(40))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cap: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Staff(Base):
    """Whether a person is a civil servant (công chức, Decree 335) or a public employee (viên chức)."""

    __tablename__ = "ev_staff"

    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # cong_chuc | vien_chuc
    updated_by: Mapped[str] = mapped_column(String(40))


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

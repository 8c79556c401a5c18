"""Tables of the tasks module: tasks, reports, extensions, hand-overs, delay causes, judgements, urgings,
comment threads."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.comments import CommentColumns
from hub.db import Base

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
DONE = "done"

PENDING = "pending"
CONFIRMED = "confirmed"
REJECTED = "rejected"


class Task(Base):
    """A piece of work with an owner (officer or unit), an assigner and a deadline."""

    __tablename__ = "task_tasks"
    __table_args__ = (
        Index("ix_task_tasks_assignee", "assignee_user_id", "state"),
        Index("ix_task_tasks_unit", "unit_id", "state"),
        # one top-level task per document and unit, whichever of the document events comes first
        Index(
            "uq_task_tasks_document_unit",
            "document_id",
            "unit_id",
            unique=True,
            sqlite_where=text("parent_id IS NULL AND document_id IS NOT NULL"),
            postgresql_where=text("parent_id IS NULL AND document_id IS NOT NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    assignee_user_id: Mapped[str | None] = mapped_column(String(40))
    unit_id: Mapped[str | None] = mapped_column(String(40))
    assigner: Mapped[str] = mapped_column(String(40), index=True)
    deadline: Mapped[date] = mapped_column(Date)
    original_deadline: Mapped[date] = mapped_column(Date)
    priority: Mapped[str] = mapped_column(String(40), default="Thường")
    source: Mapped[str] = mapped_column(String(40), default="direct")
    external_ref: Mapped[str | None] = mapped_column(String(120))
    document_id: Mapped[str | None] = mapped_column(String(120), index=True)
    role: Mapped[str] = mapped_column(String(20), default="main")  # main, lead, coordinate
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("task_tasks.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=NOT_STARTED)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_by: Mapped[str | None] = mapped_column(String(40))
    on_time: Mapped[bool | None] = mapped_column()
    overdue_notified: Mapped[bool] = mapped_column(default=False)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # hệ số quy đổi of the task's product (Decree 335/2025), set by the assigner
    product_weight: Mapped[float] = mapped_column(Float, default=1.0, server_default="1")


class TaskReport(Base):
    """A progress report, with attachments kept in the Object Store (claim checks)."""

    __tablename__ = "task_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("task_tasks.id"), index=True)
    author: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text, default="")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TaskExtension(Base):
    """A request to move a deadline, decided by the assigner."""

    __tablename__ = "task_extensions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("task_tasks.id"), index=True)
    requested_by: Mapped[str] = mapped_column(String(40))
    current_deadline: Mapped[date] = mapped_column(Date)
    new_deadline: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending, approved, rejected
    decided_by: Mapped[str | None] = mapped_column(String(40))
    decision_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TaskHandover(Base):
    """A task passed from one officer to another (bàn giao)."""

    __tablename__ = "task_handovers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("task_tasks.id"), index=True)
    from_user_id: Mapped[str | None] = mapped_column(String(40))
    to_user_id: Mapped[str] = mapped_column(String(40))
    by_user_id: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TaskDelayCause(Base):
    """Why a late task is late, given by its officer; the assigner or unit head confirms or rejects it.

    A confirmed cause is objective (nguyên nhân khách quan, Decree 335/2025): the delay costs no points.
    """

    __tablename__ = "task_delay_causes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("task_tasks.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    given_by: Mapped[str] = mapped_column(String(40))
    given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), default=PENDING)  # pending, confirmed, rejected
    decided_by: Mapped[str | None] = mapped_column(String(40))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str] = mapped_column(Text, default="")


class TaskAssessment(Base):
    """The assigner's (or unit head's) judgement of a finished task's product; the latest counts."""

    __tablename__ = "task_assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("task_tasks.id"), index=True)
    quality_errors: Mapped[int] = mapped_column(Integer)  # major content errors, not excused
    quality_errors_excused: Mapped[int] = mapped_column(Integer, default=0)
    excused_reason: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    assessed_by: Mapped[str] = mapped_column(String(40))
    assessed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TaskUrging(Base):
    """An urging (đôn đốc) of a person about a task: reminder, criticism or self-criticism."""

    __tablename__ = "task_urgings"
    __table_args__ = (Index("ix_task_urgings_unit_time", "unit_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("task_tasks.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # reminder, criticism, self_criticism
    user_id: Mapped[str] = mapped_column(String(40), index=True)  # the person urged
    unit_id: Mapped[str | None] = mapped_column(String(40))  # the task's unit at the time
    by_user_id: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TaskComment(CommentColumns, Base):
    """One comment in a task's thread (trao đổi): whoever may see the task may write."""

    __tablename__ = "task_comments"
    __table_args__ = (Index("ix_task_comments_task_created", "task_id", "created_at"),)

    task_id: Mapped[str] = mapped_column(ForeignKey("task_tasks.id"))

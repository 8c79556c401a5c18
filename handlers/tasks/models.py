"""Tables of the tasks module: tasks, progress reports, extension requests, hand-overs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
DONE = "done"


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

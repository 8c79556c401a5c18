"""Meeting schedule tables: rooms, meetings, the leave the schedule knows of, publications."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base


class Room(Base):
    """A meeting room of the department."""

    __tablename__ = "mtg_rooms"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer, default=0)
    location: Mapped[str] = mapped_column(String(300), default="")


class Meeting(Base):
    """A meeting or event of the weekly schedule, from registration to publication."""

    __tablename__ = "mtg_meetings"
    __table_args__ = (
        Index("ix_mtg_meetings_week", "week_start"),
        Index("ix_mtg_meetings_starts", "starts_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    week_start: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(500))
    chair_id: Mapped[str] = mapped_column(String(40))
    participant_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    unit_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    room_id: Mapped[str | None] = mapped_column(String(40))
    place: Mapped[str] = mapped_column(String(300), default="")
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    preparation: Mapped[str] = mapped_column(Text, default="")
    registered_by: Mapped[str] = mapped_column(String(40))
    unit_id: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default="registered")
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    review_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[str | None] = mapped_column(String(40))
    published_version: Mapped[int] = mapped_column(Integer, default=0)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class KnownLeave(Base):
    """Approved leave, learnt from timekeeping's leave.approved events."""

    __tablename__ = "mtg_leaves"

    leave_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    half: Mapped[str | None] = mapped_column(String(10))


class Publication(Base):
    """A published version of a week's schedule, or a change published after it."""

    __tablename__ = "mtg_publications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    week_start: Mapped[date] = mapped_column(Date, index=True)
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))  # week | change
    published_by: Mapped[str] = mapped_column(String(40))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class FeedToken(Base):
    """A person's calendar subscription: the hash of the secret in their personal iCal address (a
    calendar app cannot log in, so the address itself is the key; a new one replaces the old)."""

    __tablename__ = "mtg_feed_tokens"

    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

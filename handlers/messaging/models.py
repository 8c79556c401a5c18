"""Tables of internal messaging: messages, per-recipient read state, groups."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base


class Message(Base):
    """A message: direct, unit or group broadcast, or a notice from the leadership."""

    __tablename__ = "msg_messages"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # direct, unit, group, notice
    sender: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    unit_id: Mapped[str | None] = mapped_column(String(40))
    group_id: Mapped[str | None] = mapped_column(String(40))
    requires_receipt: Mapped[bool] = mapped_column(Boolean, default=False)
    cites_document_id: Mapped[str | None] = mapped_column(String(120), index=True)
    cites_task_id: Mapped[str | None] = mapped_column(String(40), index=True)
    urgency: Mapped[str] = mapped_column(String(20), default="thuong")
    # how the sender addressed it, in words ("Phòng Tổng hợp", "Nhóm Tổ FDI", "Vũ Thị Mai")
    addressed: Mapped[list[str]] = mapped_column(JSON, default=list)
    search_text: Mapped[str] = mapped_column(Text, default="")  # folded: no diacritics, lower case
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Recipient(Base):
    """One recipient of a message and when they read it (the read receipt)."""

    __tablename__ = "msg_recipients"
    __table_args__ = (Index("ix_msg_recipients_unread", "user_id", "read_at"),)

    message_id: Mapped[str] = mapped_column(ForeignKey("msg_messages.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Group(Base):
    """A named group of staff for broadcasts (e.g. a working group, tổ công tác)."""

    __tablename__ = "msg_groups"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class GroupMember(Base):
    __tablename__ = "msg_group_members"

    group_id: Mapped[str] = mapped_column(ForeignKey("msg_groups.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)

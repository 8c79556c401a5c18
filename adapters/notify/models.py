"""Tables of the notify adapter: one delivery row per recipient, event and channel; preferences."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"


class NotifyDelivery(Base):
    """A notification to one recipient on one channel; unique per (recipient, dedup_key, channel)."""

    __tablename__ = "notify_deliveries"
    __table_args__ = (
        UniqueConstraint("recipient", "dedup_key", "channel", name="uq_notify_deliveries_once"),
        Index("ix_notify_deliveries_due", "status", "channel", "next_attempt_at"),
        Index("ix_notify_deliveries_inbox", "recipient", "channel", "read_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recipient: Mapped[str] = mapped_column(String(40))
    dedup_key: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))  # inapp, sms, zalo, email, digest
    urgency: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(500))
    source_type: Mapped[str | None] = mapped_column(String(80))
    issue: Mapped[str | None] = mapped_column(String(120))
    address: Mapped[str | None] = mapped_column(String(200))  # phone, e-mail, Zalo user id
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    provider_ref: Mapped[str | None] = mapped_column(String(120))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NotifyPreference(Base):
    """A staff member's choices: channels turned off, quiet hours, daily digest."""

    __tablename__ = "notify_preferences"

    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    channels_off: Mapped[list[str]] = mapped_column(JSON, default=list)
    quiet_start: Mapped[int | None] = mapped_column(Integer)  # local hour, e.g. 22
    quiet_end: Mapped[int | None] = mapped_column(Integer)  # local hour, e.g. 6
    digest: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

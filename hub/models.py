"""Tables of the hub itself: inbox, outbox, journal, dead letters, audit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Float, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base

BigId = BigInteger().with_variant(Integer(), "sqlite")


class InboxEntry(Base):
    """A message a consumer has applied; written in the same transaction as the effect."""

    __tablename__ = "hub_inbox"

    consumer: Mapped[str] = mapped_column(String(120), primary_key=True)
    message_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OutboxEntry(Base):
    """A message to publish once the transaction that produced it has committed."""

    __tablename__ = "hub_outbox"

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(36), unique=True)
    subject: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)


class JournalEntry(Base):
    """One hop of one message across the hub: published, routed, delivered, retried, dead-lettered."""

    __tablename__ = "hub_journal"
    __table_args__ = (
        Index("ix_hub_journal_message", "message_id"),
        Index("ix_hub_journal_issue", "issue"),
        Index("ix_hub_journal_correlation", "correlation_id"),
        Index("ix_hub_journal_at", "at"),
    )

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    message_id: Mapped[str] = mapped_column(String(36))
    type: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(120))
    correlation_id: Mapped[str | None] = mapped_column(String(36))
    causation_id: Mapped[str | None] = mapped_column(String(36))
    issue: Mapped[str | None] = mapped_column(String(255))
    user_id: Mapped[str | None] = mapped_column(String(120))
    hop: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(120))
    outcome: Mapped[str] = mapped_column(String(32))
    delivery: Mapped[int] = mapped_column(Integer, default=0)
    duration_ms: Mapped[float | None] = mapped_column(Float)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class JournalMinute(Base):
    """How many hops of one kind the journal holds per UTC minute: what the ops overview, the charts and
    /metrics read, so that they cost the same with ten rows or ten million (kept by `Journal.flush`)."""

    __tablename__ = "hub_journal_minutes"

    minute: Mapped[str] = mapped_column(String(16), primary_key=True)  # "YYYY-MM-DD HH:MM", UTC
    type: Mapped[str] = mapped_column(String(120), primary_key=True)
    hop: Mapped[str] = mapped_column(String(32), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)


class JournalTotal(Base):
    """How many hops of one kind the journal has recorded since the beginning (what /metrics reports)."""

    __tablename__ = "hub_journal_totals"

    type: Mapped[str] = mapped_column(String(120), primary_key=True)
    hop: Mapped[str] = mapped_column(String(32), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0)


class DeadLetter(Base):
    """A message a consumer gave up on, with the reason; replayable or discardable by an operator."""

    __tablename__ = "hub_dead_letters"
    __table_args__ = (Index("ix_hub_dead_letters_status", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(36), index=True)
    consumer: Mapped[str] = mapped_column(String(120))
    stream: Mapped[str] = mapped_column(String(64))
    stream_seq: Mapped[int | None] = mapped_column(BigInteger)
    subject: Mapped[str] = mapped_column(String(255))
    type: Mapped[str | None] = mapped_column(String(120))
    issue: Mapped[str | None] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(String(40))
    error: Mapped[str] = mapped_column(Text)
    deliveries: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="dead")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(String(120))
    replays: Mapped[int] = mapped_column(Integer, default=0)


class AuditEntry(Base):
    """Who did what, when, with before and after values."""

    __tablename__ = "hub_audit"
    __table_args__ = (Index("ix_hub_audit_at", "at"), Index("ix_hub_audit_target", "target"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(80))
    target: Mapped[str] = mapped_column(String(255))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class LoginThrottle(Base):
    """Failed-login bookkeeping per account name or client address (keys are hashes, never the name or
    the address): how many attempts were claimed, and from when the next one may be checked."""

    __tablename__ = "hub_login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[float] = mapped_column(Float, default=0.0)  # epoch seconds
    last_at: Mapped[float] = mapped_column(Float, default=0.0)  # epoch seconds

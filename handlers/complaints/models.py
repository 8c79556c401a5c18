"""Tables of the complaints module: cases, their notes, the yearly case number, the public rate limits."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base


class CaseSequence(Base):
    """Last case number given in a year."""

    __tablename__ = "cmp_sequences"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Case(Base):
    """A complaint, denunciation or petition (đơn khiếu nại, tố cáo, phản ánh, kiến nghị)."""

    __tablename__ = "cmp_cases"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    number: Mapped[str] = mapped_column(String(30), unique=True)
    receipt_code: Mapped[str | None] = mapped_column(String(20), unique=True)
    kind: Mapped[str | None] = mapped_column(String(20), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(500))
    content: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(Text, default="")
    submitter_name: Mapped[str] = mapped_column(String(200))
    submitter_key: Mapped[str] = mapped_column(String(200), index=True)
    submitter_id_number: Mapped[str | None] = mapped_column(String(40))
    submitter_phone: Mapped[str | None] = mapped_column(String(40))
    submitter_email: Mapped[str | None] = mapped_column(String(200))
    submitter_address: Mapped[str | None] = mapped_column(String(500))
    respondent: Mapped[str | None] = mapped_column(String(300))
    external_ref: Mapped[str | None] = mapped_column(String(200))
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    second: Mapped[bool] = mapped_column(Boolean, default=False)
    remote_area: Mapped[bool] = mapped_column(Boolean, default=False)
    several_places: Mapped[bool] = mapped_column(Boolean, default=False)
    complexity: Mapped[str] = mapped_column(String(20), default="normal")
    status: Mapped[str] = mapped_column(String(20), index=True)
    duplicate_of: Mapped[str | None] = mapped_column(String(30))
    received_on: Mapped[date] = mapped_column(Date, index=True)
    decision_known_on: Mapped[date | None] = mapped_column(Date)
    acceptance_due: Mapped[date] = mapped_column(Date)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    accepted_on_time: Mapped[bool | None] = mapped_column(Boolean)
    rejected_reason: Mapped[str | None] = mapped_column(Text)
    rejected_ground: Mapped[str | None] = mapped_column(String(40))
    resolution_days: Mapped[int | None] = mapped_column(Integer)
    resolution_due: Mapped[date | None] = mapped_column(Date)
    extensions: Mapped[int] = mapped_column(Integer, default=0)
    unit_id: Mapped[str | None] = mapped_column(String(40), index=True)
    officer_id: Mapped[str | None] = mapped_column(String(40))
    concluded_on: Mapped[date | None] = mapped_column(Date)
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    conclusion_result: Mapped[str | None] = mapped_column(String(40))
    conclusion_summary: Mapped[str | None] = mapped_column(Text)
    conclusion_number: Mapped[str | None] = mapped_column(String(50))
    conclusion_draft: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    conclusion_signed: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    conclusion_document_id: Mapped[str | None] = mapped_column(String(36))  # its outgoing document
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(40))


class CaseNote(Base):
    """An investigation note or a recorded decision on a case."""

    __tablename__ = "cmp_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cmp_cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="note")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    by: Mapped[str | None] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class RateCount(Base):
    """Hits of one client (hashed) in one slot of a public page's rate limit, shared by every process."""

    __tablename__ = "cmp_rate_counts"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    slot: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires: Mapped[float] = mapped_column(Float, index=True)

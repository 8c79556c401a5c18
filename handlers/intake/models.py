"""Tables of the intake module: dossiers, their history, the daily code sequence, apology forms, and the
public look-up's rate-limit counters."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base


class DossierSequence(Base):
    """Last number given on one day for one agency (gap-free: bumped in the dossier's transaction)."""

    __tablename__ = "intake_sequences"

    agency_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[str] = mapped_column(String(6), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Dossier(Base):
    """An administrative-procedure dossier received at the one-stop desk."""

    __tablename__ = "intake_dossiers"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(80), unique=True)
    procedure_code: Mapped[str] = mapped_column(String(20))
    procedure_name: Mapped[str] = mapped_column(String(300))
    channel: Mapped[str] = mapped_column(String(20), default="counter")
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_id_number: Mapped[str | None] = mapped_column(String(40))
    applicant_phone: Mapped[str | None] = mapped_column(String(40))
    applicant_email: Mapped[str | None] = mapped_column(String(200))
    applicant_address: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(30), index=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_on: Mapped[date] = mapped_column(Date)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    original_due_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date, index=True)
    unit_id: Mapped[str | None] = mapped_column(String(40))
    result_ready_on: Mapped[date | None] = mapped_column(Date)
    returned_on: Mapped[date | None] = mapped_column(Date)
    on_time: Mapped[bool | None] = mapped_column()
    warned_on: Mapped[date | None] = mapped_column(Date)
    overdue_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    documents: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    supplement_items: Mapped[list[str]] = mapped_column(JSON, default=list)
    supplement_requested_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str | None] = mapped_column(String(40))


class DossierStep(Base):
    """One step of a dossier's life (Mẫu 05: phiếu kiểm soát quá trình giải quyết)."""

    __tablename__ = "intake_steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("intake_dossiers.id"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    by: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")


class Apology(Base):
    """The apology and new appointment (Mẫu 04); the unique dossier id makes it once per dossier."""

    __tablename__ = "intake_apologies"
    __table_args__ = (UniqueConstraint("dossier_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("intake_dossiers.id"))
    unit_id: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    old_due_date: Mapped[date] = mapped_column(Date)
    new_due_date: Mapped[date] = mapped_column(Date)
    issued_on: Mapped[date] = mapped_column(Date)
    issued_by: Mapped[str | None] = mapped_column(String(40))
    form: Mapped[dict[str, Any]] = mapped_column(JSON)


class RateCount(Base):
    """Hits of one client (hashed) in one slot of the public look-up's rate limit, shared by every process."""

    __tablename__ = "intake_rate_counts"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    slot: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires: Mapped[float] = mapped_column(Float, index=True)

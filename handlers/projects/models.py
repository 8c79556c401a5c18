"""Tables of the project registry: current snapshot, versions, investor reports, linked documents."""

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


class Project(Base):
    """The current version of a project, with the columns statistics group by."""

    __tablename__ = "proj_projects"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(500))
    funding: Mapped[str] = mapped_column(String(12), index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    district: Mapped[str] = mapped_column(String(100), index=True)
    sector: Mapped[str] = mapped_column(String(200), index=True)
    country: Mapped[str] = mapped_column(String(100), index=True)
    certificate_number: Mapped[str | None] = mapped_column(String(40))
    first_issued_on: Mapped[date] = mapped_column(Date)
    issued_year: Mapped[int] = mapped_column(Integer, index=True)
    adjusted_on: Mapped[date | None] = mapped_column(Date)
    land_area_m2: Mapped[float] = mapped_column(Float, default=0)
    capital_vnd: Mapped[int] = mapped_column(BigInteger)
    capital_usd: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProjectVersion(Base):
    """One version of a project: registration, each adjustment, each status change."""

    __tablename__ = "proj_versions"
    __table_args__ = (UniqueConstraint("project_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("proj_projects.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed: Mapped[list[str]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    by: Mapped[str | None] = mapped_column(String(40))


class InvestorReport(Base):
    """A periodic report of the investor (quarterly or yearly)."""

    __tablename__ = "proj_reports"
    __table_args__ = (UniqueConstraint("project_id", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("proj_projects.id"), index=True)
    period: Mapped[str] = mapped_column(String(10))
    realised_capital_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    revenue_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    employees: Mapped[int] = mapped_column(Integer, default=0)
    export_usd: Mapped[int] = mapped_column(BigInteger, default=0)
    notes: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProjectDocument(Base):
    """A document linked to a project."""

    __tablename__ = "proj_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(ForeignKey("proj_projects.id"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    reference: Mapped[str | None] = mapped_column(String(200))
    file: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    linked_by: Mapped[str | None] = mapped_column(String(40))

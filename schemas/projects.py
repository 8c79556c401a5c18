"""Investment project registry messages: registration, adjustments, status, investor reports, documents."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from schemas.envelope import ClaimCheck
from schemas.registry import message_type

FundingSource = Literal["FDI", "NSNN", "NGOAI_NSNN"]
ProjectStatus = Literal["active", "suspended", "terminated"]
FUNDING_LABELS = {"FDI": "FDI", "NSNN": "Ngân sách nhà nước", "NGOAI_NSNN": "Ngoài ngân sách"}
STATUS_LABELS = {"active": "Đang hoạt động", "suspended": "Tạm ngừng", "terminated": "Chấm dứt"}


class Investor(BaseModel):
    name: str = Field(min_length=1, max_length=300)
    nationality: str = Field(
        min_length=2, max_length=100, description="Country name, e.g. Hàn Quốc, Việt Nam"
    )


class Milestone(BaseModel):
    name: str = Field(min_length=1, max_length=300)
    due: date


class ProjectData(BaseModel):
    """What the investment registration certificate (GCNĐKĐT) and its adjustments say."""

    code: str = Field(min_length=3, max_length=30, description="Mã số dự án")
    name: str = Field(min_length=3, max_length=500)
    funding: FundingSource
    investors: list[Investor] = Field(min_length=1)
    district: str = Field(min_length=2, max_length=100)
    sector: str = Field(min_length=2, max_length=200)
    objectives: str = Field(default="", max_length=4000)
    land_area_m2: float = Field(default=0, ge=0)
    contributed_vnd: int = Field(ge=0, description="Vốn góp của nhà đầu tư")
    mobilised_vnd: int = Field(ge=0, description="Vốn huy động")
    contributed_usd: int = Field(default=0, ge=0)
    mobilised_usd: int = Field(default=0, ge=0)
    certificate_number: str | None = Field(default=None, max_length=40)
    first_issued_on: date
    adjusted_on: date | None = None
    duration_years: int | None = Field(default=None, ge=1, le=99)
    milestones: list[Milestone] = Field(default_factory=list)
    incentives: list[str] = Field(default_factory=list)
    status: ProjectStatus = "active"

    @property
    def capital_vnd(self) -> int:
        return self.contributed_vnd + self.mobilised_vnd

    @property
    def capital_usd(self) -> int:
        return self.contributed_usd + self.mobilised_usd

    @property
    def country(self) -> str:
        """The lead investor's nationality."""
        return self.investors[0].nationality

    @model_validator(mode="after")
    def _fdi_has_foreign_investor(self) -> ProjectData:
        if self.funding == "FDI" and all(i.nationality == "Việt Nam" for i in self.investors):
            raise ValueError("an FDI project needs at least one foreign investor")
        if self.adjusted_on is not None and self.adjusted_on < self.first_issued_on:
            raise ValueError("adjusted_on is before first_issued_on")
        return self


@message_type("project.registered", "lt.project.evt.registered")
class ProjectRegistered(BaseModel):
    """A project entered the registry (version 1)."""

    project: ProjectData
    version: int = 1


@message_type("project.adjusted", "lt.project.evt.adjusted")
class ProjectAdjusted(BaseModel):
    """The certificate was adjusted: a new version with the fields that changed."""

    project: ProjectData
    version: int
    changed: list[str]
    reason: str = ""


@message_type("project.status_changed", "lt.project.evt.status_changed")
class ProjectStatusChanged(BaseModel):
    """The project was suspended, resumed or terminated."""

    code: str
    version: int
    old_status: ProjectStatus
    new_status: ProjectStatus
    on: date
    reason: str


@message_type("project.report_submitted", "lt.project.evt.report_submitted")
class InvestorReportSubmitted(BaseModel):
    """An investor's periodic report on the project."""

    code: str
    period: str
    realised_capital_vnd: int
    revenue_vnd: int
    employees: int
    export_usd: int


@message_type("project.document_linked", "lt.project.evt.document_linked")
class ProjectDocumentLinked(BaseModel):
    """A document (certificate, decision, report) was linked to the project."""

    code: str
    title: str
    reference: str | None = None
    file: ClaimCheck | None = None

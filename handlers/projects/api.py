"""REST API of the investment project registry under /api/projects (login; mounted by lienthong.web).

Routes translate HTTP to the service and its answers to typed views; domain refusals propagate to the
app's error handler (`{"detail": message}` with 403/404/409/422). Lists are `hub.web.Page`s.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, Field, computed_field

from handlers.projects import ProjectsModule, service, stats, xlsx
from handlers.projects.models import InvestorReport, Project, ProjectDocument, ProjectVersion
from hub.auth import CurrentPrincipal, require_roles
from hub.orgchart import CLERK, LEADER, OFFICER, UNIT_HEAD
from hub.web import HubDep, Page, Paging, module_of, transaction
from schemas.envelope import ClaimCheck
from schemas.projects import ProjectData, ProjectStatus

router = APIRouter(prefix="/projects", tags=["projects"])

STAFF = require_roles(CLERK, LEADER, UNIT_HEAD, OFFICER)
EDITORS = require_roles(OFFICER, UNIT_HEAD, LEADER)
IMPORTERS = require_roles(UNIT_HEAD, LEADER)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _projects(request: Request) -> ProjectsModule:
    return module_of(request, "projects", ProjectsModule)


ProjectsDep = Annotated[ProjectsModule, Depends(_projects)]


# -- request and response models -----------------------------------------------------------------


class Adjustment(BaseModel):
    project: ProjectData
    reason: str = Field(min_length=3, max_length=2000)


class StatusChange(BaseModel):
    status: ProjectStatus
    reason: str = Field(min_length=3, max_length=2000)
    on: date | None = None


class ProjectView(ProjectData):
    """A project's current version: the certificate's content, its version and the capital totals."""

    version: int
    updated_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def capital_vnd(self) -> int:
        return self.contributed_vnd + self.mobilised_vnd

    @computed_field  # type: ignore[prop-decorator]
    @property
    def capital_usd(self) -> int:
        return self.contributed_usd + self.mobilised_usd

    @computed_field  # type: ignore[prop-decorator]
    @property
    def country(self) -> str:
        """The lead investor's nationality."""
        return self.investors[0].nationality


class ReportView(BaseModel):
    period: str
    realised_capital_vnd: int
    revenue_vnd: int
    employees: int
    export_usd: int
    notes: str


class DocumentView(BaseModel):
    title: str
    reference: str | None
    file: ClaimCheck | None
    linked_at: datetime


class ProjectDetail(ProjectView):
    """A project with its investor reports and linked documents (neither makes a version)."""

    reports: list[ReportView]
    documents: list[DocumentView]


VERSION_KINDS = {"registered": "Đăng ký lần đầu", "adjusted": "Điều chỉnh", "status": "Thay đổi trạng thái"}
FIELD_LABELS = {field: title for title, field in xlsx.COLUMNS} | {"investors": "Nhà đầu tư"}


class VersionView(BaseModel):
    """One version: registration, an adjustment or a status change, with what changed (and its words)."""

    version: int
    kind: str
    kind_label: str
    changed: list[str]
    changed_labels: list[str]
    reason: str
    at: datetime
    by: str | None
    data: ProjectData


def _fields(p: Project) -> dict[str, Any]:
    return {**p.data, "version": p.version, "updated_at": p.updated_at}


def project_view(p: Project) -> ProjectView:
    return ProjectView.model_validate(_fields(p))


def _detail(p: Project, reports: list[InvestorReport], docs: list[ProjectDocument]) -> ProjectDetail:
    return ProjectDetail.model_validate(
        {
            **_fields(p),
            "reports": [ReportView.model_validate(r, from_attributes=True) for r in reports],
            "documents": [DocumentView.model_validate(d, from_attributes=True) for d in docs],
        }
    )


def _version_view(v: ProjectVersion) -> VersionView:
    return VersionView(
        version=v.version,
        kind=v.kind,
        kind_label=VERSION_KINDS.get(v.kind, v.kind),
        changed=v.changed,
        changed_labels=[FIELD_LABELS.get(c, c) for c in v.changed],
        reason=v.reason,
        at=v.at,
        by=v.by,
        data=ProjectData.model_validate(v.data),
    )


# -- routes --------------------------------------------------------------------------------------


@router.post("", status_code=201, dependencies=[EDITORS])
async def register(
    body: ProjectData, request: Request, principal: CurrentPrincipal, projects: ProjectsDep
) -> ProjectView:
    """Register a project (version 1)."""
    async with transaction(request, "projects", principal.id) as tx:
        p = await service.register(
            tx, body, actor=principal, units=projects.settings.units, when=projects.now()
        )
    return project_view(p)


@router.get("", dependencies=[STAFF])
async def listing(
    hub: HubDep,
    paging: Paging,
    funding: str | None = None,
    status_: str | None = Query(default=None, alias="status"),
    district: str | None = None,
    sector: str | None = None,
    country: str | None = None,
    year: int | None = None,
    q: str | None = Query(default=None, description="Part of the name or code"),
) -> Page[ProjectView]:
    """Projects, latest first certificate first, filtered by funding, status, place, sector, country, year."""
    where = service.ProjectFilter(
        funding=funding, status=status_, district=district, sector=sector, country=country, year=year, q=q
    )
    async with hub.db.session() as s:
        rows, total = await service.list_projects(s, where, limit=paging.limit, offset=paging.offset)
    return Page.of([project_view(p) for p in rows], total, paging)


@router.get("/stats", dependencies=[STAFF])
async def statistics(
    hub: HubDep,
    by: stats.Dimension = "country",
    funding: str | None = None,
    status_: str | None = Query(default=None, alias="status"),
) -> stats.StatsReport:
    """Projects and capital grouped by country, sector, district or year of first certificate."""
    async with hub.db.session() as s:
        return await stats.report(s, by, funding, status_)


@router.get("/export.xlsx", dependencies=[STAFF])
async def export(hub: HubDep, projects: ProjectsDep, funding: str | None = None) -> Response:
    """Every project's current version as an Excel file (the import layout)."""
    async with hub.db.session() as s:
        data = await service.export_xlsx(s, funding)
    filename = projects.settings.export_filename
    return Response(
        data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.post("/import", dependencies=[IMPORTERS])
async def import_xlsx(
    request: Request, hub: HubDep, principal: CurrentPrincipal, projects: ProjectsDep
) -> service.ImportResult:
    """Import an Excel file (raw body): new codes registered, changed rows adjusted; all or nothing."""
    try:
        return await service.import_file(
            hub,
            await request.body(),
            actor=principal,
            units=projects.settings.units,
            when=projects.now(),
            insert_batch=projects.settings.import_insert_batch,
        )
    except xlsx.ImportErrors as exc:
        # The one structured refusal: every bad row and column, which a DomainError's message cannot list.
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, {"errors": exc.errors}) from None


@router.get("/{code}", dependencies=[STAFF])
async def detail(code: str, hub: HubDep) -> ProjectDetail:
    """A project's current version with its investor reports and linked documents."""
    async with hub.db.session() as s:
        p, reports, docs = await service.project_records(s, code)
        return _detail(p, reports, docs)


@router.get("/{code}/history", dependencies=[STAFF])
async def history(code: str, hub: HubDep, paging: Paging) -> Page[VersionView]:
    """Every version: registration, adjustments, status changes, with what changed."""
    async with hub.db.session() as s:
        rows, total = await service.history(s, code, limit=paging.limit, offset=paging.offset)
    return Page.of([_version_view(v) for v in rows], total, paging)


@router.post("/{code}/adjust", dependencies=[EDITORS])
async def adjust(
    code: str, body: Adjustment, request: Request, principal: CurrentPrincipal, projects: ProjectsDep
) -> ProjectView:
    """Adjust the certificate: a new version."""
    async with transaction(request, "projects", principal.id) as tx:
        p = await service.adjust(
            tx,
            code,
            body.project,
            reason=body.reason,
            actor=principal,
            units=projects.settings.units,
            when=projects.now(),
        )
    return project_view(p)


@router.post("/{code}/status", dependencies=[EDITORS])
async def change_status(
    code: str, body: StatusChange, request: Request, principal: CurrentPrincipal, projects: ProjectsDep
) -> ProjectView:
    """Suspend, resume or terminate a project."""
    async with transaction(request, "projects", principal.id) as tx:
        p = await service.change_status(
            tx,
            code,
            body.status,
            on=body.on or projects.today(),
            reason=body.reason,
            actor=principal,
            units=projects.settings.units,
            when=projects.now(),
        )
    return project_view(p)


@router.post("/{code}/reports", status_code=201, dependencies=[EDITORS])
async def report(
    code: str,
    body: service.PeriodReport,
    request: Request,
    principal: CurrentPrincipal,
    projects: ProjectsDep,
) -> ProjectView:
    """Record an investor's periodic report (one per period)."""
    async with transaction(request, "projects", principal.id) as tx:
        p = await service.add_report(
            tx, code, body, actor=principal, units=projects.settings.units, when=projects.now()
        )
    return project_view(p)


@router.post("/{code}/documents", status_code=201, dependencies=[EDITORS])
async def link(
    code: str,
    body: service.DocumentLink,
    request: Request,
    principal: CurrentPrincipal,
    projects: ProjectsDep,
) -> ProjectView:
    """Link a document (certificate, decision, report) to the project."""
    async with transaction(request, "projects", principal.id) as tx:
        p = await service.link_document(
            tx, code, body, actor=principal, units=projects.settings.units, when=projects.now()
        )
    return project_view(p)

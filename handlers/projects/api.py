"""REST API of the investment project registry under /api/projects."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from handlers.projects import registry, stats, xlsx
from handlers.projects.models import InvestorReport, Project, ProjectDocument, ProjectVersion
from hub.auth import CurrentPrincipal, require_roles
from hub.directory import CLERK, LEADER, OFFICER, UNIT_HEAD
from schemas.envelope import ClaimCheck
from schemas.projects import ProjectData, ProjectStatus

if TYPE_CHECKING:
    from handlers.projects import ProjectsModule

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Adjustment(BaseModel):
    project: ProjectData
    reason: str = Field(min_length=3, max_length=2000)


class StatusChange(BaseModel):
    status: ProjectStatus
    reason: str = Field(min_length=3, max_length=2000)
    on: date | None = None


class Report(BaseModel):
    period: str = Field(pattern=r"^\d{4}(-Q[1-4])?$", description="2026 or 2026-Q3")
    realised_capital_vnd: int = Field(ge=0)
    revenue_vnd: int = Field(default=0, ge=0)
    employees: int = Field(default=0, ge=0)
    export_usd: int = Field(default=0, ge=0)
    notes: str = ""


class DocumentLink(BaseModel):
    title: str = Field(min_length=3, max_length=500)
    reference: str | None = Field(default=None, description="Document id or number (số, ký hiệu)")
    file: ClaimCheck | None = None


def view(p: Project) -> dict[str, Any]:
    return {
        "code": p.code,
        "version": p.version,
        "status": p.status,
        "capital_vnd": p.capital_vnd,
        "capital_usd": p.capital_usd,
        "country": p.country,
        "updated_at": p.updated_at,
        **p.data,
    }


def build_router(module: ProjectsModule) -> APIRouter:
    router = APIRouter(prefix="/projects", tags=["projects"])
    staff = require_roles(CLERK, LEADER, UNIT_HEAD, OFFICER)
    editors = require_roles(OFFICER, UNIT_HEAD, LEADER)

    def fail(exc: registry.RegistryError) -> HTTPException:
        return HTTPException(exc.status_code, exc.message)

    @router.post("", status_code=201, dependencies=[editors])
    async def register(body: ProjectData, request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
        """Register a project (version 1)."""
        try:
            async with request.app.state.hub.transaction(source="projects", user_id=principal.id) as tx:
                p = await registry.register(tx, body, when=module.now(), by=principal.id)
        except registry.RegistryError as exc:
            raise fail(exc) from None
        except IntegrityError:
            raise HTTPException(status.HTTP_409_CONFLICT, f"Mã dự án {body.code} đã có") from None
        return view(p)

    @router.get("", dependencies=[staff])
    async def listing(
        request: Request,
        funding: str | None = None,
        status_: str | None = Query(default=None, alias="status"),
        district: str | None = None,
        sector: str | None = None,
        country: str | None = None,
        year: int | None = None,
        q: str | None = Query(default=None, description="Part of the name or code"),
        offset: int = 0,
        limit: int = Query(default=100, le=1000),
    ) -> list[dict[str, Any]]:
        query = (
            select(Project).order_by(Project.first_issued_on.desc(), Project.code).offset(offset).limit(limit)
        )
        for column, value in (
            (Project.funding, funding),
            (Project.status, status_),
            (Project.district, district),
            (Project.sector, sector),
            (Project.country, country),
            (Project.issued_year, year),
        ):
            if value is not None:
                query = query.where(column == value)
        if q:
            query = query.where(Project.name.ilike(f"%{q}%") | Project.code.ilike(f"%{q}%"))
        async with request.app.state.hub.db.session() as s:
            return [view(p) for p in (await s.execute(query)).scalars()]

    @router.get("/stats", dependencies=[staff])
    async def statistics(
        request: Request,
        by: Literal["country", "sector", "district", "year", "funding", "status"] = "country",
        funding: str | None = None,
        status_: str | None = Query(default=None, alias="status"),
    ) -> dict[str, Any]:
        """Projects and capital grouped by country, sector, district or year of first certificate."""
        async with request.app.state.hub.db.session() as s:
            rows = await stats.grouped(s, by, funding, status_)
        return {
            "by": by,
            "rows": rows,
            "projects": sum(r["projects"] for r in rows),
            "capital_vnd": sum(r["capital_vnd"] for r in rows),
            "capital_usd": sum(r["capital_usd"] for r in rows),
        }

    @router.get("/export.xlsx", dependencies=[staff])
    async def export(request: Request, funding: str | None = None) -> Response:
        """Every project's current version as an Excel file (the import layout)."""
        q = select(Project.data).order_by(Project.code)
        if funding:
            q = q.where(Project.funding == funding)
        async with request.app.state.hub.db.session() as s:
            items = [ProjectData.model_validate(d) for d in (await s.execute(q)).scalars()]
        return Response(
            xlsx.write(items),
            media_type=XLSX,
            headers={"Content-Disposition": 'attachment; filename="du-an-dau-tu.xlsx"'},
        )

    @router.post("/import", dependencies=[require_roles(UNIT_HEAD, LEADER)])
    async def import_xlsx(request: Request, principal: CurrentPrincipal) -> dict[str, Any]:
        """Import an Excel file (raw body): new codes registered, changed rows adjusted; all or nothing."""
        data = await request.body()
        try:
            items = xlsx.read(data)
        except xlsx.ImportErrors as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, {"errors": exc.errors}) from None
        async with request.app.state.hub.transaction(source="projects", user_id=principal.id) as tx:
            counts = await registry.import_projects(tx, items, when=module.now(), by=principal.id)
        return {"rows": len(items), **counts}

    async def _change(request: Request, principal: Any, code: str, step: Any) -> dict[str, Any]:
        try:
            async with request.app.state.hub.transaction(source="projects", user_id=principal.id) as tx:
                p = await registry.find(tx.session, code)
                await step(tx, p)
        except registry.RegistryError as exc:
            raise fail(exc) from None
        return view(p)

    @router.get("/{code}", dependencies=[staff])
    async def detail(code: str, request: Request) -> dict[str, Any]:
        async with request.app.state.hub.db.session() as s:
            try:
                p = await registry.find(s, code)
            except registry.RegistryError as exc:
                raise fail(exc) from None
            out = view(p)
            reports = (
                await s.execute(
                    select(InvestorReport)
                    .where(InvestorReport.project_id == p.id)
                    .order_by(InvestorReport.period)
                )
            ).scalars()
            docs = (
                await s.execute(
                    select(ProjectDocument)
                    .where(ProjectDocument.project_id == p.id)
                    .order_by(ProjectDocument.id)
                )
            ).scalars()
            out["reports"] = [
                {
                    "period": r.period,
                    "realised_capital_vnd": r.realised_capital_vnd,
                    "revenue_vnd": r.revenue_vnd,
                    "employees": r.employees,
                    "export_usd": r.export_usd,
                    "notes": r.notes,
                }
                for r in reports
            ]
            out["documents"] = [
                {"title": d.title, "reference": d.reference, "file": d.file, "linked_at": d.linked_at}
                for d in docs
            ]
        return out

    @router.get("/{code}/history", dependencies=[staff])
    async def history(code: str, request: Request) -> list[dict[str, Any]]:
        """Every version: registration, adjustments, status changes, with what changed."""
        async with request.app.state.hub.db.session() as s:
            try:
                p = await registry.find(s, code)
            except registry.RegistryError as exc:
                raise fail(exc) from None
            q = (
                select(ProjectVersion)
                .where(ProjectVersion.project_id == p.id)
                .order_by(ProjectVersion.version)
            )
            return [
                {
                    "version": v.version,
                    "kind": v.kind,
                    "changed": v.changed,
                    "reason": v.reason,
                    "at": v.at,
                    "by": v.by,
                    "data": v.data,
                }
                for v in (await s.execute(q)).scalars()
            ]

    @router.post("/{code}/adjust", dependencies=[editors])
    async def adjust(
        code: str, body: Adjustment, request: Request, principal: CurrentPrincipal
    ) -> dict[str, Any]:
        """Adjust the certificate: a new version."""

        async def step(tx: Any, p: Project) -> None:
            if not await registry.adjust(
                tx, p, body.project, when=module.now(), by=principal.id, reason=body.reason
            ):
                raise registry.RegistryError("Nội dung điều chỉnh không khác phiên bản hiện tại")

        return await _change(request, principal, code, step)

    @router.post("/{code}/status", dependencies=[editors])
    async def change_status(
        code: str, body: StatusChange, request: Request, principal: CurrentPrincipal
    ) -> dict[str, Any]:
        """Suspend, resume or terminate a project."""
        return await _change(
            request,
            principal,
            code,
            lambda tx, p: registry.set_status(
                tx,
                p,
                body.status,
                on=body.on or module.today(),
                when=module.now(),
                by=principal.id,
                reason=body.reason,
            ),
        )

    @router.post("/{code}/reports", status_code=201, dependencies=[editors])
    async def report(
        code: str, body: Report, request: Request, principal: CurrentPrincipal
    ) -> dict[str, Any]:
        """Record an investor's periodic report (one per period)."""

        async def step(tx: Any, p: Project) -> None:
            exists = await tx.session.execute(
                select(InvestorReport.id).where(
                    InvestorReport.project_id == p.id, InvestorReport.period == body.period
                )
            )
            if exists.first():
                raise registry.RegistryError(f"Dự án {p.code} đã có báo cáo kỳ {body.period}")
            tx.session.add(InvestorReport(project_id=p.id, submitted_at=module.now(), **body.model_dump()))
            await tx.emit(
                "project.report_submitted",
                {"code": p.code, **body.model_dump(exclude={"notes"})},
                issue=f"project:{p.code}",
            )

        return await _change(request, principal, code, step)

    @router.post("/{code}/documents", status_code=201, dependencies=[editors])
    async def link(
        code: str, body: DocumentLink, request: Request, principal: CurrentPrincipal
    ) -> dict[str, Any]:
        """Link a document (certificate, decision, report) to the project."""

        async def step(tx: Any, p: Project) -> None:
            file = body.file.model_dump(mode="json") if body.file else None
            tx.session.add(
                ProjectDocument(
                    project_id=p.id,
                    title=body.title,
                    reference=body.reference,
                    file=file,
                    linked_at=module.now(),
                    linked_by=principal.id,
                )
            )
            await tx.emit(
                "project.document_linked",
                {"code": p.code, "title": body.title, "reference": body.reference, "file": file},
                issue=f"project:{p.code}",
            )

        return await _change(request, principal, code, step)

    return router

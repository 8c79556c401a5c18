"""What the registry's staff ask of it: the entry point of the projects module's logic.

The API calls these functions; the versioned writes (register, adjust, status, bulk upsert) are in
`versions.py`, the Excel layout in `xlsx.py`, the statistics in `stats.py`. Refusals are `hub.errors`
domain errors (Vietnamese); nothing here knows about HTTP.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.projects import access, versions, xlsx
from handlers.projects.access import Actor
from handlers.projects.models import InvestorReport, Project, ProjectDocument, ProjectVersion
from handlers.projects.versions import ImportCounts, find
from hub.errors import Conflict
from hub.orgchart import UNIT_HEAD
from schemas.envelope import ClaimCheck
from schemas.projects import ProjectData, ProjectStatus

if TYPE_CHECKING:
    from hub.runtime import Hub, Work


class PeriodReport(BaseModel):
    """An investor's periodic report (báo cáo định kỳ): one per project and period."""

    period: str = Field(pattern=r"^\d{4}(-Q[1-4])?$", description="2026 or 2026-Q3")
    realised_capital_vnd: int = Field(ge=0)
    revenue_vnd: int = Field(default=0, ge=0)
    employees: int = Field(default=0, ge=0)
    export_usd: int = Field(default=0, ge=0)
    notes: str = ""


class DocumentLink(BaseModel):
    """A document (certificate, decision, report) linked to a project."""

    title: str = Field(min_length=3, max_length=500)
    reference: str | None = Field(default=None, description="Document id or number (số, ký hiệu)")
    file: ClaimCheck | None = None


class ImportResult(BaseModel):
    """What an import did with the file's rows."""

    rows: int
    registered: int
    adjusted: int
    unchanged: int


@dataclass(frozen=True)
class ProjectFilter:
    """Which projects a list shows; `q` is part of the name or code."""

    funding: str | None = None
    status: str | None = None
    district: str | None = None
    sector: str | None = None
    country: str | None = None
    year: int | None = None
    q: str | None = None


# -- reading -------------------------------------------------------------------------------------


def _filtered(query: Select[Project], where: ProjectFilter) -> Select[Project]:
    for column, value in (
        (Project.funding, where.funding),
        (Project.status, where.status),
        (Project.district, where.district),
        (Project.sector, where.sector),
        (Project.country, where.country),
        (Project.issued_year, where.year),
    ):
        if value is not None:
            query = query.where(column == value)
    if where.q:
        query = query.where(Project.name.ilike(f"%{where.q}%") | Project.code.ilike(f"%{where.q}%"))
    return query


async def list_projects(
    session: AsyncSession, where: ProjectFilter, *, limit: int, offset: int
) -> tuple[list[Project], int]:
    """One page of projects, latest first certificate first, and how many match in all."""
    matching = _filtered(select(Project), where)
    total = (await session.execute(select(func.count()).select_from(matching.subquery()))).scalar_one()
    page = matching.order_by(Project.first_issued_on.desc(), Project.code).offset(offset).limit(limit)
    return list((await session.execute(page)).scalars()), int(total)


async def project_records(
    session: AsyncSession, code: str
) -> tuple[Project, list[InvestorReport], list[ProjectDocument]]:
    """A project with its investor reports (by period) and linked documents (in linking order)."""
    p = await find(session, code)
    reports = await session.execute(
        select(InvestorReport).where(InvestorReport.project_id == p.id).order_by(InvestorReport.period)
    )
    docs = await session.execute(
        select(ProjectDocument).where(ProjectDocument.project_id == p.id).order_by(ProjectDocument.id)
    )
    return p, list(reports.scalars()), list(docs.scalars())


async def history(
    session: AsyncSession, code: str, *, limit: int, offset: int
) -> tuple[list[ProjectVersion], int]:
    """One page of a project's versions in order (registered, adjusted, status), and their count."""
    p = await find(session, code)
    total = (
        await session.execute(select(func.count()).where(ProjectVersion.project_id == p.id))
    ).scalar_one()
    q = (
        select(ProjectVersion)
        .where(ProjectVersion.project_id == p.id)
        .order_by(ProjectVersion.version)
        .offset(offset)
        .limit(limit)
    )
    return list((await session.execute(q)).scalars()), int(total)


async def export_xlsx(session: AsyncSession, funding: str | None = None) -> bytes:
    """Every project's current version as an Excel file (the import layout)."""
    q = select(Project.data).order_by(Project.code)
    if funding:
        q = q.where(Project.funding == funding)
    items = [ProjectData.model_validate(d) for d in (await session.execute(q)).scalars()]
    return await asyncio.to_thread(xlsx.write, items)


# -- writing -------------------------------------------------------------------------------------


async def register(
    tx: Work, data: ProjectData, *, actor: Actor, units: Mapping[str, str], when: datetime
) -> Project:
    """Register a project (version 1); its code must be new; only its funding's managing unit (403)."""
    await access.require_change(tx.session, actor, [data.funding], units, what="đăng ký dự án")
    return await versions.register(tx, data, when=when, by=actor.id)


async def _changeable(tx: Work, code: str, actor: Actor, units: Mapping[str, str], what: str) -> Project:
    """The project (404 when there is none) if this person may change it (403 otherwise)."""
    p = await find(tx.session, code)
    await access.require_change(tx.session, actor, [p.funding], units, what=what)
    return p


async def adjust(
    tx: Work,
    code: str,
    data: ProjectData,
    *,
    reason: str,
    actor: Actor,
    units: Mapping[str, str],
    when: datetime,
) -> Project:
    """Adjust the certificate: a new version (refused when nothing differs); a move to another funding
    source needs the right on both."""
    p = await _changeable(tx, code, actor, units, "điều chỉnh dự án")
    await access.require_change(tx.session, actor, [data.funding], units, what="điều chỉnh dự án")
    by = actor.id
    if not await versions.adjust(tx, p, data, when=when, by=by, reason=reason):
        raise Conflict("Nội dung điều chỉnh không khác phiên bản hiện tại")
    return p


async def change_status(
    tx: Work,
    code: str,
    status: ProjectStatus,
    *,
    on: date,
    reason: str,
    actor: Actor,
    units: Mapping[str, str],
    when: datetime,
) -> Project:
    """Suspend, resume or terminate a project: a new version."""
    p = await _changeable(tx, code, actor, units, "thay đổi trạng thái dự án")
    await versions.set_status(tx, p, status, on=on, when=when, by=actor.id, reason=reason)
    return p


async def add_report(
    tx: Work, code: str, report: PeriodReport, *, actor: Actor, units: Mapping[str, str], when: datetime
) -> Project:
    """Record an investor's periodic report (one per period); it makes no version."""
    p = await _changeable(tx, code, actor, units, "ghi báo cáo của nhà đầu tư")
    exists = await tx.session.execute(
        select(InvestorReport.id).where(
            InvestorReport.project_id == p.id, InvestorReport.period == report.period
        )
    )
    if exists.first():
        raise Conflict(f"Dự án {p.code} đã có báo cáo kỳ {report.period}", field="period")
    tx.session.add(InvestorReport(project_id=p.id, submitted_at=when, **report.model_dump()))
    try:
        await tx.session.flush()
    except IntegrityError:  # a concurrent report of the same period committed first
        raise Conflict(f"Dự án {p.code} đã có báo cáo kỳ {report.period}", field="period") from None
    await tx.emit(
        "project.report_submitted",
        {"code": p.code, **report.model_dump(exclude={"notes"})},
        issue=f"project:{p.code}",
    )
    return p


async def link_document(
    tx: Work, code: str, link: DocumentLink, *, actor: Actor, units: Mapping[str, str], when: datetime
) -> Project:
    """Link a document (certificate, decision, report) to the project; it makes no version."""
    p = await _changeable(tx, code, actor, units, "gắn văn bản vào dự án")
    by = actor.id
    file = link.file.model_dump(mode="json") if link.file else None
    tx.session.add(
        ProjectDocument(
            project_id=p.id,
            title=link.title,
            reference=link.reference,
            file=file,
            linked_at=when,
            linked_by=by,
        )
    )
    await tx.emit(
        "project.document_linked",
        {"code": p.code, "title": link.title, "reference": link.reference, "file": file},
        issue=f"project:{p.code}",
    )
    return p


async def import_file(
    hub: Hub,
    data: bytes,
    *,
    actor: Actor,
    units: Mapping[str, str],
    when: datetime,
    insert_batch: int = 1000,
) -> ImportResult:
    """Import an Excel file, all or nothing: new codes registered, changed rows adjusted.

    Only a leader, or the head of the unit managing every row's funding (new and current), imports
    (403 otherwise, nothing imported). A file with bad rows raises `xlsx.ImportErrors` (an `Invalid`)
    naming every row and column.
    """
    by = actor.id
    items = await asyncio.to_thread(xlsx.read, data)  # parsing a large workbook off the event loop
    async with hub.transaction(source="projects", user_id=by) as tx:
        fundings = {d.funding for d in items} | await access.current_fundings(
            tx.session, [d.code for d in items]
        )
        await access.require_change(
            tx.session, actor, fundings, units, what="nhập dự án từ tệp Excel", roles=(UNIT_HEAD,)
        )
        counts: ImportCounts = await versions.import_projects(
            tx, items, when=when, by=by, insert_batch=insert_batch
        )
    return ImportResult(rows=len(items), **counts)

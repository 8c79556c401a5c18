"""Documents API: work dossiers (hồ sơ công việc), the registers' exports and the handling reports."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from handlers.documents import dossiers, reports
from handlers.documents.api_common import FILE_RESPONSES, SOURCE, STAFF, ContextDep, download
from handlers.documents.api_models import (
    ArchiveBody,
    DossierBody,
    DossierCountOut,
    DossierItemBody,
    DossierItemOut,
    DossierListedOut,
    DossierOut,
    DossierStateOut,
    dossier_listed_out,
    dossier_out,
    dossier_state,
)
from handlers.documents.clock import today
from handlers.documents.reading import register_file
from hub.auth import CurrentPrincipal, require_roles
from hub.orgchart import CLERK, LEADER
from hub.web import HubDep, Page, Paging, transaction

router = APIRouter()


@router.get("/registers/{kind}.{fmt}", dependencies=[require_roles(CLERK, LEADER)], responses=FILE_RESPONSES)
async def export_register(
    hub: HubDep,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    kind: Literal["incoming", "outgoing"],
    fmt: Literal["xlsx", "pdf"],
    year: int | None = None,
    register: str | None = None,
) -> Response:
    """Export a register of a year (Decree 30 App. IV columns) as XLSX or PDF: the default incoming or
    outgoing one, or `register` (its code)."""
    async with hub.db.session() as s:
        file = await register_file(s, ctx, principal, kind, year or today().year, fmt, register)
    return download(file)


@router.get("/reports/{kind}.{fmt}", dependencies=[require_roles(CLERK, LEADER)], responses=FILE_RESPONSES)
async def handling_report(
    hub: HubDep,
    principal: CurrentPrincipal,
    kind: Literal["incoming", "outgoing"],
    fmt: Literal["xlsx", "pdf"],
    start: Annotated[date, Query(alias="from", description="First day (Vietnam), inclusive")],
    end: Annotated[date, Query(alias="to", description="Last day (Vietnam), inclusive")],
) -> Response:
    """The handling report of a period (Decree 30 App. VI I.V.2 incoming, I.V.4 outgoing)."""
    async with hub.db.session() as s:
        file = await reports.handling_report(s, principal, kind, start, end, fmt)
    return download(file)


@router.post("/dossiers", status_code=201, dependencies=[require_roles(*STAFF)])
async def create_dossier(
    request: Request, principal: CurrentPrincipal, ctx: ContextDep, body: DossierBody
) -> DossierOut:
    """Open a work dossier (hồ sơ công việc)."""
    async with transaction(request, SOURCE, principal.id) as work:
        d = await dossiers.create(
            work,
            principal,
            title=body.title,
            notation=body.notation,
            description=body.description,
            maintenance=body.maintenance,
            organ_id=ctx.agency.code,
        )
        return dossier_out(d, [])


@router.get("/dossiers", dependencies=[require_roles(*STAFF)])
async def list_dossiers(
    hub: HubDep,
    principal: CurrentPrincipal,
    paging: Paging,
    q: Annotated[
        str, Query(description="Words of the title, code or description, with or without diacritics")
    ] = "",
    status: Literal["open", "closed", "archived"] | None = None,
    year: int | None = None,
    creator: Annotated[
        str | None, Query(description="Only the dossiers this account made ('me': the caller)")
    ] = None,
    document: Annotated[str | None, Query(description="Only the dossiers holding this document")] = None,
    transfer: Annotated[
        bool,
        Query(description="Only closed dossiers due for the agency archive within 30 days, soonest first"),
    ] = False,
) -> Page[DossierListedOut]:
    """The dossiers the caller may see (clerks and leaders: all; others: their own and their unit's),
    newest first."""
    async with hub.db.session() as s:
        found, total = await dossiers.listing(
            s,
            principal,
            q=q,
            status=status,
            year=year,
            creator=principal.id if creator == "me" else creator,
            document=document,
            transfer=transfer,
            limit=paging.limit,
            offset=paging.offset,
        )
    return Page.of([dossier_listed_out(d) for d in found], total, paging)


@router.get("/dossiers/counts", dependencies=[require_roles(*STAFF)])
async def count_dossiers(
    hub: HubDep, principal: CurrentPrincipal, year: int | None = None
) -> list[DossierCountOut]:
    """How many dossiers each account made, by status, of those the caller may see (App. VI I.III.4.đ)."""
    async with hub.db.session() as s:
        rows = await dossiers.counts(s, principal, year)
    return [
        DossierCountOut(
            creator_id=r.creator_id,
            creator_name=r.creator_name,
            open=r.open,
            closed=r.closed,
            archived=r.archived,
            total=r.total,
        )
        for r in rows
    ]


@router.get("/dossiers/index.{fmt}", dependencies=[require_roles(*STAFF)], responses=FILE_RESPONSES)
async def dossier_index(
    hub: HubDep, principal: CurrentPrincipal, fmt: Literal["pdf", "xlsx"], year: int | None = None
) -> Response:
    """The dossier index of a year (Mục lục hồ sơ, App. VI I.V.6) of the dossiers the caller may see."""
    async with hub.db.session() as s:
        file = await dossiers.index_file(s, principal, year or today().year, fmt)
    return download(file)


@router.get("/dossiers/{dossier_id}", dependencies=[require_roles(*STAFF)])
async def get_dossier(hub: HubDep, principal: CurrentPrincipal, dossier_id: str) -> DossierOut:
    """A dossier with its documents and notes in chronological order."""
    async with hub.db.session() as s:
        d, items = await dossiers.read(s, principal, dossier_id)
        return dossier_out(d, items)


@router.post("/dossiers/{dossier_id}/items", status_code=201, dependencies=[require_roles(*STAFF)])
async def add_dossier_item(
    request: Request, principal: CurrentPrincipal, dossier_id: str, body: DossierItemBody
) -> DossierItemOut:
    """Add a document or a note to an open dossier."""
    async with transaction(request, SOURCE, principal.id) as work:
        item = await dossiers.add_item(
            work, principal, dossier_id, document_id=body.document_id, note=body.note
        )
        return DossierItemOut(dossier_id=item.dossier_id, document_id=item.document_id, note=item.note)


@router.post("/dossiers/{dossier_id}/close", dependencies=[require_roles(*STAFF)])
async def close_dossier(request: Request, principal: CurrentPrincipal, dossier_id: str) -> DossierStateOut:
    """Close a dossier."""
    async with transaction(request, SOURCE, principal.id) as work:
        return dossier_state(await dossiers.close(work, principal, dossier_id))


@router.post("/dossiers/{dossier_id}/archive", dependencies=[require_roles(CLERK)])
async def archive_dossier(
    request: Request, principal: CurrentPrincipal, dossier_id: str, body: ArchiveBody
) -> DossierStateOut:
    """Hand a closed dossier to the agency archive with its retention period."""
    async with transaction(request, SOURCE, principal.id) as work:
        return dossier_state(await dossiers.archive(work, principal, dossier_id, body.retention))


@router.get(
    "/dossiers/{dossier_id}/export.{fmt}", dependencies=[require_roles(*STAFF)], responses=FILE_RESPONSES
)
async def export_dossier(
    hub: HubDep, principal: CurrentPrincipal, ctx: ContextDep, dossier_id: str, fmt: Literal["pdf", "xml"]
) -> Response:
    """Export a dossier: PDF of its contents in order, or XML metadata (Decree 30 App. VI)."""
    async with hub.db.session() as s:
        file = await dossiers.export_file(s, principal, dossier_id, fmt, ctx.agency.code)
    return download(file)

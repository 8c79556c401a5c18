"""Documents API: work dossiers (hồ sơ công việc) and the registers' exports."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response

from handlers.documents import dossiers
from handlers.documents.api_common import FILE_RESPONSES, SOURCE, STAFF, ContextDep, download
from handlers.documents.api_models import (
    ArchiveBody,
    DossierBody,
    DossierItemBody,
    DossierItemOut,
    DossierOut,
    DossierStateOut,
    dossier_out,
    dossier_state,
)
from handlers.documents.clock import today
from handlers.documents.reading import register_file
from hub.auth import CurrentPrincipal, require_roles
from hub.orgchart import CLERK, LEADER
from hub.web import HubDep, transaction

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

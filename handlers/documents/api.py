"""REST API of the documents module under /api/documents (roles: clerk, leader, unit_head, officer).

`router` gathers the routes of `api_dossiers` (work dossiers, registers' exports), `api_incoming`,
`api_outgoing` and `api_opinions` (requests for opinions), then the reading routes below; the fixed
paths come before `/{document_id}`. Refusals are `hub.errors` domain errors raised by the service,
answered by the app's handler.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from handlers.documents import (
    api_comments,
    api_dossiers,
    api_incoming,
    api_opinions,
    api_outgoing,
    api_registers,
    api_searches,
)
from handlers.documents.api_common import STAFF, download
from handlers.documents.api_models import DetailOut, DocumentOut, detail_out, document_out
from handlers.documents.reading import attachment_file, document_file, read_document
from handlers.documents.search import search
from hub.auth import CurrentPrincipal, require_roles
from hub.web import HubDep, Page, Paging

router = APIRouter(prefix="/documents", tags=["documents"])
router.include_router(api_dossiers.router)
router.include_router(api_incoming.router)
router.include_router(api_outgoing.router)
router.include_router(api_opinions.router)
router.include_router(api_comments.router)
router.include_router(api_registers.router)
router.include_router(api_searches.router)


@router.get("", dependencies=[require_roles(*STAFF)])
async def search_documents(
    hub: HubDep, principal: CurrentPrincipal, paging: Paging, query: api_searches.SearchDep
) -> Page[DocumentOut]:
    """Search the documents the caller may see, in the asked order (newest first by default); each
    carries its deadline status."""
    async with hub.db.session() as s:
        found = await search(s, principal, query, limit=paging.limit, offset=paging.offset)
        items = [document_out(d, found.day) for d in found.documents]
    return Page.of(items, found.total, paging)


@router.get("/{document_id}", dependencies=[require_roles(*STAFF)])
async def detail(hub: HubDep, principal: CurrentPrincipal, document_id: str) -> DetailOut:
    """A document with history, versions, approvals and deliveries; confidential reads are audited."""
    return detail_out(await read_document(hub, principal, document_id))


@router.get("/{document_id}/attachments/{index}", dependencies=[require_roles(*STAFF)])
async def download_attachment(
    hub: HubDep, principal: CurrentPrincipal, document_id: str, index: int
) -> Response:
    """Download an attached file (from 0): an incoming document's files, an outgoing one's appendices."""
    return download(await attachment_file(hub, principal, document_id, index))


@router.get("/{document_id}/files/{index}", dependencies=[require_roles(*STAFF)])
async def download_file(hub: HubDep, principal: CurrentPrincipal, document_id: str, index: int) -> Response:
    """Download an attachment of an incoming document (index from 0) or, for outgoing, version `index`."""
    return download(await document_file(hub, principal, document_id, index))

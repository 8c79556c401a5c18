"""Documents API: a document's comment thread (trao đổi)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from handlers.documents import comments
from handlers.documents.api_common import SOURCE, STAFF
from handlers.documents.models import DocComment
from hub import comments as threads
from hub.auth import CurrentPrincipal, require_roles
from hub.comments import CommentIn, CommentOut
from hub.web import HubDep, transaction

router = APIRouter()


@router.get("/{document_id}/comments", dependencies=[require_roles(*STAFF)])
async def thread(hub: HubDep, principal: CurrentPrincipal, document_id: str) -> list[CommentOut]:
    """The thread, oldest first (404 to who may not read the document)."""
    async with hub.db.session() as s:
        return threads.out(await comments.thread_of(s, principal, document_id))


@router.post("/{document_id}/comments", status_code=201, dependencies=[require_roles(*STAFF)])
async def post(
    request: Request, principal: CurrentPrincipal, document_id: str, body: CommentIn
) -> CommentOut:
    """Add a comment; the people handling the document and those in the thread are told."""
    async with transaction(request, SOURCE, principal.id) as work:
        row = await comments.post(work, principal, document_id, body.body)
        return await threads.one(work.session, DocComment, row.id, principal.id)

"""The audit trail: who did what (logins, payload views, replays, discards, users and settings)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hub.auth import Principal
from hub.web import hub_of
from portal.ops import queries
from portal.ops.pages.kit import READER, render

router = APIRouter(include_in_schema=False)
LIST_LIMIT = 300


@router.get("/audit", response_class=HTMLResponse)
async def audit(
    request: Request, actor_filter: str = "", action: str = "", principal: Principal = READER
) -> HTMLResponse:
    rows = await queries.list_audit(hub_of(request).db, actor_filter, action, "", LIST_LIMIT)
    return render(request, "audit.html", principal, rows=rows, actor=actor_filter, action=action)

"""The routing table with routed, delivered and failed counts and latency percentiles per route."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hub.auth import Principal
from hub.web import hub_of
from portal.ops import service
from portal.ops.pages.kit import READER, render

router = APIRouter(include_in_schema=False)


@router.get("/routes", response_class=HTMLResponse)
async def routes(request: Request, hours: float = 24.0, principal: Principal = READER) -> HTMLResponse:
    return render(request, "routes.html", principal, d=await service.routes(hub_of(request), hours))

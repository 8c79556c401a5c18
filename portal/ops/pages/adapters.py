"""Each counterpart's health: status, circuit, calls, failures, last error, durations (KV lt-health)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hub.adapter_health import read_all
from hub.auth import Principal
from hub.web import hub_of
from portal.ops.pages.kit import READER, render

router = APIRouter(include_in_schema=False)


@router.get("/adapters", response_class=HTMLResponse)
async def adapters(request: Request, principal: Principal = READER) -> HTMLResponse:
    rows = [a.summary() for a in await read_all(hub_of(request))]
    return render(request, "adapters.html", principal, rows=rows)

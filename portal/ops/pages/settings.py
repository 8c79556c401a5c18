"""Settings (admin only): maintenance mode (then /healthz answers 503), health and the routing source."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from hub.auth import Principal
from hub.web import hub_of
from portal.ops import queries
from portal.ops.health import health, maintenance, set_maintenance
from portal.ops.pages.kit import ADMIN, render, see_other

router = APIRouter(include_in_schema=False)


@router.get("/settings", response_class=HTMLResponse)
async def settings(request: Request, principal: Principal = ADMIN) -> HTMLResponse:
    hub = hub_of(request)
    return render(
        request,
        "settings.html",
        principal,
        maintenance=await maintenance(hub),
        health=await health(hub, use_cache=False),
        routing_source=hub.routing.source,
    )


@router.post("/settings", response_model=None)
async def save_settings(
    request: Request, maintenance_mode: str = Form("off"), principal: Principal = ADMIN
) -> Response:
    hub = hub_of(request)
    on = maintenance_mode == "on"
    await set_maintenance(hub, on)
    await queries.record_audit(hub.db, principal.username, "settings.maintenance", "portal", on=on)
    return see_other("/settings")

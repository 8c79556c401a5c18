"""The overview: traffic, error rate, dead letters, consumers behind, adapters; refreshed every 5 s."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response

from hub.auth import Principal
from hub.orgchart import missing_roles
from hub.web import hub_of
from portal.ops import charts, orgchart, service
from portal.ops.health import health, warnings_of
from portal.ops.i18n import lang_of, translate
from portal.ops.pages.kit import READER, STAFF_HOME, render, see_other, staff_mounted
from portal.ops.security import OPS_READ, page_principal

router = APIRouter(include_in_schema=False)


async def overview_context(request: Request) -> dict[str, Any]:
    """The overview's figures with its two charts drawn in the visitor's language."""
    lang = lang_of(request)
    data = await service.overview(hub_of(request))
    series = data.pop("_series")
    data["chart_in_out"] = charts.line_chart(
        series.minutes,
        [
            (translate(lang, "msgs_in"), series.inbound),
            (translate(lang, "msgs_out"), series.outbound),
        ],
        label=translate(lang, "chart_in_out"),
    )
    data["chart_errors"] = charts.line_chart(
        series.minutes,
        [(translate(lang, "error"), series.errors)],
        height=100,
        label=translate(lang, "chart_errors"),
    )
    return data


@router.get("/", response_class=HTMLResponse, response_model=None)
async def overview(request: Request, principal: Principal = Depends(page_principal)) -> Response:
    if not principal.has(*OPS_READ):
        if staff_mounted(request):
            return see_other(STAFF_HOME)  # staff without an ops role have their own home
        raise HTTPException(status.HTTP_403_FORBIDDEN, missing_roles(OPS_READ, principal.roles))
    hub = hub_of(request)
    pending = await orgchart.pending_count(hub.db)  # four-eyes: access changes waiting
    return render(
        request,
        "overview.html",
        principal,
        d=await overview_context(request),
        pending_access=pending,
        warnings=warnings_of(await health(hub)),  # what an operator must set up (calendar, agency code)
    )


@router.get("/fragments/overview", response_class=HTMLResponse)
async def overview_fragment(request: Request, principal: Principal = READER) -> HTMLResponse:
    return render(request, "_overview.html", principal, d=await overview_context(request))

"""The incoming and outgoing registers of a year: search, print, XLSX and PDF export links."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from portal.staff.client import Api
from portal.staff.kit import Who, render, state_of

router = APIRouter(prefix="/staff", include_in_schema=False)


@router.get("/so-van-ban", response_class=HTMLResponse)
async def registers(request: Request, who: Who, q: str = "", kind: str = "in", year: int = 0) -> HTMLResponse:
    year = year or datetime.now(UTC).year
    async with Api(request) as api:
        answer = await api.get("/documents", q=q, direction=kind, year=year, limit=200)
    rows = sorted((d for d in answer.items if d.get("number") is not None), key=lambda d: d["number"])
    return render(
        request,
        "registers.html",
        who,
        title="Sổ văn bản",
        rows=rows,
        state=state_of(answer),
        error=answer.error,
        q=q,
        kind=kind,
        year=year,
    )

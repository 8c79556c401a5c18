"""Message search, the trace of a message or business key, and a stored payload (audited)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hub.auth import Principal
from hub.web import hub_of
from portal.ops import charts, queries, service
from portal.ops.catalogue import message_types
from portal.ops.pages.kit import READER, render

router = APIRouter(include_in_schema=False)


@router.get("/messages", response_class=HTMLResponse)
async def messages(
    request: Request,
    message_id: str = "",
    issue: str = "",
    correlation_id: str = "",
    user_id: str = "",
    type: str = "",
    since: str = "",
    until: str = "",
    principal: Principal = READER,
) -> HTMLResponse:
    form = {
        "message_id": message_id,
        "issue": issue,
        "correlation_id": correlation_id,
        "user_id": user_id,
        "type": type,
        "since": since,
        "until": until,
    }
    error = ""
    results: list[dict[str, Any]] = []
    try:
        f = queries.SearchFilter(
            message_id,
            issue,
            correlation_id,
            user_id,
            type,
            service.parse_moment(since),
            service.parse_moment(until),
        )
        results = await service.search(hub_of(request), f)
    except ValueError as exc:
        error = str(exc)
    types = [m["type"] for m in message_types()]
    return render(request, "messages.html", principal, form=form, results=results, error=error, types=types)


@router.get("/trace", response_class=HTMLResponse)
async def trace(request: Request, key: str = "", principal: Principal = READER) -> HTMLResponse:
    hub = hub_of(request)
    rows, found_by = await service.find_trace(hub, key) if key.strip() else ([], [])
    first_hops: dict[str, dict[str, Any]] = {}
    for row in rows:
        first_hops.setdefault(row["message_id"], row)
    return render(
        request,
        "trace.html",
        principal,
        key=key,
        rows=rows,
        messages=list(first_hops.values()),
        dead=await service.dead_letters_of(hub, list(first_hops)),
        found_by=found_by,
        svg=charts.timeline(rows),
        status_code=200 if rows or not key else 404,
    )


@router.get("/messages/{message_id}/payload", response_class=HTMLResponse)
async def payload(request: Request, message_id: str, principal: Principal = READER) -> HTMLResponse:
    found = await service.message_payload(hub_of(request), message_id, principal.username)
    return render(request, "payload.html", principal, message_id=message_id, found=found)

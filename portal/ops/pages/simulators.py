"""The simulator inbox ("Hộp thư mô phỏng"): what the development mail, SMS and Zalo simulators received.

The notification adapter keeps that mailbox; the page reads it over the adapter's API
(`GET /api/notify/simulators` and `/api/notify/simulators/messages`), called in-process with the
visitor's own session, as the staff pages call the modules.
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hub.auth import SESSION_COOKIE, Principal
from portal.ops.pages.kit import READER, render

router = APIRouter(include_in_schema=False)
CHANNELS = ("mail", "sms", "zalo")
PAGE_SIZE = 100


async def _api_get(request: Request, path: str, **params: Any) -> tuple[int, Any]:
    """GET one of the app's APIs as the visitor; the status and the JSON answer (None if not JSON)."""
    headers = {"Accept": "application/json"}
    if request.headers.get("Authorization"):
        headers["Authorization"] = request.headers["Authorization"]
    session = request.cookies.get(SESSION_COOKIE)
    query = {k: v for k, v in params.items() if v not in (None, "")}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=request.app),
        base_url="http://ops.internal",
        cookies={SESSION_COOKIE: session} if session else None,
        headers=headers,
        timeout=30,
    ) as client:
        answer = await client.get("/api" + path, params=query)
    is_json = answer.headers.get("content-type", "").startswith("application/json")
    return answer.status_code, answer.json() if is_json else None


@router.get("/simulator-inbox", response_class=HTMLResponse)
async def simulator_inbox(
    request: Request, channel: str = "", offset: int = 0, principal: Principal = READER
) -> HTMLResponse:
    chosen = channel if channel in CHANNELS else ""
    code, state = await _api_get(request, "/notify/simulators")
    context: dict[str, Any] = {"channel": chosen, "channels": CHANNELS, "rows": [], "total": 0}
    if code == 404:
        return render(request, "simulator_inbox.html", principal, problem="sim_no_notify", **context)
    if code != 200 or not isinstance(state, dict):
        return render(request, "simulator_inbox.html", principal, problem="sim_unreadable", **context)
    context["state"] = state
    if state.get("embedded"):
        code, page = await _api_get(
            request,
            "/notify/simulators/messages",
            channel=chosen,
            limit=PAGE_SIZE,
            offset=max(offset, 0),
        )
        if code != 200 or not isinstance(page, dict):
            return render(request, "simulator_inbox.html", principal, problem="sim_unreadable", **context)
        context.update(rows=page["items"], total=page["total"], offset=page["offset"], size=PAGE_SIZE)
    return render(request, "simulator_inbox.html", principal, **context)

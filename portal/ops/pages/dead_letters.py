"""Dead letters: the list by status, the detail (audited), replay, edit-and-replay and discard."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response

from hub.auth import Principal
from hub.dlq import DeadLetterError, dead_letter_dict, list_dead
from hub.web import hub_of
from portal.ops import service
from portal.ops.pages.kit import ACTOR, READER, render, see_other

router = APIRouter(include_in_schema=False)
LIST_LIMIT = 500


@router.get("/dead-letters", response_class=HTMLResponse)
async def dead_letters(
    request: Request, status_filter: str = "dead", principal: Principal = READER
) -> HTMLResponse:
    rows = await list_dead(hub_of(request), None if status_filter == "all" else status_filter, LIST_LIMIT)
    return render(
        request,
        "dead_letters.html",
        principal,
        rows=[dead_letter_dict(r) for r in rows],
        status_filter=status_filter,
        done=request.query_params.get("done", ""),
        done_id=request.query_params.get("id", ""),
    )


@router.get("/dead-letters/{dead_id}", response_class=HTMLResponse)
async def dead_letter(request: Request, dead_id: int, principal: Principal = READER) -> HTMLResponse:
    try:
        d = await service.dead_letter_detail(hub_of(request), dead_id, principal.username)
    except DeadLetterError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    return render(request, "dead_letter.html", principal, d=d, error="", edited="")


@router.post("/dead-letters/{dead_id}/replay", response_model=None)
async def replay(
    request: Request,
    dead_id: int,
    payload: str = Form(""),
    principal: Principal = ACTOR,
) -> Response:
    hub = hub_of(request)
    try:
        edited = service.parse_edited(payload)
        await service.replay(hub, dead_id, principal.username, edited)
    except (service.ReplayError, DeadLetterError) as exc:
        d = await service.dead_letter_detail(hub, dead_id, principal.username)
        return render(
            request,
            "dead_letter.html",
            principal,
            status_code=422,
            d=d,
            error=str(exc),
            edited=payload,
        )
    return see_other("/dead-letters?" + urlencode({"done": "replayed_ok", "id": dead_id}))


@router.post("/dead-letters/{dead_id}/discard", response_model=None)
async def discard(
    request: Request, dead_id: int, note: str = Form(""), principal: Principal = ACTOR
) -> Response:
    try:
        await service.discard(hub_of(request), dead_id, principal.username, note)
    except DeadLetterError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return see_other("/dead-letters?" + urlencode({"done": "discarded_ok", "id": dead_id}))

"""The portal's JSON API under /api/ops (and /api/asyncapi.json); every route needs an ops role."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from pydantic import BaseModel

from hub.adapter_health import read_all
from hub.auth import CurrentPrincipal, require_roles
from hub.dlq import DeadLetterError, dead_letter_dict, list_dead
from hub.web import hub_of
from portal.ops import queries, service
from portal.ops.catalogue import asyncapi_document, message_types
from portal.ops.security import OPS_ADMIN, OPS_READ, OPS_WRITE


class ReplayIn(BaseModel):
    """Replay as is, or with an edited payload validated against the message type's schema."""

    payload: dict[str, Any] | None = None


class DiscardIn(BaseModel):
    note: str = ""


class AuditView(BaseModel):
    """One line of the audit trail: who did what to which target, when."""

    id: int
    at: str
    actor: str
    action: str
    target: str
    detail: dict[str, Any] | None


router = APIRouter(prefix="/api", tags=["ops"])
READ = [require_roles(*OPS_READ)]
WRITE = [require_roles(*OPS_WRITE)]
ADMIN = [require_roles(*OPS_ADMIN)]


@router.get("/ops/overview", dependencies=READ)
async def overview(request: Request) -> dict[str, Any]:
    data = await service.overview(hub_of(request))
    data.pop("_series", None)
    return data


@router.get("/ops/routes", dependencies=READ)
async def routes(request: Request, hours: float = 24.0) -> dict[str, Any]:
    return await service.routes(hub_of(request), hours)


@router.get("/ops/messages", dependencies=READ)
async def messages(
    request: Request,
    message_id: str = "",
    issue: str = "",
    correlation_id: str = "",
    user_id: str = "",
    type: str = "",
    since: str = "",
    until: str = "",
    limit: int = 100,
) -> list[dict[str, Any]]:
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
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    return await service.search(hub_of(request), f, min(max(limit, 1), 500))


@router.get("/ops/trace/{key:path}", dependencies=READ)
async def trace(request: Request, key: str) -> dict[str, Any]:
    """The hops of a message id, correlation id, DocumentId, or number and notation (`456/UBND-KT`);
    `found_by` lists the DocumentIds a number and notation matched."""
    rows, found_by = await service.find_trace(hub_of(request), key)
    if not rows:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"Không có gì trong nhật ký cho '{key}'")
    return {"key": key, "hops": rows, "found_by": found_by}


@router.get("/ops/refusals", dependencies=READ)
async def refusals(request: Request, limit: int = 200) -> list[dict[str, Any]]:
    """Refused incoming documents, newest first (files at `/refusals/{message_id}/file|answer`)."""
    return await service.refusals(hub_of(request), min(max(limit, 1), 1000))


@router.get("/ops/messages/{message_id}/payload", dependencies=READ)
async def payload(request: Request, message_id: str, principal: CurrentPrincipal) -> dict[str, Any]:
    found = await service.message_payload(hub_of(request), message_id, principal.username)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Nội dung không còn trên luồng")
    return found


@router.get("/ops/dead-letters", dependencies=READ)
async def dead_letters(
    request: Request, status_: str = Query("dead", alias="status"), limit: int = 100
) -> list[dict[str, Any]]:
    rows = await list_dead(hub_of(request), None if status_ == "all" else status_, min(limit, 1000))
    return [dead_letter_dict(row) for row in rows]


@router.get("/ops/dead-letters/{dead_id}", dependencies=READ)
async def dead_letter(request: Request, dead_id: int, principal: CurrentPrincipal) -> dict[str, Any]:
    try:
        return await service.dead_letter_detail(hub_of(request), dead_id, principal.username)
    except DeadLetterError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None


@router.post("/ops/dead-letters/{dead_id}/replay", dependencies=WRITE)
async def replay(
    request: Request, dead_id: int, principal: CurrentPrincipal, body: ReplayIn | None = None
) -> dict[str, Any]:
    try:
        return await service.replay(
            hub_of(request), dead_id, principal.username, body.payload if body else None
        )
    except service.ReplayError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    except DeadLetterError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None


@router.post("/ops/dead-letters/{dead_id}/discard", dependencies=WRITE)
async def discard(
    request: Request, dead_id: int, principal: CurrentPrincipal, body: DiscardIn | None = None
) -> dict[str, Any]:
    try:
        return await service.discard(hub_of(request), dead_id, principal.username, body.note if body else "")
    except DeadLetterError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None


@router.get("/ops/adapters", dependencies=READ)
async def adapters(request: Request) -> list[dict[str, Any]]:
    return [a.summary() for a in await read_all(hub_of(request))]


@router.get("/ops/catalogue", dependencies=READ)
async def catalogue() -> list[dict[str, Any]]:
    return message_types()


@router.get("/asyncapi.json", dependencies=READ)
async def asyncapi(request: Request) -> dict[str, Any]:
    return asyncapi_document(hub_of(request))


@router.get("/ops/audit", dependencies=READ)
async def audit(
    request: Request, actor: str = "", action: str = "", target: str = "", limit: int = 200
) -> list[AuditView]:
    rows = await queries.list_audit(hub_of(request).db, actor, action, target, min(limit, 1000))
    return [
        AuditView(
            id=a.id,
            at=queries.aware(a.at).isoformat(),
            actor=a.actor,
            action=a.action,
            target=a.target,
            detail=a.detail,
        )
        for a in rows
    ]


@router.get("/ops/users", dependencies=ADMIN)
async def users(request: Request) -> list[service.UserView]:
    return await service.list_users(hub_of(request))


@router.post("/ops/users", dependencies=ADMIN, status_code=201)
async def create_user(
    request: Request, body: service.UserIn, principal: CurrentPrincipal
) -> service.UserView:
    try:
        return await service.create_user(hub_of(request), body, principal.username)
    except service.UserError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None


@router.patch("/ops/users/{user_id}", dependencies=ADMIN)
async def update_user(
    request: Request, user_id: str, body: service.UserPatch, principal: CurrentPrincipal
) -> service.UserView:
    try:
        return await service.update_user(hub_of(request), user_id, body, principal.username)
    except service.UserError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None

"""The portal's JSON API under /api/ops (and /api/asyncapi.json); every route needs an ops role."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from pydantic import BaseModel

from hub.adapter_health import read_all
from hub.auth import CurrentPrincipal, require_roles
from hub.dlq import DeadLetterError, dead_letter_dict, list_dead
from hub.runtime import Hub
from portal import queries, service
from portal.catalogue import asyncapi_document, message_types
from portal.security import OPS_ADMIN, OPS_READ, OPS_WRITE


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


class ReplayIn(BaseModel):
    """Replay as is, or with an edited payload validated against the message type's schema."""

    payload: dict[str, Any] | None = None


class DiscardIn(BaseModel):
    note: str = ""


def build_router() -> APIRouter:
    r = APIRouter(prefix="/api", tags=["ops"])
    read = [require_roles(*OPS_READ)]

    @r.get("/ops/overview", dependencies=read)
    async def overview(request: Request) -> dict[str, Any]:
        data = await service.overview(_hub(request))
        data.pop("_series", None)
        return data

    @r.get("/ops/routes", dependencies=read)
    async def routes(request: Request, hours: float = 24.0) -> dict[str, Any]:
        return await service.routes(_hub(request), hours)

    @r.get("/ops/messages", dependencies=read)
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
        return await service.search(_hub(request), f, min(max(limit, 1), 500))

    @r.get("/ops/trace/{key}", dependencies=read)
    async def trace(request: Request, key: str) -> dict[str, Any]:
        rows = await service.trace_of(_hub(request), key)
        if not rows:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"Không có gì trong nhật ký cho '{key}'")
        return {"key": key, "hops": rows}

    @r.get("/ops/messages/{message_id}/payload", dependencies=read)
    async def payload(request: Request, message_id: str, principal: CurrentPrincipal) -> dict[str, Any]:
        found = await service.message_payload(_hub(request), message_id, principal.username)
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "Nội dung không còn trên luồng")
        return found

    @r.get("/ops/dead-letters", dependencies=read)
    async def dead_letters(
        request: Request, status_: str = Query("dead", alias="status"), limit: int = 100
    ) -> list[dict[str, Any]]:
        rows = await list_dead(_hub(request), None if status_ == "all" else status_, min(limit, 1000))
        return [dead_letter_dict(row) for row in rows]

    @r.get("/ops/dead-letters/{dead_id}", dependencies=read)
    async def dead_letter(request: Request, dead_id: int, principal: CurrentPrincipal) -> dict[str, Any]:
        try:
            return await service.dead_letter_detail(_hub(request), dead_id, principal.username)
        except DeadLetterError as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None

    @r.post("/ops/dead-letters/{dead_id}/replay", dependencies=[require_roles(*OPS_WRITE)])
    async def replay(
        request: Request, dead_id: int, principal: CurrentPrincipal, body: ReplayIn | None = None
    ) -> dict[str, Any]:
        try:
            return await service.replay(
                _hub(request), dead_id, principal.username, body.payload if body else None
            )
        except service.ReplayError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
        except DeadLetterError as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None

    @r.post("/ops/dead-letters/{dead_id}/discard", dependencies=[require_roles(*OPS_WRITE)])
    async def discard(
        request: Request, dead_id: int, principal: CurrentPrincipal, body: DiscardIn | None = None
    ) -> dict[str, Any]:
        try:
            return await service.discard(
                _hub(request), dead_id, principal.username, body.note if body else ""
            )
        except DeadLetterError as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None

    @r.get("/ops/adapters", dependencies=read)
    async def adapters(request: Request) -> list[dict[str, Any]]:
        return [a.summary() for a in await read_all(_hub(request))]

    @r.get("/ops/catalogue", dependencies=read)
    async def catalogue() -> list[dict[str, Any]]:
        return message_types()

    @r.get("/asyncapi.json", dependencies=read)
    async def asyncapi(request: Request) -> dict[str, Any]:
        return asyncapi_document(_hub(request))

    @r.get("/ops/audit", dependencies=read)
    async def audit(
        request: Request, actor: str = "", action: str = "", target: str = "", limit: int = 200
    ) -> list[dict[str, Any]]:
        rows = await queries.list_audit(_hub(request).db, actor, action, target, min(limit, 1000))
        return [
            {
                "id": a.id,
                "at": queries.aware(a.at).isoformat(),
                "actor": a.actor,
                "action": a.action,
                "target": a.target,
                "detail": a.detail,
            }
            for a in rows
        ]

    @r.get("/ops/users", dependencies=[require_roles(*OPS_ADMIN)])
    async def users(request: Request) -> list[dict[str, Any]]:
        return await service.list_users(_hub(request))

    @r.post("/ops/users", dependencies=[require_roles(*OPS_ADMIN)], status_code=201)
    async def create_user(
        request: Request, body: service.UserIn, principal: CurrentPrincipal
    ) -> dict[str, Any]:
        try:
            return await service.create_user(_hub(request), body, principal.username)
        except service.UserError as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None

    @r.patch("/ops/users/{user_id}", dependencies=[require_roles(*OPS_ADMIN)])
    async def update_user(
        request: Request, user_id: str, body: service.UserPatch, principal: CurrentPrincipal
    ) -> dict[str, Any]:
        try:
            return await service.update_user(_hub(request), user_id, body, principal.username)
        except service.UserError as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None

    return r

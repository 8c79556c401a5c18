"""REST and live API of notifications: SSE stream, in-app inbox, preferences (under /api/notify)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import func, select, update

from adapters.notify import mapping
from adapters.notify.models import NotifyDelivery, NotifyPreference
from adapters.notify.service import live_subject
from hub.auth import CurrentPrincipal, require_roles
from hub.directory import ADMIN, OPERATOR, VIEWER

if TYPE_CHECKING:
    from adapters.notify.module import NotifyModule
    from hub.runtime import Hub

HEARTBEAT_SECONDS = 15.0


class PreferencesIn(BaseModel):
    """A staff member's notification choices."""

    channels_off: list[str] = Field(default_factory=list, description="Any of sms, zalo, email, digest")
    quiet_start: int | None = Field(default=None, ge=0, le=23, description="Local hour quiet hours begin")
    quiet_end: int | None = Field(default=None, ge=0, le=23, description="Local hour quiet hours end")
    digest: bool = True

    @field_validator("channels_off")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        bad = [c for c in value if c not in mapping.OPTIONAL]
        if bad:
            raise ValueError(
                f"kênh không tắt được hoặc không tồn tại: {', '.join(bad)} "
                f"(chỉ: {', '.join(mapping.OPTIONAL)})"
            )
        return sorted(set(value))


def build_router(mod: NotifyModule) -> APIRouter:
    router = APIRouter(prefix="/notify", tags=["notify"])

    def hub_of(request: Request) -> Hub:
        hub: Hub = request.app.state.hub
        return hub

    @router.get("/stream")
    async def stream(request: Request, principal: CurrentPrincipal) -> StreamingResponse:
        """Server-sent events: each in-app notification of the caller, live (event: notification)."""
        hub = hub_of(request)
        if hub.nc is None:
            raise HTTPException(503, "Chưa kết nối máy chủ thông điệp")
        queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=1000)

        async def on_msg(msg: Any) -> None:
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(msg.data)

        sub = await hub.nc.subscribe(live_subject(principal.id), cb=on_msg)
        await hub.nc.flush()

        async def events() -> AsyncIterator[bytes]:
            try:
                unread = await _unread(hub, principal.id)
                yield f"retry: 3000\nevent: hello\ndata: {json.dumps({'unread': unread})}\n\n".encode()
                while True:
                    try:
                        data = await asyncio.wait_for(queue.get(), timeout=HEARTBEAT_SECONDS)
                    except TimeoutError:
                        if await request.is_disconnected():
                            break
                        yield b": keep-alive\n\n"
                        continue
                    event = json.loads(data)
                    yield (
                        f"id: {event['id']}\nevent: notification\n"
                        f"data: {json.dumps(event, ensure_ascii=False)}\n\n"
                    ).encode()
            finally:
                with contextlib.suppress(Exception):
                    await sub.unsubscribe()

        return StreamingResponse(
            events(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @router.get("/inbox")
    async def inbox(principal: CurrentPrincipal, unread_only: bool = False) -> list[dict[str, Any]]:
        """The caller's in-app notifications, newest first."""
        return await mod.service.inbox(principal.id, unread_only)

    @router.get("/unread-count")
    async def unread_count(request: Request, principal: CurrentPrincipal) -> dict[str, int]:
        return {"unread": await _unread(hub_of(request), principal.id)}

    @router.post("/inbox/{delivery_id}/read")
    async def mark_read(request: Request, delivery_id: int, principal: CurrentPrincipal) -> dict[str, Any]:
        """Mark one in-app notification read."""
        async with hub_of(request).db.session() as s:
            result = await s.execute(
                update(NotifyDelivery)
                .where(
                    NotifyDelivery.id == delivery_id,
                    NotifyDelivery.recipient == principal.id,
                    NotifyDelivery.channel == mapping.INAPP,
                    NotifyDelivery.read_at.is_(None),
                )
                .values(read_at=datetime.now(UTC))
            )
        return {"id": delivery_id, "updated": bool(getattr(result, "rowcount", 0))}

    @router.get("/preferences")
    async def get_preferences(request: Request, principal: CurrentPrincipal) -> PreferencesIn:
        async with hub_of(request).db.session() as s:
            row = await s.get(NotifyPreference, principal.id)
        if row is None:
            return PreferencesIn()
        return PreferencesIn(
            channels_off=row.channels_off,
            quiet_start=row.quiet_start,
            quiet_end=row.quiet_end,
            digest=row.digest,
        )

    @router.put("/preferences")
    async def put_preferences(
        request: Request, body: PreferencesIn, principal: CurrentPrincipal
    ) -> PreferencesIn:
        """Set channels turned off, quiet hours (not applied to Hỏa tốc) and the daily digest."""
        if (body.quiet_start is None) != (body.quiet_end is None):
            raise HTTPException(
                422, "Cần cả giờ bắt đầu (quiet_start) và giờ kết thúc (quiet_end) giờ yên lặng"
            )
        async with hub_of(request).db.session() as s:
            row = await s.get(NotifyPreference, principal.id)
            if row is None:
                row = NotifyPreference(user_id=principal.id)
                s.add(row)
            row.channels_off = body.channels_off
            row.quiet_start = body.quiet_start
            row.quiet_end = body.quiet_end
            row.digest = body.digest
            row.updated_at = datetime.now(UTC)
        return body

    @router.get("/deliveries", dependencies=[require_roles(VIEWER, OPERATOR, ADMIN)])
    async def deliveries(
        request: Request, status: str | None = None, channel: str | None = None, limit: int = 200
    ) -> list[dict[str, Any]]:
        """Delivery rows for operators: what waits, what failed and why (newest first)."""
        q = select(NotifyDelivery).order_by(NotifyDelivery.id.desc()).limit(max(1, min(limit, 1000)))
        if status:
            q = q.where(NotifyDelivery.status == status)
        if channel:
            q = q.where(NotifyDelivery.channel == channel)
        async with hub_of(request).db.session() as s:
            rows = (await s.execute(q)).scalars().all()
        return [
            {
                "id": r.id,
                "recipient": r.recipient,
                "channel": r.channel,
                "dedup_key": r.dedup_key,
                "urgency": r.urgency,
                "title": r.title,
                "status": r.status,
                "attempts": r.attempts,
                "last_error": r.last_error,
                "not_before": r.not_before.isoformat(),
                "next_attempt_at": r.next_attempt_at.isoformat(),
                "sent_at": r.sent_at.isoformat() if r.sent_at else None,
            }
            for r in rows
        ]

    return router


async def _unread(hub: Hub, user_id: str) -> int:
    async with hub.db.session() as s:
        count = await s.scalar(
            select(func.count())
            .select_from(NotifyDelivery)
            .where(
                NotifyDelivery.recipient == user_id,
                NotifyDelivery.channel == mapping.INAPP,
                NotifyDelivery.read_at.is_(None),
            )
        )
    return int(count or 0)

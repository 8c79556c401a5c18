"""REST and live API of notifications under /api/notify: SSE stream, in-app inbox, preferences, log,
and what the development channel simulators received (for the ops portal's simulator inbox)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from adapters.notify import inbox
from adapters.notify.inbox import DeliveryRow, InboxItem, Preferences
from adapters.notify.service import live_subject
from adapters.notify.simulator import SimulatedMessage, received_messages
from hub.auth import CurrentPrincipal, require_roles
from hub.orgchart import ADMIN, OPERATOR, VIEWER
from hub.runtime import Hub
from hub.web import HubDep, Page, Paging, module_of

HEARTBEAT_SECONDS = 15.0

router = APIRouter(prefix="/notify", tags=["notify"])


class UnreadCount(BaseModel):
    unread: int


class MarkedRead(BaseModel):
    id: int
    updated: bool


class SimulatorsState(BaseModel):
    """Whether the channels go to the development simulators, where they are and where they keep mail."""

    embedded: bool
    folder: str | None = None
    addresses: dict[str, str] = {}


async def _events(
    request: Request, hub: Hub, user_id: str, queue: asyncio.Queue[bytes]
) -> AsyncIterator[bytes]:
    """The SSE body: `hello` with the unread count, then one `notification` per live event."""
    hello = json.dumps({"unread": await inbox.unread(hub.db, user_id)})
    yield f"retry: 3000\nevent: hello\ndata: {hello}\n\n".encode()
    while True:
        try:
            data = await asyncio.wait_for(queue.get(), timeout=HEARTBEAT_SECONDS)
        except TimeoutError:
            if await request.is_disconnected():
                return
            yield b": keep-alive\n\n"
            continue
        event = json.loads(data)
        text = json.dumps(event, ensure_ascii=False)
        yield f"id: {event['id']}\nevent: notification\ndata: {text}\n\n".encode()


@router.get("/stream")
async def stream(request: Request, principal: CurrentPrincipal, hub: HubDep) -> StreamingResponse:
    """Server-sent events: each in-app notification of the caller, live (event: notification)."""
    if hub.nc is None:
        raise HTTPException(503, "Chưa kết nối máy chủ thông điệp")
    queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=1000)

    async def on_msg(msg: Any) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            queue.put_nowait(msg.data)

    sub = await hub.nc.subscribe(live_subject(principal.id), cb=on_msg)
    await hub.nc.flush()

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in _events(request, hub, principal.id, queue):
                yield chunk
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    return StreamingResponse(
        body(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("/inbox")
async def inbox_page(
    principal: CurrentPrincipal, hub: HubDep, paging: Paging, unread_only: bool = False
) -> Page[InboxItem]:
    """The caller's in-app notifications, newest first."""
    items, total = await inbox.inbox(
        hub.db, principal.id, unread_only=unread_only, limit=paging.limit, offset=paging.offset
    )
    return Page.of(items, total, paging)


@router.get("/unread-count")
async def unread_count(principal: CurrentPrincipal, hub: HubDep) -> UnreadCount:
    return UnreadCount(unread=await inbox.unread(hub.db, principal.id))


@router.post("/inbox/{delivery_id}/read")
async def mark_read(delivery_id: int, principal: CurrentPrincipal, hub: HubDep) -> MarkedRead:
    """Mark one in-app notification read."""
    return MarkedRead(id=delivery_id, updated=await inbox.mark_read(hub.db, principal.id, delivery_id))


@router.get("/preferences")
async def get_preferences(principal: CurrentPrincipal, hub: HubDep) -> Preferences:
    return await inbox.preferences(hub.db, principal.id)


@router.put("/preferences")
async def put_preferences(body: Preferences, principal: CurrentPrincipal, hub: HubDep) -> Preferences:
    """Set channels turned off, quiet hours (not applied to Hỏa tốc) and the daily digest."""
    return await inbox.set_preferences(hub.db, principal.id, body)


@router.get("/deliveries", dependencies=[require_roles(VIEWER, OPERATOR, ADMIN)])
async def deliveries(
    hub: HubDep,
    paging: Paging,
    status: Annotated[str | None, Query(description="pending, sending, sent or failed")] = None,
    channel: Annotated[str | None, Query(description="inapp, sms, zalo, email or digest")] = None,
) -> Page[DeliveryRow]:
    """Delivery rows for operators: what waits, what failed and why (newest first)."""
    items, total = await inbox.deliveries(
        hub.db, status=status, channel=channel, limit=paging.limit, offset=paging.offset
    )
    return Page.of(items, total, paging)


def _simulators(request: Request) -> tuple[dict[str, str], Any]:
    from adapters.notify import NotifyModule

    module = module_of(request, "notify", NotifyModule)
    return module.simulator_addresses, module.simulator_folder


@router.get("/simulators", dependencies=[require_roles(VIEWER, OPERATOR, ADMIN)])
async def simulators(request: Request) -> SimulatorsState:
    """Whether mail, SMS and Zalo go to the development simulators (no real channel configured)."""
    addresses, folder = _simulators(request)
    if folder is None:
        return SimulatorsState(embedded=False)
    return SimulatorsState(embedded=True, folder=str(folder), addresses=addresses)


@router.get("/simulators/messages", dependencies=[require_roles(VIEWER, OPERATOR, ADMIN)])
async def simulated_messages(
    request: Request,
    paging: Paging,
    channel: Annotated[Literal["mail", "sms", "zalo"] | None, Query(description="mail, sms or zalo")] = None,
) -> Page[SimulatedMessage]:
    """What the simulators received (mail, SMS, Zalo), newest first; empty when they are not in use."""
    _, folder = _simulators(request)
    if folder is None:
        return Page.whole([], paging)
    return Page.whole(await asyncio.to_thread(received_messages, folder, channel), paging)

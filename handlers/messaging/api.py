"""REST API of internal messaging (mounted under /api/messages behind login).

Routes translate HTTP to the service and back; refusals are hub.errors domain errors, answered by
the app's handler.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from handlers.messaging import MessagingModule, service
from handlers.messaging.service import NewGroup, NewMessage
from handlers.messaging.views import (
    Delivered,
    GroupCreated,
    GroupView,
    MessageView,
    NonReader,
    Reader,
    ReadMark,
    Receipts,
    SentMessage,
    UnreadCount,
    aware,
    message_view,
)
from hub.auth import CurrentPrincipal
from hub.web import HubDep, Page, Paging, module_of, transaction

router = APIRouter(prefix="/messages", tags=["messaging"])


@router.post("", status_code=201)
async def send(request: Request, body: NewMessage, principal: CurrentPrincipal) -> Delivered:
    """Send a message; recipients get it in their inbox and an in-app notification."""
    settings = module_of(request, "messaging", MessagingModule).settings
    async with transaction(request, "messaging", principal.id) as work:
        msg, recipients = await service.send(
            work, principal, body, excerpt_chars=settings.notify_excerpt_chars
        )
        return Delivered(**dict(message_view(msg)), recipients=recipients)


@router.get("/inbox")
async def inbox(
    hub: HubDep, principal: CurrentPrincipal, paging: Paging, q: str = "", unread_only: bool = False
) -> Page[MessageView]:
    """Messages to the caller, newest first; `q` searches subject, body and sender without diacritics."""
    async with hub.db.session() as s:
        rows, total = await service.inbox(
            s, principal, q=q, unread_only=unread_only, offset=paging.offset, limit=paging.limit
        )
        names = await service.names_of(s, {m.sender for m, _ in rows})
    return Page.of([message_view(m, read_at, names) for m, read_at in rows], total, paging)


@router.get("/sent")
async def sent(hub: HubDep, principal: CurrentPrincipal, paging: Paging, q: str = "") -> Page[SentMessage]:
    """Messages the caller sent, newest first, with how many recipients have read each."""
    async with hub.db.session() as s:
        rows, total = await service.sent(s, principal, q=q, offset=paging.offset, limit=paging.limit)
    items = [
        SentMessage(
            **dict(message_view(r.message, r.message.created_at)), recipients=r.recipients, read_by=r.read_by
        )
        for r in rows
    ]
    return Page.of(items, total, paging)


@router.get("/unread-count")
async def unread_count(hub: HubDep, principal: CurrentPrincipal) -> UnreadCount:
    """How many messages the caller has not read."""
    async with hub.db.session() as s:
        return UnreadCount(unread=await service.unread_count(s, principal))


@router.post("/groups", status_code=201)
async def create_group(hub: HubDep, body: NewGroup, principal: CurrentPrincipal) -> GroupCreated:
    """Create a group of staff (the creator is a member)."""
    async with hub.db.session() as s:
        group, members = await service.create_group(s, principal, body)
    return GroupCreated(id=group.id, name=group.name, members=members)


@router.get("/groups/mine")
async def my_groups(hub: HubDep, principal: CurrentPrincipal, paging: Paging) -> Page[GroupView]:
    """The groups the caller belongs to."""
    async with hub.db.session() as s:
        groups = await service.groups_of(s, principal)
    return Page.whole([GroupView.of(g, members) for g, members in groups], paging)


@router.get("/{message_id}")
async def read_one(hub: HubDep, message_id: str, principal: CurrentPrincipal) -> MessageView:
    """Open a message (opening marks it read: the read receipt)."""
    async with hub.db.session() as s:
        m, read_at = await service.open_message(s, principal, message_id)
        names = await service.names_of(s, {m.sender})
        return message_view(m, read_at, names)


@router.post("/{message_id}/read")
async def mark_read(hub: HubDep, message_id: str, principal: CurrentPrincipal) -> ReadMark:
    """Mark a message read without opening it."""
    async with hub.db.session() as s:
        read_at = await service.mark_read(s, principal, message_id)
    return ReadMark(id=message_id, read_at=aware(read_at))


@router.get("/{message_id}/receipts")
async def receipts(hub: HubDep, message_id: str, principal: CurrentPrincipal) -> Receipts:
    """Who has read a message and who has not (its sender, or a leader)."""
    async with hub.db.session() as s:
        rows = await service.receipts_of(s, principal, message_id)
        names = await service.names_of(s, {r.user_id for r in rows})
    read = [
        Reader(user_id=r.user_id, full_name=names.get(r.user_id, r.user_id), read_at=aware(r.read_at))
        for r in rows
        if r.read_at
    ]
    unread = [
        NonReader(user_id=r.user_id, full_name=names.get(r.user_id, r.user_id)) for r in rows if not r.read_at
    ]
    return Receipts(message_id=message_id, total=len(rows), read=read, unread=unread)

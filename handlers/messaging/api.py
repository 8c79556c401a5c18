"""REST API of internal messaging (mounted under /api/messages behind login)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.messaging.models import Group, GroupMember, Message, Recipient
from handlers.messaging.text import fold, terms
from hub.auth import CurrentPrincipal, Principal
from hub.directory import LEADER, UNIT_HEAD, Unit, User
from hub.runtime import Hub
from schemas.messaging import MessageSent
from schemas.notify import NotifyRequested

router = APIRouter(tags=["messaging"])


class NewMessage(BaseModel):
    """A message to send; who receives it depends on its kind."""

    kind: Literal["direct", "unit", "group", "notice"] = "direct"
    subject: str = Field(min_length=1, max_length=300)
    body: str = Field(default="", max_length=20000)
    recipients: list[str] = Field(default_factory=list, description="User ids (direct messages)")
    unit_id: str | None = Field(default=None, description="Unit broadcast, or a notice to one unit")
    group_id: str | None = None
    cites_document_id: str | None = None
    cites_task_id: str | None = None
    urgency: Literal["thuong", "khan", "thuong_khan", "hoa_toc"] = "thuong"

    @model_validator(mode="after")
    def _who(self) -> NewMessage:
        if self.kind == "direct" and not self.recipients:
            raise ValueError("tin nhắn trực tiếp cần danh sách người nhận (recipients)")
        if self.kind == "unit" and not self.unit_id:
            raise ValueError("tin gửi đơn vị cần mã đơn vị (unit_id)")
        if self.kind == "group" and not self.group_id:
            raise ValueError("tin gửi nhóm cần mã nhóm (group_id)")
        return self


class NewGroup(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    members: list[str] = Field(min_length=1)


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


async def _active_ids(session: AsyncSession, *conditions: Any) -> list[str]:
    q = select(User.id).where(User.active, *conditions).order_by(User.id)
    return list((await session.execute(q)).scalars())


async def _resolve(session: AsyncSession, p: Principal, body: NewMessage) -> list[str]:
    """The recipients of a message, checked against the directory and the sender's rights."""
    if body.kind == "direct":
        wanted = list(dict.fromkeys(body.recipients))
        found = await _active_ids(session, User.id.in_(wanted))
        missing = sorted(set(wanted) - set(found))
        if missing:
            raise HTTPException(422, f"Không tìm thấy người nhận: {', '.join(missing)}")
        return found
    if body.kind == "unit":
        if await session.get(Unit, body.unit_id) is None:
            raise HTTPException(422, f"Không tìm thấy đơn vị {body.unit_id}")
        if body.unit_id != p.unit_id and not p.has(LEADER, UNIT_HEAD):
            raise HTTPException(403, "Chỉ được gửi tin tới đơn vị của mình")
        return await _active_ids(session, User.unit_id == body.unit_id)
    if body.kind == "group":
        group = await session.get(Group, body.group_id)
        if group is None:
            raise HTTPException(422, f"Không tìm thấy nhóm {body.group_id}")
        members = list(
            (
                await session.execute(select(GroupMember.user_id).where(GroupMember.group_id == group.id))
            ).scalars()
        )
        if p.id not in members and p.id != group.owner:
            raise HTTPException(403, "Chỉ thành viên nhóm được gửi tin tới nhóm")
        return await _active_ids(session, User.id.in_(members))
    if not p.has(LEADER):
        raise HTTPException(403, "Chỉ lãnh đạo Sở được gửi thông báo có xác nhận đã đọc")
    if body.unit_id:
        return await _active_ids(session, User.unit_id == body.unit_id)
    return await _active_ids(session)


def _view(m: Message, read_at: datetime | None = None, names: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "id": m.id,
        "kind": m.kind,
        "sender": m.sender,
        "sender_name": (names or {}).get(m.sender, m.sender),
        "subject": m.subject,
        "body": m.body,
        "unit_id": m.unit_id,
        "group_id": m.group_id,
        "requires_receipt": m.requires_receipt,
        "cites_document_id": m.cites_document_id,
        "cites_task_id": m.cites_task_id,
        "urgency": m.urgency,
        "created_at": m.created_at.isoformat(),
        "read": read_at is not None,
    }


@router.post("/messages", status_code=201)
async def send(request: Request, body: NewMessage, principal: CurrentPrincipal) -> dict[str, Any]:
    """Send a message; recipients get it in their inbox and an in-app notification."""
    hub = _hub(request)
    async with hub.transaction(source="messaging", user_id=principal.id) as tx:
        s = tx.session
        recipients = [r for r in await _resolve(s, principal, body) if r != principal.id]
        if not recipients:
            raise HTTPException(422, "Không có người nhận nào (ngoài người gửi)")
        sender = await s.get(User, principal.id)
        msg = Message(
            id=uuid.uuid4().hex[:16],
            kind=body.kind,
            sender=principal.id,
            subject=body.subject,
            body=body.body,
            unit_id=body.unit_id,
            group_id=body.group_id,
            requires_receipt=body.kind == "notice",
            cites_document_id=body.cites_document_id,
            cites_task_id=body.cites_task_id,
            urgency=body.urgency,
            search_text=fold(f"{body.subject} {body.body} {sender.full_name if sender else principal.id}"),
            created_at=datetime.now(UTC),
        )
        s.add(msg)
        await s.flush()
        for user_id in recipients:
            s.add(Recipient(message_id=msg.id, user_id=user_id))
        await tx.emit(
            "message.sent",
            MessageSent(
                message_id=msg.id,
                kind=body.kind,
                sender=principal.id,
                subject=body.subject,
                recipients=recipients,
                requires_receipt=msg.requires_receipt,
                cites_document_id=body.cites_document_id,
                cites_task_id=body.cites_task_id,
            ),
            issue=body.cites_document_id or body.cites_task_id or msg.id,
        )
        label = "Thông báo" if body.kind == "notice" else "Tin nhắn"
        await tx.emit(
            "notify.requested",
            NotifyRequested(
                recipients=recipients,
                title=f"{label} từ {principal.full_name}: {body.subject}"[:300],
                body=body.body[:500],
                urgency=body.urgency,
                link=f"/messages/{msg.id}",
                dedup_key=f"message:{msg.id}",
                source_type="message.sent",
                issue=msg.id,
            ),
        )
        return {**_view(msg), "recipients": recipients}


@router.get("/messages/inbox")
async def inbox(
    request: Request, principal: CurrentPrincipal, q: str = "", unread_only: bool = False, limit: int = 50
) -> list[dict[str, Any]]:
    """Messages to the caller, newest first; `q` searches subject, body and sender without diacritics."""
    hub = _hub(request)
    stmt = (
        select(Message, Recipient.read_at)
        .join(Recipient, and_(Recipient.message_id == Message.id, Recipient.user_id == principal.id))
        .order_by(Message.created_at.desc(), Message.id)
        .limit(max(1, min(limit, 500)))
    )
    for term in terms(q):
        stmt = stmt.where(Message.search_text.contains(term, autoescape=True))
    if unread_only:
        stmt = stmt.where(Recipient.read_at.is_(None))
    async with hub.db.session() as s:
        rows = (await s.execute(stmt)).all()
        names = await _names(s, {m.sender for m, _ in rows})
    return [_view(m, read_at, names) for m, read_at in rows]


@router.get("/messages/sent")
async def sent(request: Request, principal: CurrentPrincipal, q: str = "") -> list[dict[str, Any]]:
    """Messages the caller sent, with how many recipients have read each."""
    hub = _hub(request)
    stmt = select(Message).where(Message.sender == principal.id).order_by(Message.created_at.desc())
    for term in terms(q):
        stmt = stmt.where(Message.search_text.contains(term, autoescape=True))
    async with hub.db.session() as s:
        messages = list((await s.execute(stmt)).scalars())
        out = []
        for m in messages:
            total, read = await _receipt_counts(s, m.id)
            out.append({**_view(m, m.created_at), "recipients": total, "read_by": read})
    return out


@router.get("/messages/unread-count")
async def unread_count(request: Request, principal: CurrentPrincipal) -> dict[str, int]:
    hub = _hub(request)
    async with hub.db.session() as s:
        n = await s.scalar(
            select(func.count())
            .select_from(Recipient)
            .where(Recipient.user_id == principal.id, Recipient.read_at.is_(None))
        )
    return {"unread": int(n or 0)}


@router.get("/messages/{message_id}")
async def read_one(request: Request, message_id: str, principal: CurrentPrincipal) -> dict[str, Any]:
    """Open a message (opening marks it read: the read receipt)."""
    hub = _hub(request)
    async with hub.db.session() as s:
        m = await s.get(Message, message_id)
        rcpt = await s.get(Recipient, (message_id, principal.id))
        if m is None or (rcpt is None and m.sender != principal.id):
            raise HTTPException(404, f"Không tìm thấy tin nhắn {message_id}")
        if rcpt is not None and rcpt.read_at is None:
            rcpt.read_at = datetime.now(UTC)
        names = await _names(s, {m.sender})
        return _view(m, rcpt.read_at if rcpt else m.created_at, names)


@router.post("/messages/{message_id}/read")
async def mark_read(request: Request, message_id: str, principal: CurrentPrincipal) -> dict[str, Any]:
    hub = _hub(request)
    async with hub.db.session() as s:
        rcpt = await s.get(Recipient, (message_id, principal.id))
        if rcpt is None:
            raise HTTPException(404, f"Không tìm thấy tin nhắn {message_id}")
        if rcpt.read_at is None:
            rcpt.read_at = datetime.now(UTC)
        return {"id": message_id, "read_at": rcpt.read_at.isoformat()}


@router.get("/messages/{message_id}/receipts")
async def receipts(request: Request, message_id: str, principal: CurrentPrincipal) -> dict[str, Any]:
    """Who has read a message and who has not (its sender, or a leader)."""
    hub = _hub(request)
    async with hub.db.session() as s:
        m = await s.get(Message, message_id)
        if m is None:
            raise HTTPException(404, f"Không tìm thấy tin nhắn {message_id}")
        if m.sender != principal.id and not principal.has(LEADER):
            raise HTTPException(403, "Chỉ người gửi xem được xác nhận đã đọc")
        rows = list((await s.execute(select(Recipient).where(Recipient.message_id == message_id))).scalars())
        names = await _names(s, {r.user_id for r in rows})
    read = [
        {"user_id": r.user_id, "full_name": names.get(r.user_id, r.user_id), "read_at": r.read_at.isoformat()}
        for r in rows
        if r.read_at
    ]
    unread = [
        {"user_id": r.user_id, "full_name": names.get(r.user_id, r.user_id)} for r in rows if not r.read_at
    ]
    return {"message_id": message_id, "total": len(rows), "read": read, "unread": unread}


@router.post("/messages/groups", status_code=201)
async def create_group(request: Request, body: NewGroup, principal: CurrentPrincipal) -> dict[str, Any]:
    """Create a group of staff (the creator is a member)."""
    hub = _hub(request)
    async with hub.db.session() as s:
        wanted = list(dict.fromkeys([principal.id, *body.members]))
        found = await _active_ids(s, User.id.in_(wanted))
        missing = sorted(set(wanted) - set(found))
        if missing:
            raise HTTPException(422, f"Không tìm thấy thành viên: {', '.join(missing)}")
        group = Group(
            id=uuid.uuid4().hex[:12], name=body.name, owner=principal.id, created_at=datetime.now(UTC)
        )
        s.add(group)
        await s.flush()
        for user_id in found:
            s.add(GroupMember(group_id=group.id, user_id=user_id))
        return {"id": group.id, "name": group.name, "members": found}


@router.get("/messages/groups/mine")
async def my_groups(request: Request, principal: CurrentPrincipal) -> list[dict[str, Any]]:
    hub = _hub(request)
    async with hub.db.session() as s:
        groups = (
            await s.execute(
                select(Group)
                .join(GroupMember, GroupMember.group_id == Group.id)
                .where(GroupMember.user_id == principal.id)
            )
        ).scalars()
        return [{"id": g.id, "name": g.name, "owner": g.owner} for g in groups]


async def _names(session: AsyncSession, user_ids: set[str]) -> dict[str, str]:
    if not user_ids:
        return {}
    rows = await session.execute(select(User.id, User.full_name).where(User.id.in_(user_ids)))
    return {str(uid): str(name) for uid, name in rows.all()}


async def _receipt_counts(session: AsyncSession, message_id: str) -> tuple[int, int]:
    total = await session.scalar(
        select(func.count()).select_from(Recipient).where(Recipient.message_id == message_id)
    )
    read = await session.scalar(
        select(func.count())
        .select_from(Recipient)
        .where(Recipient.message_id == message_id, Recipient.read_at.is_not(None))
    )
    return int(total or 0), int(read or 0)

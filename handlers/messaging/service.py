"""Internal messaging: who a message reaches, sending it, inboxes, read receipts and groups.

The sender's rights are checked here and refused with hub.errors domain errors. Sending runs in the
caller's unit of work (`hub.runtime.Work`), so `message.sent` and the in-app notification leave
through the outbox with the message.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVarTuple

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import Select, and_, func, select

from handlers.messaging.models import Group, GroupMember, Message, Recipient
from handlers.messaging.text import fold, terms
from hub.errors import Forbidden, Invalid, NotFound
from hub.orgchart import LEADER, UNIT_HEAD, Unit, User
from kit.collation import vietnamese_key
from schemas.messaging import MessageSent
from schemas.notify import NotifyRequested

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from hub.auth import Principal
    from hub.runtime import Work


class NewMessage(BaseModel):
    """A message to send; who receives it depends on its kind."""

    kind: Literal["direct", "unit", "group", "notice"] = "direct"
    subject: str = Field(min_length=1, max_length=300)
    body: str = Field(default="", max_length=20000)
    recipients: list[str] = Field(default_factory=list, max_length=500, description="User ids")
    unit_id: str | None = Field(default=None, description="Unit broadcast, or a notice to one unit")
    group_id: str | None = None
    unit_ids: list[str] = Field(
        default_factory=list, max_length=100, description="Units whose staff receive it too"
    )
    group_ids: list[str] = Field(
        default_factory=list, max_length=100, description="Groups whose members receive it too"
    )
    cites_document_id: str | None = None
    cites_task_id: str | None = None
    urgency: Literal["thuong", "khan", "thuong_khan", "hoa_toc"] = "thuong"

    @model_validator(mode="after")
    def _who(self) -> NewMessage:
        if self.kind == "direct" and not (self.recipients or self.unit_ids or self.group_ids):
            raise ValueError(
                "tin nhắn cần người nhận: cán bộ (recipients), đơn vị (unit_ids) hoặc nhóm (group_ids)"
            )
        if self.kind == "unit" and not self.unit_id:
            raise ValueError("tin gửi đơn vị cần mã đơn vị (unit_id)")
        if self.kind == "group" and not self.group_id:
            raise ValueError("tin gửi nhóm cần mã nhóm (group_id)")
        return self


class NewGroup(BaseModel):
    """A group of staff for broadcasts; its creator is a member."""

    name: str = Field(min_length=1, max_length=200)
    members: list[str] = Field(min_length=1)


def message_page(message_id: str) -> str:
    """Where the notice of a message points: the message's page in the staff e-office."""
    return f"/staff/tin-nhan/{message_id}"


# -- who a message reaches -----------------------------------------------------------------------------


async def _active_ids(session: AsyncSession, *conditions: Any) -> list[str]:
    q = select(User.id).where(User.active, *conditions).order_by(User.id)
    return list((await session.execute(q)).scalars())


async def _existing(session: AsyncSession, wanted: list[str], what: str, field: str) -> list[str]:
    """The active accounts among `wanted`; a refusal naming the missing ones."""
    found = await _active_ids(session, User.id.in_(wanted))
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise Invalid(f"Không tìm thấy {what}: {', '.join(missing)}", field=field)
    return found


@dataclass
class Audience:
    """Who a message reaches (user ids, in order) and how the sender addressed it, in words."""

    people: list[str]
    addressed: list[str]

    def add(self, people: list[str], label: str) -> None:
        self.people.extend(x for x in people if x not in self.people)
        self.addressed.append(label)


async def _unit_members(session: AsyncSession, p: Principal, unit_id: str) -> tuple[list[str], str]:
    unit = await session.get(Unit, unit_id)
    if unit is None:
        raise Invalid(f"Không tìm thấy đơn vị {unit_id}", field="unit_id")
    if unit_id != p.unit_id and not p.has(LEADER, UNIT_HEAD):
        raise Forbidden(f"Chỉ được gửi tin tới đơn vị của mình, không gửi được tới {unit.name}")
    return await _active_ids(session, User.unit_id == unit_id), unit.name


async def _group_members(session: AsyncSession, p: Principal, group_id: str) -> tuple[list[str], str]:
    group = await session.get(Group, group_id)
    if group is None:
        raise Invalid(f"Không tìm thấy nhóm {group_id}", field="group_id")
    q = select(GroupMember.user_id).where(GroupMember.group_id == group.id)
    members = list((await session.execute(q)).scalars())
    if p.id not in members and p.id != group.owner:
        raise Forbidden(f"Chỉ thành viên nhóm được gửi tin tới nhóm {group.name}")
    return await _active_ids(session, User.id.in_(members)), f"Nhóm {group.name}"


async def _notice_audience(session: AsyncSession, p: Principal, units: list[str]) -> Audience:
    if not p.has(LEADER):
        raise Forbidden("Chỉ lãnh đạo Sở được gửi thông báo có xác nhận đã đọc")
    audience = Audience([], [])
    if not units:
        audience.add(await _active_ids(session), "Toàn Sở")
    for unit_id in units:
        people, name = await _unit_members(session, p, unit_id)
        audience.add(people, name)
    return audience


async def audience_of(session: AsyncSession, p: Principal, body: NewMessage) -> Audience:
    """Who a message reaches, checked against the org chart and the sender's rights.

    Any kind but a notice may name people, units and groups at once: a person is reached once.
    """
    units = list(dict.fromkeys([*([body.unit_id] if body.unit_id else []), *body.unit_ids]))
    groups = list(dict.fromkeys([*([body.group_id] if body.group_id else []), *body.group_ids]))
    if body.kind == "notice":
        return await _notice_audience(session, p, units)
    audience = Audience([], [])
    named = list(dict.fromkeys(body.recipients))
    if named:
        found = await _existing(session, named, "người nhận", "recipients")
        names = await names_of(session, set(found))
        for person in named:
            audience.add([person], names.get(person, person))
    for unit_id in units:
        audience.add(*await _unit_members(session, p, unit_id))
    for group_id in groups:
        audience.add(*await _group_members(session, p, group_id))
    return audience


async def recipients_of(session: AsyncSession, p: Principal, body: NewMessage) -> list[str]:
    """The recipients of a message, checked against the org chart and the sender's rights."""
    return (await audience_of(session, p, body)).people


# -- sending -------------------------------------------------------------------------------------------


async def send(
    work: Work, p: Principal, body: NewMessage, *, excerpt_chars: int
) -> tuple[Message, list[str]]:
    """Store a message for its recipients (not the sender), emit message.sent and notify them."""
    s = work.session
    audience = await audience_of(s, p, body)
    recipients = [r for r in audience.people if r != p.id]
    if not recipients:
        raise Invalid("Không có người nhận nào (ngoài người gửi)", field="recipients")
    sender = await s.get(User, p.id)
    msg = Message(
        id=uuid.uuid4().hex[:16],
        kind=body.kind,
        sender=p.id,
        subject=body.subject,
        body=body.body,
        unit_id=body.unit_id,
        group_id=body.group_id,
        requires_receipt=body.kind == "notice",
        cites_document_id=body.cites_document_id,
        cites_task_id=body.cites_task_id,
        urgency=body.urgency,
        addressed=audience.addressed,
        search_text=fold(f"{body.subject} {body.body} {sender.full_name if sender else p.id}"),
        created_at=datetime.now(UTC),
    )
    s.add(msg)
    await s.flush()
    for user_id in recipients:
        s.add(Recipient(message_id=msg.id, user_id=user_id))
    await _announce(work, p, body, msg, recipients, excerpt_chars)
    return msg, recipients


async def _announce(
    work: Work, p: Principal, body: NewMessage, msg: Message, recipients: list[str], excerpt_chars: int
) -> None:
    await work.emit(
        "message.sent",
        MessageSent(
            message_id=msg.id,
            kind=body.kind,
            sender=p.id,
            subject=body.subject,
            recipients=recipients,
            requires_receipt=msg.requires_receipt,
            cites_document_id=body.cites_document_id,
            cites_task_id=body.cites_task_id,
        ),
        issue=body.cites_document_id or body.cites_task_id or msg.id,
    )
    label = "Thông báo" if body.kind == "notice" else "Tin nhắn"
    await work.emit(
        "notify.requested",
        NotifyRequested(
            recipients=recipients,
            title=f"{label} từ {p.full_name}: {body.subject}"[:300],
            body=body.body[:excerpt_chars],
            urgency=body.urgency,
            link=message_page(msg.id),
            dedup_key=f"message:{msg.id}",
            source_type="message.sent",
            issue=msg.id,
        ),
    )


# -- reading -------------------------------------------------------------------------------------------


Row = TypeVarTuple("Row")


def _searched(stmt: Select[*Row], q: str) -> Select[*Row]:
    """Keep the messages whose folded text has every term of `q` (diacritics and case ignored)."""
    for term in terms(q):
        stmt = stmt.where(Message.search_text.contains(term, autoescape=True))
    return stmt


async def _count(session: AsyncSession, stmt: Select[*Row]) -> int:
    return int(await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


async def inbox(
    session: AsyncSession, p: Principal, *, q: str, unread_only: bool, offset: int, limit: int
) -> tuple[list[tuple[Message, datetime | None]], int]:
    """One page of the messages to the person, newest first, with when each was read; and the total."""
    stmt = _searched(
        select(Message, Recipient.read_at).join(
            Recipient, and_(Recipient.message_id == Message.id, Recipient.user_id == p.id)
        ),
        q,
    )
    if unread_only:
        stmt = stmt.where(Recipient.read_at.is_(None))
    total = await _count(session, stmt)
    rows = await session.execute(
        stmt.order_by(Message.created_at.desc(), Message.id).offset(offset).limit(limit)
    )
    return [(m, read_at) for m, read_at in rows.all()], total


@dataclass(frozen=True)
class SentRow:
    """A message the person sent, with its receipt counts."""

    message: Message
    recipients: int
    read_by: int


async def sent(
    session: AsyncSession, p: Principal, *, q: str, offset: int, limit: int
) -> tuple[list[SentRow], int]:
    """One page of the messages the person sent, newest first, with how many have read each."""
    stmt = _searched(select(Message).where(Message.sender == p.id), q)
    total = await _count(session, stmt)
    page = stmt.order_by(Message.created_at.desc(), Message.id).offset(offset).limit(limit)
    messages = list((await session.execute(page)).scalars())
    counts = await _receipt_counts(session, [m.id for m in messages])
    return [SentRow(m, *counts.get(m.id, (0, 0))) for m in messages], total


async def _receipt_counts(session: AsyncSession, message_ids: list[str]) -> dict[str, tuple[int, int]]:
    """Recipients and readers of each message."""
    if not message_ids:
        return {}
    q = (
        select(Recipient.message_id, func.count(), func.count(Recipient.read_at))
        .where(Recipient.message_id.in_(message_ids))
        .group_by(Recipient.message_id)
    )
    return {str(mid): (int(total), int(read)) for mid, total, read in (await session.execute(q)).all()}


async def unread_count(session: AsyncSession, p: Principal) -> int:
    """How many messages the person has not read."""
    n = await session.scalar(
        select(func.count())
        .select_from(Recipient)
        .where(Recipient.user_id == p.id, Recipient.read_at.is_(None))
    )
    return int(n or 0)


async def open_message(session: AsyncSession, p: Principal, message_id: str) -> tuple[Message, datetime]:
    """A message to or from the person; opening it marks it read (the read receipt)."""
    m = await session.get(Message, message_id)
    rcpt = await session.get(Recipient, (message_id, p.id))
    if m is None or (rcpt is None and m.sender != p.id):
        raise NotFound(f"Không tìm thấy tin nhắn {message_id}")
    if rcpt is None:
        return m, m.created_at  # the sender's own message
    if rcpt.read_at is None:
        rcpt.read_at = datetime.now(UTC)
    return m, rcpt.read_at


async def mark_read(session: AsyncSession, p: Principal, message_id: str) -> datetime:
    """Mark a message to the person read; when it was first read."""
    rcpt = await session.get(Recipient, (message_id, p.id))
    if rcpt is None:
        raise NotFound(f"Không tìm thấy tin nhắn {message_id}")
    if rcpt.read_at is None:
        rcpt.read_at = datetime.now(UTC)
    return rcpt.read_at


async def receipts_of(session: AsyncSession, p: Principal, message_id: str) -> list[Recipient]:
    """The recipients of a message and when they read it: for its sender only.

    Those the message was not addressed to are told it does not exist (a leader included: who was
    sent a private message, and whether they read it, is the sender's and the recipients' business);
    a recipient who is not the sender is refused (403).
    """
    m = await session.get(Message, message_id)
    addressed = await session.get(Recipient, (message_id, p.id)) is not None
    if m is None or (m.sender != p.id and not addressed):
        raise NotFound(f"Không tìm thấy tin nhắn {message_id}")
    if m.sender != p.id:
        raise Forbidden("Chỉ người gửi xem được xác nhận đã đọc")
    return list(
        (await session.execute(select(Recipient).where(Recipient.message_id == message_id))).scalars()
    )


async def names_of(session: AsyncSession, user_ids: set[str]) -> dict[str, str]:
    """Full names of staff accounts by id."""
    if not user_ids:
        return {}
    rows = await session.execute(select(User.id, User.full_name).where(User.id.in_(user_ids)))
    return {str(uid): str(name) for uid, name in rows.all()}


# -- groups --------------------------------------------------------------------------------------------


async def create_group(session: AsyncSession, p: Principal, body: NewGroup) -> tuple[Group, list[str]]:
    """Create a group of staff with its creator among the members; the members' ids."""
    wanted = list(dict.fromkeys([p.id, *body.members]))
    found = await _existing(session, wanted, "thành viên", "members")
    group = Group(id=uuid.uuid4().hex[:12], name=body.name, owner=p.id, created_at=datetime.now(UTC))
    session.add(group)
    await session.flush()
    for user_id in found:
        session.add(GroupMember(group_id=group.id, user_id=user_id))
    return group, found


async def groups_of(session: AsyncSession, p: Principal) -> list[tuple[Group, list[str]]]:
    """The groups the person belongs to, in Vietnamese alphabetical order, with their members."""
    q = select(Group).join(GroupMember, GroupMember.group_id == Group.id).where(GroupMember.user_id == p.id)
    groups = sorted((await session.execute(q)).scalars(), key=lambda g: (vietnamese_key(g.name), g.id))
    members: dict[str, list[str]] = {g.id: [] for g in groups}
    rows = await session.execute(
        select(GroupMember.group_id, GroupMember.user_id).where(GroupMember.group_id.in_(list(members)))
    )
    for group_id, user_id in rows.all():
        members[str(group_id)].append(str(user_id))
    return [(g, sorted(members[g.id])) for g in groups]

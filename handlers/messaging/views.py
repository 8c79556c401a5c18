"""What the messaging API answers: pydantic models of a message, its receipts and groups."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field

from handlers.messaging.models import Group, Message


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes: they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


KIND_LABELS = {
    "direct": "Tin nhắn",
    "unit": "Tin gửi đơn vị",
    "group": "Tin gửi nhóm",
    "notice": "Thông báo của lãnh đạo",
}
URGENCY_LABELS = {"thuong": "Thường", "khan": "Khẩn", "thuong_khan": "Thượng khẩn", "hoa_toc": "Hỏa tốc"}


class MessageView(BaseModel):
    """A message as the inbox shows it; `read` says whether the caller has read it."""

    id: str
    kind: str = Field(description="direct | unit | group | notice")
    kind_label: str
    sender: str
    sender_name: str
    subject: str
    body: str
    unit_id: str | None
    group_id: str | None
    addressed: list[str] = Field(description="How the sender addressed it: people, units, groups")
    requires_receipt: bool
    cites_document_id: str | None
    cites_task_id: str | None
    urgency: str = Field(description="thuong | khan | thuong_khan | hoa_toc")
    urgency_label: str
    created_at: datetime
    read: bool


def message_view(
    m: Message, read_at: datetime | None = None, names: dict[str, str] | None = None
) -> MessageView:
    """A message, read or not by the caller; `names` gives the sender's full name."""
    return MessageView(
        id=m.id,
        kind=m.kind,
        kind_label=KIND_LABELS.get(m.kind, m.kind),
        sender=m.sender,
        sender_name=(names or {}).get(m.sender, m.sender),
        subject=m.subject,
        body=m.body,
        unit_id=m.unit_id,
        group_id=m.group_id,
        addressed=list(m.addressed or []),
        requires_receipt=m.requires_receipt,
        cites_document_id=m.cites_document_id,
        cites_task_id=m.cites_task_id,
        urgency=m.urgency,
        urgency_label=URGENCY_LABELS.get(m.urgency, m.urgency),
        created_at=aware(m.created_at),
        read=read_at is not None,
    )


class Delivered(MessageView):
    """A message just sent, with the user ids it went to (the sender never among them)."""

    recipients: list[str]


class SentMessage(MessageView):
    """A message the caller sent, with how many received it and how many have read it."""

    recipients: int
    read_by: int


class UnreadCount(BaseModel):
    unread: int


class ReadMark(BaseModel):
    id: str
    read_at: datetime


class Reader(BaseModel):
    """A recipient who has read the message, and when."""

    user_id: str
    full_name: str
    read_at: datetime


class NonReader(BaseModel):
    """A recipient who has not read the message yet."""

    user_id: str
    full_name: str


class Receipts(BaseModel):
    """Who has read a message and who has not."""

    message_id: str
    total: int
    read: list[Reader]
    unread: list[NonReader]


class GroupCreated(BaseModel):
    id: str
    name: str
    members: list[str]


class GroupView(BaseModel):
    id: str
    name: str
    owner: str
    members: list[str] = Field(default_factory=list, description="User ids of the members")

    @classmethod
    def of(cls, g: Group, members: list[str] | None = None) -> GroupView:
        return cls(id=g.id, name=g.name, owner=g.owner, members=members or [])

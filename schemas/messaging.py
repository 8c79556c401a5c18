"""Internal messaging facts: a message was sent to staff (direct, unit or group broadcast, notice)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from schemas.registry import message_type

MessageKind = Literal["direct", "unit", "group", "notice"]


@message_type("message.sent", "lt.msg.evt.sent")
class MessageSent(BaseModel):
    """An internal message was sent; recipients are user ids resolved at sending time."""

    message_id: str
    kind: MessageKind
    sender: str
    subject: str
    recipients: list[str] = Field(default_factory=list)
    requires_receipt: bool = False
    cites_document_id: str | None = None
    cites_task_id: str | None = None

"""Notification messages: ask the notify service to tell people something, on the channels they read."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

from schemas.registry import message_type

Urgency = Literal["thuong", "khan", "thuong_khan", "hoa_toc"]
URGENCIES: tuple[Urgency, ...] = ("thuong", "khan", "thuong_khan", "hoa_toc")

# Document priority labels (Vietnamese) and the urgency they map to.
PRIORITY_URGENCY: dict[str, Urgency] = {
    "Thường": "thuong",
    "Khẩn": "khan",
    "Thượng khẩn": "thuong_khan",
    "Hỏa tốc": "hoa_toc",
    "Hỏa tốc hẹn giờ": "hoa_toc",
}


def urgency_of(priority: str | None) -> Urgency:
    """The urgency of a document priority label ('Hỏa tốc' -> 'hoa_toc'); unknown labels are normal."""
    if not priority:
        return "thuong"
    if priority in URGENCIES:
        return priority  # type: ignore[return-value]
    return PRIORITY_URGENCY.get(priority.strip(), "thuong")


@message_type("notify.requested", "lt.notify.cmd.send")
class NotifyRequested(BaseModel):
    """Notify staff members: one notification per recipient and dedup_key, on channels chosen by urgency."""

    recipients: list[str] = Field(min_length=1, description="User ids (hub.orgchart.User.id)")
    title: str = Field(min_length=1, max_length=300, description="Short Vietnamese title")
    body: str = Field(default="", max_length=4000, description="Vietnamese text")
    urgency: Urgency = "thuong"
    link: str | None = Field(default=None, description="Where the notice points in the e-office")
    dedup_key: str = Field(
        min_length=1, max_length=200, description="At most one notification per recipient and key"
    )
    source_type: str | None = Field(default=None, description="Message type that caused the notice")
    issue: str | None = Field(default=None, description="Business key: document id, task id")

    @field_validator("recipients")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        cleaned = [r.strip() for r in value if r and r.strip()]
        if not cleaned:
            raise ValueError("recipients must name at least one user id")
        return list(dict.fromkeys(cleaned))


@message_type("notify.delivered", "lt.notify.evt.delivered")
class NotificationDelivered(BaseModel):
    """A notification reached one recipient on one channel."""

    recipient: str
    channel: str
    dedup_key: str
    urgency: Urgency
    attempts: int = 1

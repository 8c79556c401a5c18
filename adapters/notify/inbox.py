"""What a person reads and sets through the notify API: the in-app inbox, preferences, the delivery log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pydantic import AwareDatetime, BaseModel, Field, field_validator
from sqlalchemy import func, select, update

from adapters.notify import mapping
from adapters.notify.models import NotifyDelivery, NotifyPreference
from adapters.notify.service import aware
from hub.errors import Invalid

if TYPE_CHECKING:
    from sqlalchemy.sql import Select

    from hub.db import Database


class InboxItem(BaseModel):
    """One in-app notification of the caller."""

    id: int
    title: str
    body: str
    urgency: str
    urgency_label: str
    link: str | None
    issue: str | None
    source_type: str | None
    created_at: AwareDatetime
    read: bool


class Preferences(BaseModel):
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


class DeliveryRow(BaseModel):
    """One delivery as operators see it: what waits, what failed and why."""

    id: int
    recipient: str
    channel: str
    dedup_key: str
    urgency: str
    title: str
    status: str
    attempts: int
    last_error: str | None
    not_before: AwareDatetime
    next_attempt_at: AwareDatetime
    sent_at: AwareDatetime | None


def _inbox_of(user_id: str) -> Select[NotifyDelivery]:
    return select(NotifyDelivery).where(
        NotifyDelivery.recipient == user_id, NotifyDelivery.channel == mapping.INAPP
    )


def _count(query: Select[NotifyDelivery]) -> Select[int]:
    return select(func.count()).select_from(query.order_by(None).subquery())


async def inbox(
    db: Database, user_id: str, *, unread_only: bool, limit: int, offset: int
) -> tuple[list[InboxItem], int]:
    """The caller's in-app notifications, newest first, and how many there are in all."""
    q = _inbox_of(user_id)
    if unread_only:
        q = q.where(NotifyDelivery.read_at.is_(None))
    async with db.session() as s:
        total = int(await s.scalar(_count(q)) or 0)
        rows = (await s.execute(q.order_by(NotifyDelivery.id.desc()).limit(limit).offset(offset))).scalars()
        items = [
            InboxItem(
                id=r.id,
                title=r.title,
                body=r.body,
                urgency=r.urgency,
                urgency_label=mapping.URGENCY_LABELS.get(r.urgency, r.urgency),
                link=r.link,
                issue=r.issue,
                source_type=r.source_type,
                created_at=aware(r.created_at),
                read=r.read_at is not None,
            )
            for r in rows
        ]
    return items, total


async def unread(db: Database, user_id: str) -> int:
    """How many in-app notifications the person has not read."""
    async with db.session() as s:
        count = await s.scalar(_count(_inbox_of(user_id).where(NotifyDelivery.read_at.is_(None))))
    return int(count or 0)


async def mark_read(db: Database, user_id: str, delivery_id: int) -> bool:
    """Mark one of the person's in-app notifications read; False when it was not theirs or already read."""
    async with db.session() as s:
        result = await s.execute(
            update(NotifyDelivery)
            .where(
                NotifyDelivery.id == delivery_id,
                NotifyDelivery.recipient == user_id,
                NotifyDelivery.channel == mapping.INAPP,
                NotifyDelivery.read_at.is_(None),
            )
            .values(read_at=datetime.now(UTC))
        )
    return bool(getattr(result, "rowcount", 0))


async def preferences(db: Database, user_id: str) -> Preferences:
    """The person's choices (the defaults when they never set any)."""
    async with db.session() as s:
        row = await s.get(NotifyPreference, user_id)
    if row is None:
        return Preferences()
    return Preferences(
        channels_off=row.channels_off, quiet_start=row.quiet_start, quiet_end=row.quiet_end, digest=row.digest
    )


async def set_preferences(db: Database, user_id: str, prefs: Preferences) -> Preferences:
    """Set channels turned off, quiet hours (not applied to Hỏa tốc) and the daily digest."""
    if (prefs.quiet_start is None) != (prefs.quiet_end is None):
        raise Invalid(
            "Cần cả giờ bắt đầu (quiet_start) và giờ kết thúc (quiet_end) giờ yên lặng", field="quiet_end"
        )
    async with db.session() as s:
        row = await s.get(NotifyPreference, user_id)
        if row is None:
            row = NotifyPreference(user_id=user_id)
            s.add(row)
        row.channels_off = prefs.channels_off
        row.quiet_start = prefs.quiet_start
        row.quiet_end = prefs.quiet_end
        row.digest = prefs.digest
        row.updated_at = datetime.now(UTC)
    return prefs


async def deliveries(
    db: Database, *, status: str | None, channel: str | None, limit: int, offset: int
) -> tuple[list[DeliveryRow], int]:
    """Delivery rows for operators, newest first, and how many match in all."""
    q = select(NotifyDelivery)
    if status:
        q = q.where(NotifyDelivery.status == status)
    if channel:
        q = q.where(NotifyDelivery.channel == channel)
    async with db.session() as s:
        total = int(await s.scalar(_count(q)) or 0)
        rows = (await s.execute(q.order_by(NotifyDelivery.id.desc()).limit(limit).offset(offset))).scalars()
        items = [
            DeliveryRow(
                id=r.id,
                recipient=r.recipient,
                channel=r.channel,
                dedup_key=r.dedup_key,
                urgency=r.urgency,
                title=r.title,
                status=r.status,
                attempts=r.attempts,
                last_error=r.last_error,
                not_before=aware(r.not_before),
                next_attempt_at=aware(r.next_attempt_at),
                sent_at=aware(r.sent_at) if r.sent_at else None,
            )
            for r in rows
        ]
    return items, total

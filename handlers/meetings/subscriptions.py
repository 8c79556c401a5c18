"""Personal calendar subscriptions: an iCal address a calendar app (phone, Outlook, Thunderbird) can
subscribe to without logging in. The address carries a random secret of 256 bits; only its SHA-256 is
kept, so the database cannot give an address away. A person makes a new address (the old one stops
working at once) or stops sharing; the feed holds what their own feed holds: the published meetings
they chair, attend or whose unit attends."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from handlers.meetings import feeds
from handlers.meetings.access import Actor
from handlers.meetings.models import FeedToken
from hub.errors import NotFound
from hub.models import AuditEntry
from hub.orgchart import User

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # token_urlsafe(32)
GONE = "Đường dẫn lịch không còn hiệu lực. Tạo đường dẫn mới trong mục Lịch công tác của Văn phòng điện tử."


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _audit(user_id: str, action: str) -> AuditEntry:
    return AuditEntry(at=datetime.now(UTC), actor=user_id, action=action, target=f"user:{user_id}", detail={})


async def issue(session: AsyncSession, user_id: str) -> str:
    """A new secret for the person's address, replacing any earlier one (returned once, never stored)."""
    token = secrets.token_urlsafe(32)
    await session.execute(delete(FeedToken).where(FeedToken.user_id == user_id))
    session.add(FeedToken(user_id=user_id, token_hash=_hash(token), created_at=datetime.now(UTC)))
    session.add(_audit(user_id, "meetings.subscription_issued"))
    return token


async def revoke(session: AsyncSession, user_id: str) -> bool:
    """Stop sharing: the address stops working. Whether there was one."""
    gone = await session.execute(delete(FeedToken).where(FeedToken.user_id == user_id))
    session.add(_audit(user_id, "meetings.subscription_revoked"))
    return bool(getattr(gone, "rowcount", 0))


async def state_of(session: AsyncSession, user_id: str) -> FeedToken | None:
    """The person's subscription (when made, last read by a calendar app), if any."""
    return await session.get(FeedToken, user_id)


async def feed(session: AsyncSession, token: str) -> feeds.File:
    """The calendar behind an address; 404 for an unknown, replaced or malformed one, or a person who
    no longer works here."""
    if not TOKEN.match(token):
        raise NotFound(GONE)
    row = await session.scalar(select(FeedToken).where(FeedToken.token_hash == _hash(token)))
    user = await session.get(User, row.user_id) if row is not None else None
    if row is None or user is None or not user.active:
        raise NotFound(GONE)
    row.last_read_at = datetime.now(UTC)
    return await feeds.person_feed(session, Actor(user.id, user.unit_id, office=False), user.id)

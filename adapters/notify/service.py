"""The notify service: turns notices into delivery rows, sends them, retries what a channel refused.

At most once per recipient, event and channel: a delivery row is unique on (recipient, dedup_key,
channel); a row is claimed (pending -> sending) by one atomic update before it is sent and marked
sent right after. A channel that is down leaves its rows pending with a growing delay; they go out
when it recovers. Normal notices wait for the daily e-mail digest (one mail per recipient).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.notify import mapping
from adapters.notify.client import ChannelError, SmsGateway, SmtpMailer, ZaloOA
from adapters.notify.models import FAILED, PENDING, SENDING, SENT, NotifyDelivery, NotifyPreference
from adapters.notify.settings import NotifySettings
from hub.adapter_health import observed
from hub.orgchart import Unit, User
from kit.tasks import cancel
from schemas.documents import DocumentAssigned
from schemas.notify import NotifyRequested
from schemas.tasks import TaskEscalated

if TYPE_CHECKING:
    from hub.runtime import Hub

log = structlog.get_logger(__name__)
LIVE_PREFIX = "live.notify."  # core NATS (no stream): live in-app events for the SSE endpoint
IMMEDIATE = (mapping.INAPP, mapping.SMS, mapping.ZALO, mapping.EMAIL)


def live_subject(user_id: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in user_id)
    return LIVE_PREFIX + safe


def aware(moment: datetime) -> datetime:
    """A stored time as UTC (SQLite gives naive datetimes back)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def preferences_of(session: AsyncSession, user_id: str) -> mapping.Preferences:
    row = await session.get(NotifyPreference, user_id)
    if row is None:
        return mapping.Preferences()
    return mapping.Preferences(frozenset(row.channels_off or []), row.quiet_start, row.quiet_end, row.digest)


class NotifyService:
    """Delivery rows in, messages out on every configured channel."""

    def __init__(self, hub: Hub, settings: NotifySettings) -> None:
        self.hub = hub
        self.settings = settings
        self.mailer = SmtpMailer(settings) if settings.smtp_host else None
        self.sms = SmsGateway(settings) if settings.sms_url else None
        self.zalo = ZaloOA(settings) if settings.zalo_url else None
        self.enabled = {mapping.INAPP}
        if self.mailer:
            self.enabled |= {mapping.EMAIL, mapping.DIGEST}
        if self.sms:
            self.enabled.add(mapping.SMS)
        if self.zalo:
            self.enabled.add(mapping.ZALO)
        self._kick = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._digest_lock = asyncio.Lock()

    # -- intake ---------------------------------------------------------------------------------------

    async def accept(
        self, session: AsyncSession, notice: NotifyRequested, now: datetime | None = None
    ) -> int:
        """Plan one delivery row per recipient and channel; rows that exist already are left alone."""
        now = now or datetime.now(UTC)
        added = 0
        for user_id in notice.recipients:
            user = await session.get(User, user_id)
            if user is None or not user.active:
                log.warning("notify.unknown_recipient", recipient=user_id, dedup_key=notice.dedup_key)
                continue
            contact = mapping.Contact(user.id, user.email, user.phone, user.zalo_id)
            prefs = await preferences_of(session, user.id)
            for planned in mapping.plan_channels(notice.urgency, contact, prefs, self.enabled, now):
                exists = await session.scalar(
                    select(NotifyDelivery.id).where(
                        NotifyDelivery.recipient == user.id,
                        NotifyDelivery.dedup_key == notice.dedup_key,
                        NotifyDelivery.channel == planned.channel,
                    )
                )
                if exists is not None:
                    continue
                session.add(
                    NotifyDelivery(
                        recipient=user.id,
                        dedup_key=notice.dedup_key,
                        channel=planned.channel,
                        urgency=notice.urgency,
                        title=notice.title,
                        body=notice.body,
                        link=notice.link,
                        source_type=notice.source_type,
                        issue=notice.issue,
                        address=planned.address,
                        status=PENDING,
                        attempts=0,
                        created_at=now,
                        not_before=planned.not_before,
                        next_attempt_at=planned.not_before,
                    )
                )
                added += 1
        await session.flush()
        return added

    async def accept_external(
        self,
        session: AsyncSession,
        *,
        recipient: str,
        phone: str | None,
        email: str | None,
        title: str,
        body: str,
        dedup_key: str,
        source_type: str,
        issue: str | None,
        now: datetime | None = None,
    ) -> int:
        """Plan SMS and e-mail to a citizen or business (not a staff account), at once, once per channel."""
        now = now or datetime.now(UTC)
        added = 0
        if not (mapping.normalize_phone(phone) or email):
            log.warning("notify.citizen_unreachable", recipient=recipient, dedup_key=dedup_key)
        for channel, address in ((mapping.SMS, mapping.normalize_phone(phone)), (mapping.EMAIL, email)):
            if not address or channel not in self.enabled:
                continue
            exists = await session.scalar(
                select(NotifyDelivery.id).where(
                    NotifyDelivery.recipient == recipient,
                    NotifyDelivery.dedup_key == dedup_key,
                    NotifyDelivery.channel == channel,
                )
            )
            if exists is not None:
                continue
            session.add(
                NotifyDelivery(
                    recipient=recipient,
                    dedup_key=dedup_key,
                    channel=channel,
                    urgency="thuong",  # no urgency mark in a letter to a citizen
                    title=title,
                    body=body,
                    link=None,
                    source_type=source_type,
                    issue=issue,
                    address=address,
                    status=PENDING,
                    attempts=0,
                    created_at=now,
                    not_before=now,
                    next_attempt_at=now,
                )
            )
            added += 1
        await session.flush()
        return added

    async def heads_of(self, session: AsyncSession, unit_ids: list[str]) -> dict[str, str | None]:
        """The head (user id) of each unit, None for a unit without one."""
        out: dict[str, str | None] = {}
        for unit_id in unit_ids:
            unit = await session.get(Unit, unit_id)
            out[unit_id] = unit.head_user_id if unit else None
        return out

    async def notice_for(
        self, session: AsyncSession, routed: DocumentAssigned | TaskEscalated | NotifyRequested
    ) -> NotifyRequested | None:
        """The notice of a routed urgent event: heads of an assigned document's units, or the escalation's."""
        if isinstance(routed, NotifyRequested):
            return routed
        if isinstance(routed, DocumentAssigned):
            return mapping.from_assigned(routed, await self.heads_of(session, mapping.units_of(routed)))
        return mapping.from_escalated(routed)

    # -- dispatch -------------------------------------------------------------------------------------

    def kick(self) -> None:
        self._kick.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="notify-dispatcher")

    async def stop(self) -> None:
        await cancel(self._task)
        self._task = None
        for client in (self.sms, self.zalo):
            if client is not None:
                await client.aclose()

    async def _run(self) -> None:
        while True:
            try:
                await self.dispatch_once()
                await self.retry_digests()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep the loop alive: the next round retries
                log.error("notify.dispatch_failed", error=f"{type(exc).__name__}: {exc}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kick.wait(), timeout=self.settings.poll_seconds)
            self._kick.clear()

    async def dispatch_once(self, limit: int = 200) -> int:
        """Send every due immediate delivery once; return how many were sent."""
        async with self._lock:
            now = datetime.now(UTC)
            stale = now - timedelta(seconds=self.settings.lease_seconds)
            async with self.hub.db.session() as s:
                rows = list(
                    (
                        await s.execute(
                            select(NotifyDelivery)
                            .where(
                                NotifyDelivery.channel.in_(IMMEDIATE),
                                or_(
                                    and_(
                                        NotifyDelivery.status == PENDING,
                                        NotifyDelivery.next_attempt_at <= now,
                                    ),
                                    and_(NotifyDelivery.status == SENDING, NotifyDelivery.claimed_at < stale),
                                ),
                            )
                            .order_by(NotifyDelivery.id)
                            .limit(limit)
                        )
                    ).scalars()
                )
            sent = 0
            # one channel's outage does not hold up the others
            by_channel: dict[str, list[NotifyDelivery]] = defaultdict(list)
            for row in rows:
                by_channel[row.channel].append(row)
            results = await asyncio.gather(*(self._send_channel(rs) for rs in by_channel.values()))
            sent = sum(results)
            return sent

    async def _send_channel(self, rows: list[NotifyDelivery]) -> int:
        sent = 0
        for row in rows:
            if not await self._claim(row):
                continue
            try:
                ref = await self._send_observed(row)
            except ChannelError as exc:
                await self._failed(row, str(exc), exc.permanent)
                if not exc.permanent:
                    break  # the channel is down: the rest of its rows wait for the next round
                continue
            except Exception as exc:
                await self._failed(row, f"{type(exc).__name__}: {exc}", False)
                break
            await self._sent([row.id], ref)
            sent += 1
        return sent

    async def _claim(self, row: NotifyDelivery) -> bool:
        now = datetime.now(UTC)
        stale = now - timedelta(seconds=self.settings.lease_seconds)
        async with self.hub.db.session() as s:
            result = await s.execute(
                update(NotifyDelivery)
                .where(
                    NotifyDelivery.id == row.id,
                    or_(
                        NotifyDelivery.status == PENDING,
                        and_(NotifyDelivery.status == SENDING, NotifyDelivery.claimed_at < stale),
                    ),
                )
                .values(status=SENDING, claimed_at=now, attempts=NotifyDelivery.attempts + 1)
            )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def _send_observed(self, row: NotifyDelivery) -> str:
        """Send one delivery and record the counterpart's health (in-app is our own, not recorded)."""
        adapter = {mapping.SMS: "sms", mapping.ZALO: "zalo", mapping.EMAIL: "mail"}.get(row.channel)
        if adapter is None:
            return await self._send(row)
        async with observed(self.hub, adapter):
            return await self._send(row)

    async def _send(self, row: NotifyDelivery) -> str:
        key = f"{row.id}:{row.dedup_key}"
        if row.channel == mapping.INAPP:
            await self._push_live(row)
            return "inapp"
        if row.channel == mapping.SMS:
            assert self.sms is not None
            assert row.address
            return await self.sms.send(
                row.address, mapping.sms_text(row.title, row.link, self.settings.portal_url), key
            )
        if row.channel == mapping.ZALO:
            assert self.zalo is not None
            assert row.address
            text = f"{row.title}\n{row.body}".strip()
            if row.link:
                text += f"\n{self.settings.portal_url.rstrip('/')}{row.link}"
            return await self.zalo.send(row.address, text, key)
        if row.channel == mapping.EMAIL:
            assert self.mailer is not None
            assert row.address
            label = mapping.URGENCY_LABELS.get(row.urgency, row.urgency)
            text = row.body + (f"\n\n{self.settings.portal_url.rstrip('/')}{row.link}" if row.link else "")
            # staff mail carries the urgency mark; a letter to a citizen does not
            subject = row.title if row.recipient.startswith("citizen:") else f"[{label}] {row.title}"
            return await self.mailer.send(row.address, subject, text, key)
        raise ChannelError(f"unknown channel {row.channel!r}", permanent=True)

    async def _push_live(self, row: NotifyDelivery) -> None:
        nc = self.hub.nc
        if nc is None or not nc.is_connected:
            raise ChannelError("NATS is not connected: live in-app event deferred")
        event = {
            "id": row.id,
            "title": row.title,
            "body": row.body,
            "urgency": row.urgency,
            "link": row.link,
            "source_type": row.source_type,
            "issue": row.issue,
            "created_at": aware(row.created_at).isoformat(),
        }
        await nc.publish(live_subject(row.recipient), json.dumps(event, ensure_ascii=False).encode())

    async def _sent(self, ids: list[int], ref: str) -> None:
        async with self.hub.db.session() as s:
            await s.execute(
                update(NotifyDelivery)
                .where(NotifyDelivery.id.in_(ids))
                .values(status=SENT, sent_at=datetime.now(UTC), provider_ref=ref[:120], last_error=None)
            )

    async def _failed(self, row: NotifyDelivery, error: str, permanent: bool) -> None:
        async with self.hub.db.session() as s:
            current = await s.get(NotifyDelivery, row.id)
            if current is None:
                return
            settings = self.settings
            delay = min(
                settings.retry_base_seconds * 2 ** max(current.attempts - 1, 0), settings.retry_max_seconds
            )
            current.status = FAILED if permanent else PENDING
            current.last_error = error[:2000]
            current.next_attempt_at = datetime.now(UTC) + timedelta(seconds=delay)
        log.warning("notify.delivery_failed", channel=row.channel, recipient=row.recipient, error=error)

    # -- digest ---------------------------------------------------------------------------------------

    async def send_digest(self, only_retries: bool = False) -> int:
        """One mail per recipient with every pending digest notice; returns mails sent.

        A recipient whose mail fails keeps their notices pending (retried by the dispatcher) and the
        others are not held up.
        """
        if self.mailer is None:
            return 0
        async with self._digest_lock:
            now = datetime.now(UTC)
            waiting = (
                NotifyDelivery.channel == mapping.DIGEST,
                NotifyDelivery.status == PENDING,
                NotifyDelivery.not_before <= now,
            )
            due = select(NotifyDelivery.recipient).where(*waiting).distinct()
            if only_retries:
                due = due.where(NotifyDelivery.attempts > 0, NotifyDelivery.next_attempt_at <= now)
            async with self.hub.db.session() as s:
                recipients = list((await s.execute(due)).scalars())
                if not recipients:
                    return 0
                # every waiting notice of a recipient goes in one mail, whichever of them fell due
                q = select(NotifyDelivery).where(*waiting, NotifyDelivery.recipient.in_(recipients))
                rows = list((await s.execute(q.order_by(NotifyDelivery.id))).scalars())
            per_user: dict[str, list[NotifyDelivery]] = defaultdict(list)
            for row in rows:
                per_user[row.recipient].append(row)
            mails = 0
            for user_id, items in per_user.items():
                claimed = [r for r in items if await self._claim(r)]
                if not claimed:
                    continue
                text = mapping.digest_text(
                    [(r.urgency, r.title, r.link, r.body) for r in claimed], self.settings.portal_url
                )
                day = now.astimezone(mapping.LOCAL_TZ)
                subject = f"Tổng hợp thông báo ngày {day:%d/%m/%Y} ({len(claimed)} thông báo)"
                key = f"digest:{user_id}:{min(r.id for r in claimed)}"
                try:
                    assert claimed[0].address
                    ref = await self.mailer.send(claimed[0].address, subject, text, key)
                except ChannelError as exc:
                    for r in claimed:
                        await self._failed(r, str(exc), exc.permanent)
                    continue
                await self._sent([r.id for r in claimed], ref)
                mails += 1
            return mails

    async def retry_digests(self) -> int:
        """Digest mails that failed go out again once their delay passed."""
        return await self.send_digest(only_retries=True)

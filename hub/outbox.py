"""Transactional outbox relay: publish committed outbox rows with their ids as Nats-Msg-Id."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import delete, select, update

from hub.models import OutboxEntry

if TYPE_CHECKING:
    from hub.runtime import Hub

log = structlog.get_logger(__name__)


class OutboxRelay:
    """Publishes what transactions left in the outbox; kicked after commits, sweeps every second."""

    def __init__(self, hub: Hub, sweep_interval: float = 1.0, keep: timedelta = timedelta(days=7)) -> None:
        self._hub = hub
        self._wake = asyncio.Event()
        self._interval = sweep_interval
        self._keep = keep
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def kick(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self.relay_once()

    async def _run(self) -> None:
        sweeps = 0
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)
            self._wake.clear()
            try:
                while await self.relay_once() > 0:
                    pass
                sweeps += 1
                if sweeps % 600 == 0:
                    await self._purge()
            except Exception as exc:  # keep relaying after NATS or database hiccups
                log.warning("outbox.relay_failed", error=str(exc))
                await asyncio.sleep(self._interval)

    async def relay_once(self, limit: int = 500) -> int:
        """Publish one batch of pending rows; return how many were published."""
        async with self._lock:
            async with self._hub.db.sessions() as s:
                rows = (
                    await s.execute(
                        select(OutboxEntry.seq, OutboxEntry.subject, OutboxEntry.data, OutboxEntry.headers)
                        .where(OutboxEntry.published_at.is_(None))
                        .order_by(OutboxEntry.seq)
                        .limit(limit)
                    )
                ).all()
            if not rows:
                return 0
            await asyncio.gather(*(self._hub.publish_raw(r.subject, r.data, r.headers) for r in rows))
            async with self._hub.db.session() as s:
                await s.execute(
                    update(OutboxEntry)
                    .where(OutboxEntry.seq.in_([r.seq for r in rows]))
                    .values(published_at=datetime.now(UTC))
                )
            return len(rows)

    async def _purge(self) -> None:
        cutoff = datetime.now(UTC) - self._keep
        async with self._hub.db.session() as s:
            await s.execute(delete(OutboxEntry).where(OutboxEntry.published_at < cutoff))

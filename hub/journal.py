"""The journal: every hop of every message, written in batches off the hot path."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from datetime import UTC, datetime
from typing import Any, cast

import structlog
from sqlalchemy import Table, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db import Database
from hub.models import JournalEntry, JournalMinute, JournalTotal
from schemas.envelope import Envelope

log = structlog.get_logger(__name__)

# Hops: published, routed, unrouted, handled, duplicate, retried, dead_lettered, replayed, discarded.


def hop_row(
    env: Envelope,
    hop: str,
    actor: str,
    outcome: str = "ok",
    delivery: int = 0,
    duration_ms: float | None = None,
    **detail: Any,
) -> dict[str, Any]:
    return {
        "at": datetime.now(UTC),
        "message_id": str(env.id),
        "type": env.type,
        "subject": env.subject,
        "source": env.source,
        "correlation_id": str(env.correlation_id) if env.correlation_id else None,
        "causation_id": str(env.causation_id) if env.causation_id else None,
        "issue": env.issue,
        "user_id": env.user_id,
        "hop": hop,
        "actor": actor,
        "outcome": outcome,
        "delivery": delivery,
        "duration_ms": duration_ms,
        "detail": detail,
    }


class Journal:
    """Buffer hop records and flush them in batches; flushes on stop so nothing recorded is dropped."""

    def __init__(self, db: Database, flush_interval: float = 0.2, batch: int = 1000) -> None:
        self._db = db
        self._rows: list[dict[str, Any]] = []
        self._interval = flush_interval
        self._batch = batch
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._max_buffer = 200_000
        self._flushing = asyncio.Lock()

    def record(self, env: Envelope, hop: str, actor: str, **kw: Any) -> None:
        self._rows.append(hop_row(env, hop, actor, **kw))
        if len(self._rows) >= self._batch:
            self._wake.set()
        if len(self._rows) > self._max_buffer:  # database down for long: keep the newest
            del self._rows[: len(self._rows) - self._max_buffer]

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="journal-flusher")

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)
            self._wake.clear()
            await self.flush()

    async def flush(self) -> int:
        """Write what is buffered. Flushes take turns, so a caller's flush returns only after every
        row recorded before it is in the database (not while the background flush still holds some)."""
        async with self._flushing:
            return await self._flush()

    async def _flush(self) -> int:
        if not self._rows:
            return 0
        rows, self._rows = self._rows, []
        try:
            # Core executemany: one round trip per batch (the ORM path would insert row by row)
            async with self._db.engine.begin() as conn:
                await conn.execute(insert(cast(Table, JournalEntry.__table__)), rows)
                await add_to_minutes(conn, rows)
        except Exception as exc:
            log.warning("journal.flush_failed", error=str(exc), pending=len(rows))
            self._rows[:0] = rows
            return 0
        return len(rows)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()


def minute_of(moment: datetime) -> str:
    """The UTC minute a moment falls in, as the rollup keys it ("YYYY-MM-DD HH:MM")."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M")


async def add_to_minutes(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    """Count journal rows into the per-minute rollup and the totals in the same transaction that inserts
    them: one upsert per key of the batch, so neither ever drifts from the journal. Keys are written in
    order, so flushers of several processes never deadlock on them."""
    minutes: Counter[tuple[str, ...]] = Counter(
        (minute_of(r["at"]), r["type"], r["hop"], r["outcome"]) for r in rows
    )
    if not minutes:
        return
    totals: Counter[tuple[str, ...]] = Counter((r["type"], r["hop"], r["outcome"]) for r in rows)
    await _upsert(conn, cast(Table, JournalMinute.__table__), ("minute", "type", "hop", "outcome"), minutes)
    await _upsert(conn, cast(Table, JournalTotal.__table__), ("type", "hop", "outcome"), totals)


async def _upsert(
    conn: AsyncConnection, table: Table, keys: tuple[str, ...], counts: Counter[tuple[str, ...]]
) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={"count": table.c["count"] + stmt.excluded["count"]}
    )
    values = [{**dict(zip(keys, key, strict=True)), "count": n} for key, n in sorted(counts.items())]
    await conn.execute(stmt, values)


async def trace(db: Database, key: str, limit: int = 5000) -> list[JournalEntry]:
    """Every hop of a message id, a correlation id or a business key, in order."""
    async with db.session() as s:
        first = select(JournalEntry).where(
            or_(JournalEntry.message_id == key, JournalEntry.correlation_id == key, JournalEntry.issue == key)
        )
        rows = list((await s.execute(first.order_by(JournalEntry.seq).limit(limit))).scalars())
        # Follow conversations: everything sharing a correlation id with what matched.
        correlations = {r.correlation_id for r in rows if r.correlation_id} - {key}
        if correlations:
            more = select(JournalEntry).where(JournalEntry.correlation_id.in_(correlations))
            seen = {r.seq for r in rows}
            rows += [r for r in (await s.execute(more.limit(limit))).scalars() if r.seq not in seen]
        rows.sort(key=lambda r: (r.at, r.seq))
        return rows

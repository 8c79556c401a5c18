"""The ops overview's figures with a large journal, against the same figures on an empty journal.

Run: `.venv/bin/python -m bench.ops_overview [ROWS] [--postgres]`. ROWS journal rows (default 1,000,000)
are written through the journal's own batch path (rows and their per-minute rollup) spread over 30 days,
then the overview's figures (per-minute series of 3 hours, last minute's hops, refusals, top types,
/metrics totals) are read 20 times; the same reads on an empty journal in the same run are the
baseline. Prints p50/p95 of both and the ratio p95(large)/p95(empty), plus what one scan of the journal
itself (the old way: GROUP BY over the raw rows of the window) costs on the large journal.
Target: ratio <= 3 (the overview costs the same whatever the journal's size).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, func, insert, select

from hub.db import Database
from hub.journal import add_to_minutes
from hub.migrate import aupgrade
from hub.models import JournalEntry
from portal.ops import queries

TYPES = [
    "document.received",
    "document.status_changed",
    "task.assigned",
    "notify.send",
    "axis.receive_failed",
]
HOPS = ["published", "routed", "handled", "handled", "retried"]
BATCH = 20_000
REPEAT = 20


def _rows(start: int, count: int, total: int, now: datetime) -> list[dict[str, Any]]:
    span = timedelta(days=30).total_seconds()
    out = []
    for i in range(start, start + count):
        at = now - timedelta(seconds=span * (total - i) / total)
        out.append(
            {
                "at": at,
                "message_id": f"{i:036d}",
                "type": TYPES[i % len(TYPES)],
                "subject": "lt.bench",
                "source": "bench",
                "correlation_id": None,
                "causation_id": None,
                "issue": f"VB-{i // 10}",
                "user_id": None,
                "hop": HOPS[i % len(HOPS)],
                "actor": "bench",
                "outcome": "ok",
                "delivery": 1,
                "duration_ms": 1.5,
                "detail": {},
            }
        )
    return out


async def fill(db: Database, total: int) -> float:
    """Write `total` rows as the journal does (insert and rollup in one transaction per batch)."""
    now = datetime.now(UTC)
    started = time.perf_counter()
    for start in range(0, total, BATCH):
        rows = _rows(start, min(BATCH, total - start), total, now)
        async with db.engine.begin() as conn:
            await conn.execute(insert(cast(Table, JournalEntry.__table__)), rows)
            await add_to_minutes(conn, rows)
    return time.perf_counter() - started


async def overview_figures(db: Database) -> None:
    """What the overview page and /metrics read from the journal."""
    now = datetime.now(UTC)
    await queries.minute_series(db, 3.0, now)
    await queries.hop_counts_since(db, now - timedelta(minutes=1))
    await queries.refused_since(db, now - timedelta(minutes=1))
    await queries.refused_since(db, now - timedelta(hours=3))
    await queries.top_types(db, now - timedelta(hours=3))
    await queries.journal_counts(db)


async def raw_scan(db: Database) -> None:
    """The old way: group the journal's own rows of the last 3 hours and all of it for /metrics."""
    since = datetime.now(UTC) - timedelta(hours=3)
    async with db.session() as s:
        await s.execute(
            select(JournalEntry.hop, func.count()).where(JournalEntry.at >= since).group_by(JournalEntry.hop)
        )
        await s.execute(
            select(JournalEntry.type, JournalEntry.hop, func.count()).group_by(
                JournalEntry.type, JournalEntry.hop
            )
        )


async def timed(fn: Any, db: Database, repeat: int = REPEAT) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        await fn(db)
        out.append((time.perf_counter() - started) * 1000)
    return out


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


async def run(url_of: Any, total: int) -> None:
    empty_url, large_url = await url_of("empty"), await url_of("large")
    for url in (empty_url, large_url):
        await aupgrade(url, [])
    empty, large = Database(empty_url), Database(large_url)
    try:
        seconds = await fill(large, total)
        print(
            f"journal: {total:,} rows written in {seconds:.1f} s ({total / seconds:,.0f} rows/s, with rollup)"
        )
        base = await timed(overview_figures, empty)
        big = await timed(overview_figures, large)
        scan = await timed(raw_scan, large, repeat=3)
        print(f"overview on empty journal: p50 {statistics.median(base):.1f} ms, p95 {p95(base):.1f} ms")
        print(f"overview on {total:,} rows: p50 {statistics.median(big):.1f} ms, p95 {p95(big):.1f} ms")
        print(f"raw journal scan (old way) on {total:,} rows: p50 {statistics.median(scan):.1f} ms")
        print(f"ratio large/empty p95: {p95(big) / p95(base):.2f} (target <= 3)")
    finally:
        await empty.engine.dispose()
        await large.engine.dispose()


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    total = int(args[0]) if args else 1_000_000
    if "--postgres" in sys.argv:
        import asyncpg

        async def pg(name: str) -> str:
            db = f"bench_ops_{name}"
            conn = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/test")
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{db}"')
                await conn.execute(f'CREATE DATABASE "{db}"')
            finally:
                await conn.close()
            return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{db}"

        print("database: PostgreSQL")
        asyncio.run(run(pg, total))
        return 0
    with tempfile.TemporaryDirectory() as tmp:

        async def lite(name: str) -> str:
            return f"sqlite+aiosqlite:///{Path(tmp) / name}.db"

        print("database: SQLite")
        asyncio.run(run(lite, total))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

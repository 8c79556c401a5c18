"""The journal's per-minute rollup and totals always equal the journal they count, on SQLite and
PostgreSQL, with several flushers at once; an existing journal is counted when the revision lands."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, insert, select

from hub.db import Database
from hub.journal import Journal, hop_row, minute_of
from hub.migrate import alembic_config, aupgrade
from hub.models import JournalEntry, JournalMinute, JournalTotal
from portal.ops import queries
from schemas.envelope import Envelope
from tests.conftest import fresh_pg_database

HOPS = ["published", "routed", "handled", "retried", "dead_lettered", "published"]


def _envelope(i: int) -> Envelope:
    kind = "axis.receive_failed" if i % 7 == 0 else ("document.received" if i % 2 else "task.assigned")
    return Envelope(type=kind, source="test", subject=f"lt.test.{i}", issue=f"VB-{i}")


async def _journal_groups(db: Database) -> dict[tuple[str, str, str, str], int]:
    """What the rollup must say, counted the slow way from the journal itself."""
    rows = await _all(db, select(JournalEntry.at, JournalEntry.type, JournalEntry.hop, JournalEntry.outcome))
    out: dict[tuple[str, str, str, str], int] = {}
    for at, type_, hop, outcome in rows:
        key = (minute_of(at), type_, hop, outcome)
        out[key] = out.get(key, 0) + 1
    return out


async def _rollup(db: Database) -> dict[tuple[str, str, str, str], int]:
    m = JournalMinute
    rows = await _all(db, select(m.minute, m.type, m.hop, m.outcome, m.count))
    return {(a, b, c, d): int(n) for a, b, c, d, n in rows}


async def _totals_match(db: Database) -> None:
    """The totals equal the journal's own counts per (type, hop, outcome)."""
    kinds = (JournalEntry.type, JournalEntry.hop, JournalEntry.outcome)
    raw = {(t, h, o): int(n) for t, h, o, n in await _all(db, select(*kinds, func.count()).group_by(*kinds))}
    t = JournalTotal
    kept = {(a, b, c): int(n) for a, b, c, n in await _all(db, select(t.type, t.hop, t.outcome, t.count))}
    assert kept == raw and raw


async def _all(db: Database, q: object) -> list[tuple[object, ...]]:
    async with db.session() as s:
        return [tuple(r) for r in (await s.execute(q)).all()]  # type: ignore[call-overload]


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'journal.db'}"
        await aupgrade(url, [])
        database = Database(url)
        yield database
        await database.engine.dispose()
        return
    async with fresh_pg_database() as url:
        await aupgrade(url, [])
        database = Database(url)
        yield database
        await database.engine.dispose()


async def test_the_rollup_counts_exactly_what_several_journals_flushed_at_once(db: Database) -> None:
    journals = [Journal(db, batch=50) for _ in range(3)]  # three processes writing the same journal
    for n, journal in enumerate(journals):
        for i in range(400):
            journal.record(
                _envelope(i + n), HOPS[i % len(HOPS)], "tester", outcome="ok" if i % 5 else "error"
            )
    flushed = await asyncio.gather(*(j.flush() for j in journals))
    assert flushed == [400, 400, 400]
    for i in range(30):  # and later batches add to the same minutes
        journals[0].record(_envelope(i), "handled", "tester")
    assert await journals[0].flush() == 30

    expected = await _journal_groups(db)
    assert sum(expected.values()) == 1230
    assert await _rollup(db) == expected
    await _totals_match(db)


async def test_the_overview_figures_from_the_rollup_equal_the_journals(db: Database) -> None:
    journal = Journal(db)
    for i in range(210):
        journal.record(_envelope(i), HOPS[i % len(HOPS)], "tester")
    await journal.flush()

    now = datetime.now(UTC)
    since = now - timedelta(hours=3)
    hops = await queries.hop_counts_since(db, since)
    async with db.session() as s:
        raw = dict(
            (
                await s.execute(
                    select(JournalEntry.hop, func.count())
                    .where(JournalEntry.at >= since)
                    .group_by(JournalEntry.hop)
                )
            ).all()
        )
        refused = await s.scalar(
            select(func.count()).where(
                JournalEntry.type == "axis.receive_failed", JournalEntry.hop == "published"
            )
        )
    assert hops == raw and hops["published"] == 70
    assert await queries.refused_since(db, since) == refused > 0
    series = await queries.minute_series(db, 3.0, now)
    assert series.totals()["in"] == raw["published"]
    assert series.totals()["out"] == raw["handled"]
    assert series.totals()["errors"] == raw["retried"] + raw["dead_lettered"] + refused
    counts = {(t, h, o): n for t, h, o, n in await queries.journal_counts(db)}
    assert sum(counts.values()) == 210
    types = {row["type"]: row["published"] for row in await queries.top_types(db, since)}
    assert sum(types.values()) == raw["published"]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
async def test_a_journal_recorded_before_the_revision_is_counted_when_it_lands(
    kind: str, tmp_path: Path
) -> None:
    async def check(url: str) -> None:
        await asyncio.to_thread(command.upgrade, alembic_config(url, []), "hub_0003")
        db = Database(url)
        try:
            old = datetime(2026, 11, 30, 8, 15, 0, tzinfo=UTC)
            rows = [hop_row(_envelope(i), HOPS[i % len(HOPS)], "tester") for i in range(90)]
            for i, row in enumerate(rows):
                row["at"] = old + timedelta(seconds=20 * i)  # 30 minutes of history
            async with db.engine.begin() as conn:
                await conn.execute(insert(JournalEntry.__table__), rows)  # type: ignore[arg-type]
            await aupgrade(url, [])
            expected = await _journal_groups(db)
            assert len({k[0] for k in expected}) == 30
            assert await _rollup(db) == expected
            await _totals_match(db)
        finally:
            await db.engine.dispose()

    if kind == "sqlite":
        await check(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    else:
        async with fresh_pg_database() as url:
            await check(url)

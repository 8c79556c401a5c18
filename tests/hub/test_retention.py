"""Retention of the hub's own tables: the journal and its minute counts, the inbox, resolved dead
letters and the audit trail go after their periods, through `lienthong retention run`; open dead
letters and everything younger stay; the inbox is never cleaned below the duplicate window plus the
longest redelivery, and a dry run counts without deleting."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from hub.db import Database
from hub.migrate import aupgrade
from hub.models import AuditEntry, DeadLetter, InboxEntry, JournalEntry, JournalMinute
from hub.retention import Policy, inbox_floor_days
from hub.settings import Settings
from tests.lienthong.test_cli import cli

NOW = datetime.now(UTC)


def _ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


async def _fill(db: Database) -> None:
    async with db.session() as s:
        for n, days in enumerate((200, 100, 10)):  # journal: 90 days kept
            s.add(
                JournalEntry(
                    at=_ago(days),
                    message_id=f"m{n}",
                    type="test.ping",
                    subject="lt.test.evt.ping",
                    source="t",
                    hop="published",
                    actor="t",
                    outcome="ok",
                    delivery=0,
                    detail={},
                )
            )
            s.add(
                JournalMinute(
                    minute=_ago(days).strftime("%Y-%m-%d %H:%M"),
                    type="test.ping",
                    hop="published",
                    outcome="ok",
                    count=1,
                )
            )
        for n, days in enumerate((60, 31, 5, 0.01)):  # inbox: 30 days kept
            s.add(InboxEntry(consumer="c", message_id=f"i{n}", processed_at=_ago(days)))
        dead = {
            "old-replayed": ("replayed", 400),
            "old-open": ("dead", 400),
            "new-discarded": ("discarded", 20),
        }
        for name, (status, days) in dead.items():
            s.add(
                DeadLetter(
                    message_id=name,
                    consumer="c",
                    stream="EVENTS",
                    stream_seq=1,
                    subject="lt.test.evt.ping",
                    reason="permanent",
                    error="x",
                    deliveries=1,
                    data=b"{}",
                    headers={},
                    status=status,
                    created_at=_ago(days),
                    resolved_at=None if status == "dead" else _ago(days),
                )
            )
        for n, days in enumerate((4000, 30)):  # audit: ten years kept
            s.add(AuditEntry(at=_ago(days), actor="vanthu", action="x", target=f"t{n}", detail={}))


async def _counts(db: Database) -> dict[str, int]:
    out = {}
    async with db.session() as s:
        for name, model in (
            ("journal", JournalEntry),
            ("journal_minutes", JournalMinute),
            ("inbox", InboxEntry),
            ("dead_letters", DeadLetter),
            ("audit", AuditEntry),
        ):
            out[name] = int(await s.scalar(select(func.count()).select_from(model)) or 0)
    return out


async def test_retention_run_deletes_only_what_is_past_its_period(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'retention.db'}"
    await aupgrade(url, [])
    db = Database(url)
    try:
        await _fill(db)
        before = await _counts(db)
        env = {"LIENTHONG_DB_URL": url, "LIENTHONG_DATA_DIR": str(tmp_path)}

        dry = await asyncio.to_thread(cli, "retention", "run", "--dry-run", env=env)
        assert dry.returncode == 0, dry.stderr
        assert "journal          older than   90 days: would delete 2" in dry.stdout
        assert "inbox            older than   30 days: would delete 2" in dry.stdout
        assert "dead_letters     older than  180 days: would delete 1" in dry.stdout
        assert "audit            older than 3650 days: would delete 1" in dry.stdout
        assert await _counts(db) == before  # nothing went

        run = await asyncio.to_thread(cli, "retention", "run", env=env)
        assert run.returncode == 0, run.stderr
        assert await _counts(db) == {
            "journal": 1,
            "journal_minutes": 1,
            "inbox": 2,
            "dead_letters": 2,
            "audit": 1,
        }
        async with db.session() as s:
            left = {d.message_id for d in (await s.execute(select(DeadLetter))).scalars()}
        assert left == {"old-open", "new-discarded"}  # an open dead letter is never removed

        # the inbox floor: a one-day setting cannot undercut the duplicate window plus redelivery
        long_retry = {**env, "LIENTHONG_RETENTION_INBOX_DAYS": "1", "LIENTHONG_RETRY_MAX_SECONDS": "86400"}
        floored = await asyncio.to_thread(cli, "retention", "run", env=long_retry)
        assert floored.returncode == 0, floored.stderr
        settings = Settings(db_url=url, data_dir=tmp_path, retention_inbox_days=1, retry_max_seconds=86400)
        floor = inbox_floor_days(settings)
        assert floor >= 7 and Policy.of(settings).inbox_days == floor  # six tries a day apart, and more
        assert f"inbox kept {floor} days, not 1: its floor is {floor}" in floored.stdout
        assert (await _counts(db))["inbox"] == 2  # the 5-day-old row is inside the floor
    finally:
        await db.dispose()

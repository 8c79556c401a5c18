"""PostgreSQL restarted during a burst: the consumers retry, nothing is lost, nothing applied twice."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from hub.models import JournalEntry
from hub.runtime import Delivery, Hub, wait_for
from tests.support.counting import effects, metadata
from tests.support.fn_module import FnModule

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
TOTAL = 3000


def restart_command() -> list[str] | None:
    if not shutil.which("pg_ctlcluster") or os.geteuid() != 0:
        return None
    clusters = sorted(Path("/etc/postgresql").glob("*/main"))
    if not clusters:
        return None
    version = clusters[-1].parent.name
    return ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "-m", "fast"]


async def test_postgres_restart_during_burst(hub_factory: Callable[..., Any], postgres_url: str) -> None:
    command = restart_command()
    if command is None:
        if IN_CI:
            pytest.fail("cannot restart PostgreSQL here (needs root and pg_ctlcluster)")
        pytest.skip("cannot restart PostgreSQL here (needs root and pg_ctlcluster)")

    def setup(hub: Hub) -> None:
        @hub.consumer("pg-burst", "lt.test.evt.ping", transactional=True, batch=20)
        async def apply(d: Delivery) -> None:
            await d.session.execute(insert(effects).values(message_id=str(d.envelope.id), n=d.payload.n))

    hub: Hub = await hub_factory([FnModule("pg-burst", setup)], db_url=postgres_url, max_deliver=100)
    async with hub.db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)

    async def counts() -> tuple[int, int]:
        try:
            async with hub.db.session() as s:
                total = await s.scalar(select(func.count()).select_from(effects))
                distinct = await s.scalar(select(func.count(func.distinct(effects.c.message_id))))
        except Exception:
            return -1, -1
        return int(total or 0), int(distinct or 0)

    ids = []
    for n in range(TOTAL):
        ids.append(str((await hub.publish("test.ping", {"n": n}, source="burst")).id))

    async def started() -> bool:
        return (await counts())[0] >= 100

    assert await wait_for(started, timeout=60)
    at_restart = await counts()
    restarted = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=120)
    assert restarted.returncode == 0, restarted.stderr
    assert at_restart[0] < TOTAL, "the burst finished before the restart"

    async def done() -> bool:
        return (await counts())[0] >= TOTAL

    assert await wait_for(done, timeout=180, every=0.5), await counts()
    await asyncio.sleep(6)
    assert await counts() == (TOTAL, TOTAL)
    await hub.journal.flush()
    async with hub.db.session() as s:
        applied = set((await s.execute(select(effects.c.message_id))).scalars())
        retried = await s.scalar(
            select(func.count())
            .select_from(JournalEntry)
            .where(JournalEntry.actor == "pg-burst", JournalEntry.hop == "retried")
        )
    assert applied == set(ids)
    assert retried, "the restart should have failed some deliveries, which were retried"

"""A consuming process killed with SIGKILL mid-stream: after restart every effect happened exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from hub.embedded import NatsServer
from hub.runtime import Hub, wait_for
from tests.support.counting import effects

ROOT = Path(__file__).resolve().parents[2]
TOTAL = 1000


def start_worker(nats: NatsServer, db_url: str, tmp_path: Path, log_name: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LIENTHONG_NATS_URL": nats.url,
        "LIENTHONG_DB_URL": db_url,
        "LIENTHONG_DATA_DIR": str(tmp_path / "worker"),
        "LIENTHONG_ACK_WAIT_SECONDS": "2",
        "LIENTHONG_RETRY_BASE_SECONDS": "0.2",
        "PYTHONPATH": str(ROOT),
    }
    log = (tmp_path / log_name).open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "lienthong.cli", "worker", "--modules", "tests.support.counting"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


async def _effects(hub: Hub) -> tuple[int, int]:
    async with hub.db.session() as s:
        total = await s.scalar(select(func.count()).select_from(effects))
        distinct = await s.scalar(select(func.count(func.distinct(effects.c.message_id))))
    return int(total or 0), int(distinct or 0)


async def _table_exists(hub: Hub) -> bool:
    try:
        await _effects(hub)
    except Exception:
        return False
    return True


async def test_sigkill_during_a_batch_loses_nothing_and_applies_nothing_twice(
    hub_factory: Callable[..., Any], nats: NatsServer, db_url: str, tmp_path: Path
) -> None:
    publisher: Hub = await hub_factory([], db_url=db_url)
    first = start_worker(nats, db_url, tmp_path, "worker-1.log")
    second: subprocess.Popen[bytes] | None = None
    try:
        assert await wait_for(lambda: _table_exists(publisher), timeout=30), (
            tmp_path / "worker-1.log"
        ).read_text()

        async def publish_all() -> list[str]:
            ids = []
            for n in range(TOTAL):
                env = await publisher.publish("test.ping", {"n": n}, source="load")
                ids.append(str(env.id))
                if n % 50 == 0:
                    await asyncio.sleep(0.05)
            return ids

        publishing = asyncio.create_task(publish_all())

        async def some_applied() -> bool:
            return (await _effects(publisher))[0] >= 200

        assert await wait_for(some_applied, timeout=60)
        first.send_signal(signal.SIGKILL)
        first.wait()
        killed_at = (await _effects(publisher))[0]
        assert killed_at < TOTAL, "the worker finished before it could be killed"

        ids = await publishing
        second = start_worker(nats, db_url, tmp_path, "worker-2.log")

        async def all_applied() -> bool:
            return (await _effects(publisher))[0] >= TOTAL

        assert await wait_for(all_applied, timeout=120), (tmp_path / "worker-2.log").read_text()[-3000:]
        await asyncio.sleep(3)  # past ack_wait: any redelivery of in-flight messages has happened
        total, distinct = await _effects(publisher)
        assert (total, distinct) == (TOTAL, TOTAL)
        async with publisher.db.session() as s:
            applied = set((await s.execute(select(effects.c.message_id))).scalars())
        assert applied == set(ids)
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()

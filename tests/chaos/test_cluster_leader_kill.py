"""Kill the EVENTS stream leader of a 3-node cluster during 5,000 routed messages: effects exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from hub.core import module as core
from hub.migrate import aupgrade
from hub.runtime import Delivery, Hub, wait_for
from hub.settings import Settings
from schemas.envelope import Envelope
from tests.chaos.cluster import Cluster
from tests.support.counting import effects, metadata
from tests.support.fn_module import FnModule

TOTAL = 5000


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    c = Cluster(tmp_path / "cluster", name="lt-chaos").start()
    yield c
    c.stop()


def settings(tmp_path: Path, db: str, routes: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        db_url=db,
        stream_replicas=3,
        routes_file=routes,
        retry_base_seconds=0.2,
        retry_max_seconds=2.0,
        ack_wait_seconds=5.0,
        max_deliver=50,
    )


async def publish_with_retry(hub: Hub, env: Envelope) -> None:
    """Publish until JetStream acknowledges; the same id makes every retry a no-op duplicate."""
    for attempt in range(200):
        try:
            await hub.publish_envelope(env)
            return
        except Exception:
            await asyncio.sleep(min(0.05 * (attempt + 1), 1.0))
    raise RuntimeError(f"could not publish {env.id}")


async def test_stream_leader_killed_during_load(cluster: Cluster, tmp_path: Path) -> None:
    await cluster.wait_ready()
    routes = tmp_path / "routes.yaml"
    routes.write_text("routes:\n  - name: count\n    from: lt.test.evt.ping\n    to: [lt.test.cmd.count]\n")
    db = f"sqlite+aiosqlite:///{tmp_path / 'chaos.db'}"
    await aupgrade(db, [])

    def setup(hub: Hub) -> None:
        @hub.consumer("chaos-count", "lt.test.cmd.count", transactional=True, batch=100)
        async def count(d: Delivery) -> None:
            await d.session.execute(
                insert(effects).values(message_id=str(d.envelope.causation_id), n=d.payload.n)
            )

    worker = Hub(settings(tmp_path, db, routes), modules=[core, FnModule("chaos", setup)])
    await worker.start(cluster.urls)
    async with worker.db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    publisher = Hub(settings(tmp_path, db, routes))
    await publisher.connect(cluster.urls)
    assert publisher.js is not None
    info = await publisher.js.stream_info("EVENTS")
    assert info.config.num_replicas == 3 and info.cluster is not None
    leader = info.cluster.leader

    async def count_effects() -> tuple[int, int]:
        async with worker.db.session() as s:
            total = await s.scalar(select(func.count()).select_from(effects))
            distinct = await s.scalar(select(func.count(func.distinct(effects.c.message_id))))
        return int(total or 0), int(distinct or 0)

    envelopes = [
        Envelope(type="test.ping", source="chaos", subject="lt.test.evt.ping", payload={"n": n})
        for n in range(TOTAL)
    ]

    async def publish_all() -> None:
        sem = asyncio.Semaphore(50)

        async def one(env: Envelope) -> None:
            async with sem:
                await publish_with_retry(publisher, env)

        await asyncio.gather(*(one(e) for e in envelopes))

    publishing = asyncio.create_task(publish_all())
    try:

        async def under_way() -> bool:
            return (await count_effects())[0] >= 1000

        assert await wait_for(under_way, timeout=120)
        cluster.by_name(leader).kill()
        killed_at = (await count_effects())[0]
        assert killed_at < TOTAL, "the load finished before the leader could be killed"
        await asyncio.wait_for(publishing, timeout=300)

        async def all_done() -> bool:
            return (await count_effects())[0] >= TOTAL

        assert await wait_for(all_done, timeout=300, every=0.5), await count_effects()
        await asyncio.sleep(6)  # past ack_wait: late redeliveries would show up now
        assert await count_effects() == (TOTAL, TOTAL)
        new_info = await publisher.js.stream_info("EVENTS")
        assert new_info.cluster is not None and new_info.cluster.leader != leader
        async with worker.db.session() as s:
            applied = set((await s.execute(select(effects.c.message_id))).scalars())
        assert applied == {str(e.id) for e in envelopes}
    finally:
        publishing.cancel()
        await asyncio.gather(publishing, return_exceptions=True)
        await worker.stop()
        if publisher.nc is not None:
            await publisher.nc.close()
        await publisher.db.dispose()

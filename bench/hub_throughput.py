"""Hub throughput: publish -> route -> handler -> journal, against raw nats-py JetStream in the same run.

Run: `.venv/bin/python -m bench.hub_throughput [N]`. Prints msgs/s of both and the ratio hub/raw.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nats
from nats.js import api
from pydantic import BaseModel

from hub.core import module as core
from hub.embedded import NatsServer
from hub.migrate import aupgrade
from hub.module import Module
from hub.runtime import Delivery, Hub
from hub.settings import Settings
from schemas.registry import message_type, registry

CONCURRENCY = 200


class BenchDoc(BaseModel):
    """A canonical document event of realistic size."""

    document_id: str
    subject: str
    priority: str
    sender: str
    pages: int


if ("bench.doc", 1) not in registry:
    message_type("bench.doc", "lt.bench.evt.doc")(BenchDoc)


def payload(i: int) -> dict[str, object]:
    return BenchDoc(
        document_id=f"000.00.00.G22,2026/11/28,{i}/VPCP-TTĐT",
        subject="V/v triển khai kế hoạch chuyển đổi số năm 2026 của Sở Kế hoạch và Đầu tư",
        priority="Hỏa tốc" if i % 2 else "Thường",
        sender="000.00.00.G22",
        pages=3,
    ).model_dump()


async def bounded(n: int, make: object) -> None:
    sem = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> None:
        async with sem:
            await make(i)  # type: ignore[operator]

    await asyncio.gather(*(one(i) for i in range(n)))


async def raw_run(url: str, n: int, body: bytes) -> float:
    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.add_stream(api.StreamConfig(name="RAW", subjects=["raw.>"], duplicate_window=600))
    sub = await js.pull_subscribe("raw.doc", durable="raw", stream="RAW")
    got = 0
    start = time.perf_counter()

    async def consume() -> None:
        nonlocal got
        while got < n:
            try:
                msgs = await sub.fetch(64, timeout=1)
            except nats.errors.TimeoutError:
                continue
            for m in msgs:
                await m.ack()
            got += len(msgs)

    consumer = asyncio.create_task(consume())
    await bounded(n, lambda i: js.publish("raw.doc", body, headers={"Nats-Msg-Id": f"raw-{i}"}))
    await consumer
    elapsed = time.perf_counter() - start
    await nc.close()
    return n / elapsed


async def hub_run(url: str, n: int, folder: Path) -> float:
    routes = folder / "routes.yaml"
    routes.write_text(
        "routes:\n  - name: bench\n    from: lt.bench.evt.doc\n    to: [lt.bench.cmd.sink]\n",
        encoding="utf-8",
    )
    db = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    await aupgrade(db, [])
    done = asyncio.Event()
    count = 0

    class Sink(Module):
        name = "sink"

        def setup(self, hub: Hub) -> None:
            @hub.consumer("sink", "lt.bench.cmd.sink")
            async def sink(d: Delivery) -> None:
                nonlocal count
                count += 1
                if count >= n:
                    done.set()

    hub = Hub(Settings(data_dir=folder, db_url=db, routes_file=routes), modules=[core, Sink()])
    await hub.start([url])
    start = time.perf_counter()
    await bounded(n, lambda i: hub.publish("bench.doc", payload(i), source="bench", issue=f"VB-{i}"))
    await done.wait()
    await hub.journal.flush()
    elapsed = time.perf_counter() - start
    await hub.stop()
    return n / elapsed


async def main(n: int, rounds: int = 3) -> None:
    from schemas.envelope import Envelope

    body = Envelope(type="bench.doc", source="bench", payload=payload(1)).to_bytes()
    raw_rates, hub_rates = [], []
    for r in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            server = NatsServer(store_dir=Path(tmp) / "nats", name="bench").start()
            try:
                raw_rates.append(await raw_run(server.url, n, body))
                hub_rates.append(await hub_run(server.url, n, Path(tmp)))
            finally:
                server.stop()
        print(
            f"round {r + 1}: raw {raw_rates[-1]:8.0f} msg/s   hub {hub_rates[-1]:8.0f} msg/s", file=sys.stderr
        )
    raw, hub = statistics.median(raw_rates), statistics.median(hub_rates)
    print(f"hub_throughput: n={n} message={len(body)}B raw_nats_py={raw:.0f} msg/s hub={hub:.0f} msg/s")
    print(
        f"RATIO hub_throughput {hub / raw:.2f} (hub / raw nats-py JetStream publish+consume; target >= 0.5)"
    )


if __name__ == "__main__":
    import logging

    logging.disable(logging.INFO)
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000))

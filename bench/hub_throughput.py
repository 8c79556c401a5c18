"""Hub throughput and latency: publish -> route -> handler -> journal, against raw nats-py JetStream.

Both paths carry the same canonical messages in the same run on the same server(s):
- raw: nats-py JetStream publish, then a durable pull consumer fetches and acks;
- hub: `Hub.publish` (validated envelope) -> router consumer (routing table) -> handler consumer,
  with every hop journaled to SQLite.

Run: `python -m bench.hub_throughput [N] [--cluster]`. Prints msgs/s and latency percentiles of both
and the ratios hub/raw (throughput) and raw/hub (p50 latency).
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import nats
from nats.js import api
from pydantic import BaseModel

from hub.core import module as core
from hub.embedded import NatsCluster, NatsServer
from hub.migrate import aupgrade
from hub.module import Module
from hub.runtime import Delivery, Hub
from hub.settings import Settings
from schemas.envelope import Envelope
from schemas.registry import message_type, registry

CONCURRENCY = 200


class BenchDoc(BaseModel):
    """A canonical document event of realistic size."""

    document_id: str
    subject: str
    priority: str
    sender: str
    pages: int
    sent_at: float = 0.0


if ("bench.doc", 1) not in registry:
    message_type("bench.doc", "lt.bench.evt.doc")(BenchDoc)


def payload(i: int) -> dict[str, object]:
    return BenchDoc(
        document_id=f"000.00.00.G22,2026/11/28,{i}/VPCP-TTĐT",
        subject="V/v triển khai kế hoạch chuyển đổi số năm 2026 của Sở Kế hoạch và Đầu tư",
        priority="Hỏa tốc" if i % 2 else "Thường",
        sender="000.00.00.G22",
        pages=3,
        sent_at=time.time(),
    ).model_dump()


@dataclass
class Result:
    rate: float
    latencies: list[float]
    cpu_us: float = 0.0  # CPU time of this Python process per message, in microseconds

    def pct(self, q: float) -> float:
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(q * len(data)))] * 1000 if data else float("nan")


async def bounded(n: int, make: Callable[[int], Awaitable[object]]) -> None:
    sem = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> None:
        async with sem:
            await make(i)

    await asyncio.gather(*(one(i) for i in range(n)))


async def raw_run(urls: list[str], n: int, replicas: int) -> Result:
    nc = await nats.connect(servers=urls)
    js = nc.jetstream()
    await js.add_stream(
        api.StreamConfig(name="RAW", subjects=["raw.>"], duplicate_window=600, num_replicas=replicas)
    )
    sub = await js.pull_subscribe("raw.doc", durable="raw", stream="RAW")
    latencies: list[float] = []
    start = time.perf_counter()

    async def consume() -> None:
        while len(latencies) < n:
            try:
                msgs = await sub.fetch(64, timeout=1)
            except nats.errors.TimeoutError:
                continue
            for m in msgs:
                body = json.loads(m.data)
                latencies.append(time.time() - body["payload"]["sent_at"])
                await m.ack()

    cpu = time.process_time()
    consumer = asyncio.create_task(consume())

    async def publish(i: int) -> None:
        env = Envelope(type="bench.doc", source="bench", payload=payload(i))
        await js.publish("raw.doc", env.to_bytes(), headers={"Nats-Msg-Id": str(env.id)})

    await bounded(n, publish)
    await consumer
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    await nc.close()
    return Result(n / elapsed, latencies, cpu / n * 1e6)


async def hub_run(urls: list[str], n: int, folder: Path, replicas: int) -> Result:
    routes = folder / "routes.yaml"
    routes.write_text(
        "routes:\n  - name: bench\n    from: lt.bench.evt.doc\n    to: [lt.bench.cmd.sink]\n",
        encoding="utf-8",
    )
    db = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    await aupgrade(db, [])
    done = asyncio.Event()
    latencies: list[float] = []

    class Sink(Module):
        name = "sink"

        def setup(self, hub: Hub) -> None:
            @hub.consumer("sink", "lt.bench.cmd.sink")
            async def sink(d: Delivery) -> None:
                latencies.append(time.time() - d.payload.sent_at)
                if len(latencies) >= n:
                    done.set()

    settings = Settings(data_dir=folder, db_url=db, routes_file=routes, stream_replicas=replicas)
    hub = Hub(settings, modules=[core, Sink()])
    await hub.start(urls)
    start = time.perf_counter()
    cpu = time.process_time()
    await bounded(n, lambda i: hub.publish("bench.doc", payload(i), source="bench", issue=f"VB-{i}"))
    await done.wait()
    await hub.journal.flush()
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    await hub.stop()
    return Result(n / elapsed, latencies, cpu / n * 1e6)


async def one_round(n: int, cluster: bool) -> tuple[Result, Result]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if cluster:
            nodes = NatsCluster(root / "cluster", name="bench").start()
            try:
                await nodes.wait_ready()
                return await raw_run(nodes.urls, n, 3), await hub_run(nodes.urls, n, root, 3)
            finally:
                nodes.stop()
        server = NatsServer(store_dir=root / "nats", name="bench").start()
        try:
            return await raw_run([server.url], n, 1), await hub_run([server.url], n, root, 1)
        finally:
            server.stop()


async def main(n: int, cluster: bool, rounds: int = 3) -> None:
    raws, hubs = [], []
    for r in range(rounds):
        raw, hub = await one_round(n, cluster)
        raws.append(raw)
        hubs.append(hub)
        print(f"round {r + 1}: raw {raw.rate:8.0f} msg/s   hub {hub.rate:8.0f} msg/s", file=sys.stderr)
    raw = sorted(raws, key=lambda x: x.rate)[len(raws) // 2]
    hub = sorted(hubs, key=lambda x: x.rate)[len(hubs) // 2]
    where = "3-node cluster, R3" if cluster else "one node, R1"
    print(f"hub_throughput ({where}): n={n} at {datetime.now(UTC):%Y-%m-%d %H:%M}Z")
    for label, res in (("raw nats-py", raw), ("hub", hub)):
        print(
            f"  {label:<12} {res.rate:8.0f} msg/s  latency p50 {res.pct(0.5):7.1f} ms  "
            f"p95 {res.pct(0.95):7.1f} ms  p99 {res.pct(0.99):7.1f} ms  CPU {res.cpu_us:6.0f} us/msg"
        )
    print(f"  rounds: raw {[round(x.rate) for x in raws]} hub {[round(x.rate) for x in hubs]}")
    print(
        f"RATIO hub_throughput[{where}] {hub.rate / raw.rate:.2f} (hub/raw msgs/s; target >= 0.5), "
        f"p50 latency raw/hub {raw.pct(0.5) / hub.pct(0.5):.2f}"
    )


if __name__ == "__main__":
    import logging

    logging.disable(logging.INFO)
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    asyncio.run(main(int(args[0]) if args else 5000, "--cluster" in sys.argv))

"""A 3-node nats-server cluster with JetStream on loopback, for chaos tests and the cluster benchmark."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

import nats

from hub.embedded import NatsServer, free_port


@dataclass
class Cluster:
    root: Path
    size: int = 3
    servers: list[NatsServer] = field(default_factory=list)

    def start(self) -> Cluster:
        client_ports = [free_port() for _ in range(self.size)]
        cluster_ports = [free_port() for _ in range(self.size)]
        routes = [f"nats://127.0.0.1:{p}" for p in cluster_ports]
        for i in range(self.size):
            server = NatsServer(
                store_dir=self.root / f"n{i}",
                port=client_ports[i],
                name=f"lt-n{i}",
                cluster_name="lt-chaos",
                cluster_port=cluster_ports[i],
                routes=[r for j, r in enumerate(routes) if j != i],
            )
            self.servers.append(server.start())
        return self

    @property
    def urls(self) -> list[str]:
        return [s.url for s in self.servers if s.running]

    def by_name(self, name: str) -> NatsServer:
        return next(s for s in self.servers if s.name == name)

    async def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait until JetStream has a meta leader and answers account info."""
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                nc = await nats.connect(servers=self.urls, connect_timeout=2)
                try:
                    await nc.jetstream().account_info()
                    return
                finally:
                    await nc.close()
            except Exception as exc:
                last = exc
                await asyncio.sleep(0.5)
        raise TimeoutError(f"cluster JetStream not ready: {last}")

    def stop(self) -> None:
        for s in self.servers:
            s.stop()

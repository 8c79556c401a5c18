"""Fixtures that run a hub against a private nats-server and a fresh database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from hub.embedded import NatsServer
from hub.migrate import aupgrade
from hub.module import Module
from hub.runtime import Hub
from hub.settings import Settings
from tests.support import messages  # noqa: F401


@pytest.fixture
def nats(tmp_path: Path) -> NatsServer:
    """A private nats-server for one test, so streams and consumers start empty."""
    server = NatsServer(store_dir=tmp_path / "nats", name="lt-hubtest").start()
    yield server  # type: ignore[misc]
    server.stop()


def make_settings(tmp_path: Path, db_url: str, **kw: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": tmp_path / "data",
        "db_url": db_url,
        "retry_base_seconds": 0.2,
        "retry_max_seconds": 2.0,
        "ack_wait_seconds": 5.0,
        "max_deliver": 4,
    }
    values.update(kw)
    return Settings(**values)  # type: ignore[arg-type]


HubFactory = Callable[..., "AsyncIterator[Hub]"]


@pytest.fixture
async def hub_factory(nats: NatsServer, tmp_path: Path) -> AsyncIterator[Callable[..., object]]:
    """Start hubs (one or several processes' worth) on the test's server; stopped at the end."""
    started: list[Hub] = []

    async def start(modules: list[Module], db_url: str | None = None, **kw: object) -> Hub:
        url = db_url or f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
        settings = make_settings(tmp_path, url, **kw)
        await aupgrade(url, [])
        hub = Hub(settings, modules=modules)
        await hub.start([nats.url])
        started.append(hub)
        return hub

    yield start
    for hub in reversed(started):
        await hub.stop()

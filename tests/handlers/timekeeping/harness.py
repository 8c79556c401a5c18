"""Shared test harness for the meetings, timekeeping and evaluation modules: hub, API client, bus taps."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.embedded import NatsServer
from hub.migrate import aupgrade
from hub.module import Module
from hub.runtime import Hub
from hub.seed import seed_demo
from portal.app import create_app
from tests.hub.conftest import make_settings

PASSWORD = "mat-khau-demo"
StartHub = Callable[..., Any]


@pytest.fixture
async def module_hub(nats: NatsServer, tmp_path: Path) -> AsyncIterator[StartHub]:
    """Start a hub with the given modules, their migrations applied and the demo chart seeded."""
    started: list[Hub] = []

    async def start(modules: list[Module], packages: list[str], db_url: str | None = None) -> Hub:
        url = db_url or f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
        await aupgrade(url, packages)
        hub = Hub(make_settings(tmp_path, url), modules=modules)
        await hub.start([nats.url])
        started.append(hub)
        await seed_demo(hub.db, PASSWORD)
        return hub

    yield start
    for hub in reversed(started):
        await hub.stop()


class Api:
    """An httpx client on the portal app, logged in per call by username (bearer tokens)."""

    def __init__(self, hub: Hub) -> None:
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(hub)), base_url="http://lt", timeout=60
        )
        self.tokens: dict[str, str] = {}

    async def as_(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            r = await self.client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            self.tokens[username] = r.json()["token"]
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    async def call(self, method: str, user: str, url: str, **kw: Any) -> httpx.Response:
        return await self.client.request(method, url, headers=await self.as_(user), **kw)

    async def close(self) -> None:
        await self.client.aclose()


class Tap:
    """A test consumer on a subject: collects what the hub published there (JetStream durable)."""

    def __init__(self, hub: Hub, subject: str, durable: str) -> None:
        self.hub = hub
        self.subject = subject
        self.durable = durable
        self.messages: list[dict[str, Any]] = []
        self._sub: Any = None

    async def open(self) -> Tap:
        assert self.hub.js is not None
        self._sub = await self.hub.js.pull_subscribe(self.subject, durable=self.durable)
        return self

    async def drain(self) -> list[dict[str, Any]]:
        """Fetch whatever arrived so far; return every envelope seen."""
        while True:
            try:
                msgs = await self._sub.fetch(200, timeout=0.3)
            except Exception:
                break
            for m in msgs:
                self.messages.append(json.loads(m.data))
                await m.ack()
            if not msgs:
                break
        return self.messages

    async def close(self) -> None:
        if self._sub is not None:
            await self._sub.unsubscribe()
            self._sub = None

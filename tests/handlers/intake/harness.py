"""Test harness of the citizen-facing modules: hub with migrations and seed, API client, bus taps, clock."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI

from hub.embedded import NatsServer
from hub.migrate import aupgrade
from hub.module import Module
from hub.runtime import Hub
from lienthong.seed import seed_demo
from lienthong.web import create_app
from tests.hub.conftest import make_settings

PASSWORD = "mat-khau-demo"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
StartHub = Callable[..., Any]
OPEN_TAPS: list[Tap] = []


class Clock:
    """A settable clock in Vietnam time."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def set(self, year: int, month: int, day: int, hour: int = 9) -> None:
        self.moment = datetime(year, month, day, hour, tzinfo=VN)

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
async def module_hub(nats: NatsServer, tmp_path: Path) -> AsyncIterator[StartHub]:
    """Start a hub with the given modules, their migrations applied and the demo chart seeded."""
    started: list[Hub] = []

    async def start(modules: list[Module], packages: list[str], db_url: str | None = None, **kw: Any) -> Hub:
        url = db_url or f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
        await aupgrade(url, packages)
        hub = Hub(make_settings(tmp_path, url, **kw), modules=modules)
        await hub.start([nats.url])
        started.append(hub)
        await seed_demo(hub.db, PASSWORD)
        return hub

    yield start
    while OPEN_TAPS:
        await OPEN_TAPS.pop().close()
    for hub in reversed(started):
        await hub.stop()


class Api:
    """An httpx client on the portal app, logged in per call by username."""

    def __init__(self, hub: Hub) -> None:
        app: FastAPI = create_app(hub)  # module routers under /api, public routers under /public
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("203.0.113.7", 5555)),
            base_url="http://lt",
            timeout=60,
        )
        self.tokens: dict[str, str] = {}

    async def as_(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            r = await self.client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.text
            self.tokens[username] = r.json()["token"]
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    async def call(self, method: str, user: str, url: str, **kw: Any) -> httpx.Response:
        headers = {**(await self.as_(user)), **kw.pop("headers", {})}
        return await self.client.request(method, url, headers=headers, **kw)

    async def close(self) -> None:
        await self.client.aclose()


class Tap:
    """A test consumer on a subject: collects the envelopes the hub published there."""

    def __init__(self, hub: Hub, subject: str, durable: str) -> None:
        self.hub = hub
        self.subject = subject
        self.durable = durable
        self.messages: list[dict[str, Any]] = []
        self._sub: Any = None

    async def open(self) -> Tap:
        assert self.hub.js is not None
        self._sub = await self.hub.js.pull_subscribe(self.subject, durable=self.durable)
        OPEN_TAPS.append(self)
        return self

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._sub.unsubscribe()

    async def drain(self) -> list[dict[str, Any]]:
        while True:
            try:
                msgs = await self._sub.fetch(500, timeout=0.3)
            except Exception:
                break
            for m in msgs:
                self.messages.append(json.loads(m.data))
                await m.ack()
            if not msgs:
                break
        return self.messages

    async def of_type(self, type_: str) -> list[dict[str, Any]]:
        return [m for m in await self.drain() if m["type"] == type_]

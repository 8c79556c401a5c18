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
from lienthong.seed import seed_demo
from lienthong.web import create_app
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


# -- the cast of the access-matrix tests ---------------------------------------------------------------

# Who acts in the access-matrix tests: each role of the subject's unit (TH, Phòng Tổng hợp) and of
# another unit (DNDT), a leader and the administrator. "chuyenvien" is the subject (an officer of TH).
CAST = {
    "leader": "giamdoc",
    "admin": "quantri",
    "head": "truongphongth",
    "owner": "chuyenvien",
    "peer": "cvth2",
    "clerk": "vanthuth",
    "other_head": "truongphongdt",
    "other_officer": "chuyenvien2",
    "other_clerk": "vanthudt",
}
EXTRA_CAST = (
    ("cvth2", "Lý Văn Bình", "Chuyên viên", "TH", ["officer"]),
    ("vanthuth", "Mạc Thị Hằng", "Văn thư", "TH", ["clerk"]),
    ("vanthudt", "Tạ Thị Yến", "Văn thư", "DNDT", ["clerk"]),
)


async def add_cast(hub: Hub) -> None:
    """Add the cast's people the demo chart lacks: a second officer and a clerk of TH, a clerk of DNDT."""
    from hub.auth import hash_password
    from hub.orgchart import User

    hashed = hash_password(PASSWORD)
    async with hub.db.session() as s:
        for uid, name, position, unit, roles in EXTRA_CAST:
            s.add(
                User(
                    id=uid,
                    username=uid,
                    full_name=name,
                    position=position,
                    unit_id=unit,
                    roles=roles,
                    email=f"{uid}@skhdt.hanoi.gov.vn",
                    password_hash=hashed,
                )
            )


def everyone_but(*allowed: str, code: int, cast: dict[str, str] = CAST) -> dict[str, int]:
    """The expected answer of every member of the cast not named (by cast role)."""
    return {cast[r]: code for r in cast if r not in allowed}


def by_role(**codes: int) -> dict[str, int]:
    """Expected answers by cast role: `by_role(head=200, owner=404)`."""
    return {CAST[r]: code for r, code in codes.items()}


def only(*roles: str, code: int, cast: dict[str, str] = CAST) -> dict[str, int]:
    """The same expected answer for each of the roles named: `only("head", "leader", code=200)`."""
    return {cast[r]: code for r in roles}


async def check_refusals(
    api: Api,
    method: str,
    url: str,
    expected: dict[str, int],
    state: Callable[[], Any],
    **kw: Any,
) -> None:
    """Every caller in `expected` is refused with its status and a reason; `state()` is unchanged after."""
    before = await state()
    for user, code in expected.items():
        r = await api.call(method, user, url, **kw)
        assert r.status_code == code, (user, method, url, r.status_code, r.text)
        detail = r.json().get("detail")
        assert isinstance(detail, str) and detail.strip(), (user, url, r.text)
    assert await state() == before, (method, url)


async def check_reads(api: Api, url: str, expected: dict[str, int]) -> dict[str, httpx.Response]:
    """GET `url` as every caller in `expected`; each answers with its status. The answers, by caller."""
    answers = {}
    for user, code in expected.items():
        r = await api.call("GET", user, url)
        assert r.status_code == code, (user, url, r.status_code, r.text[:300])
        answers[user] = r
    return answers

"""A running hub with the core module, a routing table and a test module, for the portal's tests."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter

from hub.core import module as core
from hub.errors import PermanentError
from hub.module import Module
from hub.runtime import Delivery, Hub, wait_for
from lienthong.seed import seed_demo
from tests.hub.conftest import hub_factory, nats  # noqa: F401

PASSWORD = "mat-khau-demo-1"
ROUTES = """
routes:
  - name: urgent-ping-sms
    description: Hỏa tốc pings go out by SMS.
    from: lt.test.evt.ping
    when:
      payload.priority: {in: ["Hỏa tốc", "Thượng khẩn"]}
    to: [lt.test.cmd.sms]
"""


@dataclass
class Shop:
    """What the test module's consumers saw."""

    sms: list[Any] = field(default_factory=list)
    strict: list[Any] = field(default_factory=list)
    fixed: bool = False


class ShopModule(Module):
    """Consumers for the tests: an SMS sink behind the router, and a strict one that dead-letters."""

    name = "shop"

    def __init__(self, shop: Shop) -> None:
        self.shop = shop

    def setup(self, hub: Hub) -> None:
        @hub.consumer("test-sms", "lt.test.cmd.sms", description="SMS sink of the tests")
        async def sms(d: Delivery) -> None:
            self.shop.sms.append(d.envelope)

        @hub.consumer("strict-pong", "lt.test.evt.pong", description="refuses poison pongs")
        async def strict(d: Delivery) -> None:
            if d.payload.poison and not self.shop.fixed:
                raise PermanentError("poison pong: the text field must say why")
            self.shop.strict.append(d.envelope)

    def router(self) -> APIRouter:
        r = APIRouter(prefix="/shop")

        @r.get("/private")
        async def private() -> dict[str, bool]:
            return {"private": True}

        return r

    def public_router(self) -> APIRouter:
        r = APIRouter(prefix="/shop")

        @r.get("/lookup/{code}")
        async def lookup(code: str) -> dict[str, str]:
            return {"code": code, "status": "Đang xử lý"}

        return r


@dataclass
class PortalHub:
    hub: Hub
    shop: Shop


PortalHubFactory = Callable[..., Awaitable[PortalHub]]


@pytest.fixture
async def make_portal_hub(hub_factory: Callable[..., Any], tmp_path: Path) -> PortalHubFactory:
    """Start the hub of the portal tests on a given database (SQLite in the test folder by default)."""

    async def make(db_url: str | None = None) -> PortalHub:
        routes = tmp_path / "routes.yaml"
        routes.write_text(ROUTES, encoding="utf-8")
        shop = Shop()
        hub: Hub = await hub_factory(
            [core, ShopModule(shop)], db_url=db_url, routes_file=routes, secret_key="k" * 40
        )
        await seed_demo(hub.db, PASSWORD)
        return PortalHub(hub, shop)

    return make


@pytest.fixture
async def portal_hub(make_portal_hub: PortalHubFactory) -> PortalHub:
    return await make_portal_hub()


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the API; returns the CSRF token to send on unsafe requests."""
    answer = await client.post("/api/auth/login", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    csrf: str = answer.json()["csrf"]
    return csrf


async def until(condition: Callable[[], Any], timeout: float = 30.0) -> None:
    async def check() -> bool:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        return bool(value)

    assert await wait_for(check, timeout=timeout), "condition not reached in time"


async def journal_has(hub: Hub, key: str, hop: str, actor: str | None = None) -> bool:
    """Whether the trace of a key holds a hop (by an actor); flushes the journal first."""
    from hub.journal import trace

    await hub.journal.flush()
    return any(r.hop == hop and (actor is None or r.actor == actor) for r in await trace(hub.db, key))

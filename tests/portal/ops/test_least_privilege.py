"""The portal's reads work under the read-only `portal` NATS user of ops/nats/auth.conf."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hub.adapter_health import record_call
from hub.embedded import NatsServer
from hub.migrate import aupgrade
from hub.runtime import Hub
from hub.settings import Settings
from lienthong.seed import seed_demo
from lienthong.web import create_app

ROOT = Path(__file__).resolve().parents[3]
USERS = ("hub", "documents", "complaints", "tasks", "office", "axis", "portal", "sys")


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[tuple[NatsServer, dict[str, str]]]:
    passwords = {u: "p" + secrets.token_hex(12) for u in USERS}
    (tmp_path / "auth.conf").write_text((ROOT / "ops" / "nats" / "auth.conf").read_text())
    conf = tmp_path / "nats.conf"
    conf.write_text("include ./auth.conf\n")
    server = NatsServer(
        store_dir=tmp_path / "nats",
        config_file=conf,
        env={f"LT_{u.upper()}_PASSWORD": p for u, p in passwords.items()},
    ).start()
    yield server, passwords
    server.stop()


async def test_overview_adapters_and_health_under_the_portal_user(
    secured: tuple[NatsServer, dict[str, str]], tmp_path: Path
) -> None:
    server, passwords = secured
    db = f"sqlite+aiosqlite:///{tmp_path / 'p.db'}"
    await aupgrade(db, [])

    def url(user: str) -> str:
        return f"nats://{user}:{passwords[user]}@{server.host}:{server.port}"

    hub = Hub(Settings(data_dir=tmp_path / "h", db_url=db))
    await hub.connect([url("hub")])  # the hub user provisions the topology
    await record_call(hub, "lgsp", False, 812.0, error="SOAP Fault: máy chủ bận", circuit="open")
    await seed_demo(hub.db, "mat-khau-demo-1")

    portal = Hub(Settings(data_dir=tmp_path / "p", db_url=db, secret_key="s" * 40))
    await portal.connect([url("portal")])
    try:
        app = create_app(portal)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://lt") as c:
            health = (await c.get("/healthz")).json()
            assert health["ok"] and health["checks"]["adapters"]["down"] == ["lgsp"]
            login = await c.post(
                "/api/auth/login", json={"username": "vanhanh", "password": "mat-khau-demo-1"}
            )
            assert login.status_code == 200
            adapters = {a["name"]: a for a in (await c.get("/api/ops/adapters")).json()}
            assert adapters["lgsp"]["last_error"] == "SOAP Fault: máy chủ bận"
            overview = (await c.get("/api/ops/overview")).json()
            assert {s["stream"] for s in overview["streams"]} >= {"EVENTS", "COMMANDS", "DLQ"}
            metrics = (await c.get("/metrics")).text
            assert 'lt_adapter_circuit_open{adapter="lgsp"} 1' in metrics
            assert 'lt_adapter_duration_ms{adapter="lgsp",stat="max"} 812' in metrics
    finally:
        for h in (portal, hub):
            if h.nc is not None:
                await h.nc.close()
            await h.db.dispose()

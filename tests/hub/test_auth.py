"""Staff login: hashed passwords, session cookie and CSRF, roles, throttling; nothing open without login."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from fastapi import APIRouter

from hub.auth import CurrentPrincipal, require_roles
from hub.module import Module
from hub.orgchart import CLERK
from hub.runtime import Hub
from lienthong.seed import seed_demo
from lienthong.web import create_app


class Guarded(Module):
    name = "guarded"

    def router(self) -> APIRouter:
        r = APIRouter(prefix="/guarded")

        @r.get("/me")
        async def me(p: CurrentPrincipal) -> dict[str, str]:
            return {"who": p.full_name}

        @r.post("/register", dependencies=[require_roles(CLERK)])
        async def register() -> dict[str, bool]:
            return {"ok": True}

        return r


async def test_login_roles_csrf_and_lockout(hub_factory: Callable[..., Any]) -> None:
    hub: Hub = await hub_factory([])
    hub.modules.append(Guarded())
    password = await seed_demo(hub.db, "mat-khau-demo")
    assert password == "mat-khau-demo"
    app = create_app(hub)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://lt") as client:
        assert (await client.get("/api/guarded/me")).status_code == 401
        assert (await client.get("/healthz")).status_code == 200

        wrong = await client.post("/api/auth/login", json={"username": "vanthu", "password": "sai"})
        assert wrong.status_code == 401 and "không đúng" in wrong.json()["detail"]
        ok = await client.post("/api/auth/login", json={"username": "vanthu", "password": "mat-khau-demo"})
        assert ok.status_code == 200
        csrf = ok.json()["csrf"]
        assert (await client.get("/api/guarded/me")).json() == {"who": "Lê Thị Hoa"}
        no_csrf = await client.post("/api/guarded/register")
        assert no_csrf.status_code == 403 and "CSRF" in no_csrf.json()["detail"]
        assert (await client.post("/api/guarded/register", headers={"X-CSRF-Token": csrf})).json() == {
            "ok": True
        }

        officer = await client.post(
            "/api/auth/login", json={"username": "chuyenvien", "password": "mat-khau-demo"}
        )
        token = officer.json()["token"]
        refused = await client.post("/api/guarded/register", headers={"Authorization": f"Bearer {token}"})
        assert (
            refused.status_code == 403
            and "Văn thư" in refused.json()["detail"]
            and "clerk" not in refused.json()["detail"]
        )

        for _ in range(5):
            await client.post("/api/auth/login", json={"username": "giamdoc", "password": "doan-mo"})
        locked = await client.post(
            "/api/auth/login", json={"username": "giamdoc", "password": "mat-khau-demo"}
        )
        assert locked.status_code == 429 and "thử lại sau" in locked.json()["detail"]


async def test_a_deputy_acts_with_the_leaders_roles_only_during_the_delegation(
    hub_factory: Callable[..., Any],
) -> None:
    from datetime import UTC, datetime, timedelta

    from hub.orgchart import LEADER, Delegation

    class LeaderOnly(Module):
        name = "leader-only"

        def router(self) -> APIRouter:
            r = APIRouter(prefix="/chi-dao")

            @r.get("/", dependencies=[require_roles(LEADER)])
            async def direct(p: CurrentPrincipal) -> dict[str, object]:
                return {"who": p.username, "acting_for": list(p.acting_for)}

            return r

    hub: Hub = await hub_factory([])
    hub.modules.append(LeaderOnly())
    await seed_demo(hub.db, "mat-khau-demo")
    now = datetime.now(UTC)
    async with hub.db.session() as s:
        s.add(
            Delegation(
                from_user_id="giamdoc",
                to_user_id="truongphongth",
                starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(hours=1),
                note="Giám đốc đi công tác",
            )
        )
        s.add(
            Delegation(
                from_user_id="giamdoc",
                to_user_id="chuyenvien",
                starts_at=now - timedelta(days=3),
                ends_at=now - timedelta(days=1),
                note="đã hết hạn",
            )
        )
    app = create_app(hub)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://lt") as client:
        deputy = await client.post(
            "/api/auth/login", json={"username": "truongphongth", "password": "mat-khau-demo"}
        )
        headers = {"Authorization": f"Bearer {deputy.json()['token']}"}
        assert (await client.get("/api/chi-dao/", headers=headers)).json() == {
            "who": "truongphongth",
            "acting_for": ["giamdoc"],
        }
        expired = await client.post(
            "/api/auth/login", json={"username": "chuyenvien", "password": "mat-khau-demo"}
        )
        refused = await client.get(
            "/api/chi-dao/", headers={"Authorization": f"Bearer {expired.json()['token']}"}
        )
        assert refused.status_code == 403

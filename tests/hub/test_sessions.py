"""Sessions end at logout and at a password reset; login attempts are throttled atomically, per account
and per address, and an unknown name is answered exactly like a real one."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from hub import auth as hub_auth
from hub.auth import ACCOUNT, ADDRESS, accounts_waiting, claim_attempt
from hub.models import LoginThrottle
from hub.orgchart import User
from hub.runtime import Hub
from lienthong.seed import seed_demo
from lienthong.web import create_app

PASSWORD = "mat-khau-demo"
WRONG = "doan-sai-mat-khau"


def client(app: Any, address: str = "198.51.100.7") -> httpx.AsyncClient:
    """A browser-less client of the portal app, seen as coming from `address`."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(address, 4321)), base_url="http://lt", timeout=60
    )


async def login(c: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    return await c.post("/api/auth/login", json={"username": username, "password": password})


async def user_id(hub: Hub, username: str) -> str:
    async with hub.db.session() as s:
        found = (await s.execute(select(User.id).where(User.username == username))).scalar_one()
    return str(found)


async def started(hub_factory: Callable[..., Any], **kw: Any) -> tuple[Hub, Any]:
    hub: Hub = await hub_factory([], **kw)
    await seed_demo(hub.db, PASSWORD)
    return hub, create_app(hub)


async def test_logout_ends_every_session_of_the_person(hub_factory: Callable[..., Any]) -> None:
    _hub, app = await started(hub_factory)
    async with client(app) as laptop, client(app, "198.51.100.8") as phone, client(app) as other:
        first = await login(laptop, "vanthu")
        second = await login(phone, "vanthu")
        colleague = await login(other, "chuyenvien")
        bearer = {"Authorization": f"Bearer {second.json()['token']}"}
        assert (await laptop.get("/api/auth/me")).status_code == 200
        assert (await phone.get("/api/auth/me", headers=bearer)).status_code == 200

        out = await laptop.post("/api/auth/logout", headers={"X-CSRF-Token": first.json()["csrf"]})
        assert out.status_code == 200
        # the cookie copied before the logout and the phone's bearer token are both dead now
        replayed = await phone.get("/api/auth/me", cookies={"lt_session": first.json()["token"]})
        assert replayed.status_code == 401 and "đăng nhập lại" in replayed.json()["detail"]
        assert (await phone.get("/api/auth/me", headers=bearer)).status_code == 401
        # another person's session is untouched, and the person can log in again
        theirs = {"Authorization": f"Bearer {colleague.json()['token']}"}
        assert (await other.get("/api/auth/me", headers=theirs)).json()["username"] == "chuyenvien"
        again = await login(phone, "vanthu")
        fresh = {"Authorization": f"Bearer {again.json()['token']}"}
        assert (await phone.get("/api/auth/me", headers=fresh)).status_code == 200


async def test_a_logout_without_a_valid_session_ends_nothing(hub_factory: Callable[..., Any]) -> None:
    _hub, app = await started(hub_factory)
    async with client(app) as c:
        token = (await login(c, "vanthu")).json()["token"]
        c.cookies.clear()
        forged = await c.post("/api/auth/logout", headers={"Authorization": "Bearer not-a-token"})
        assert forged.status_code == 200
        # a cross-site form posting the cookie without the CSRF token does not log the person out
        csrfless = await c.post("/api/auth/logout", cookies={"lt_session": token})
        assert csrfless.status_code == 200
        assert (await c.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})).status_code == 200


async def test_an_administrators_password_reset_ends_the_sessions(hub_factory: Callable[..., Any]) -> None:
    hub, app = await started(hub_factory)
    async with client(app) as admin, client(app, "198.51.100.9") as leader:
        admin_token = (await login(admin, "quantri")).json()["token"]
        leader_token = (await login(leader, "giamdoc")).json()["token"]
        as_leader = {"Authorization": f"Bearer {leader_token}"}
        assert (await leader.get("/api/auth/me", headers=as_leader)).status_code == 200

        reset = await admin.patch(
            f"/api/ops/users/{await user_id(hub, 'giamdoc')}",
            json={"password": "mat-khau-moi-rat-dai-2026"},
            headers={"Authorization": f"Bearer {admin_token}"},
        )
        assert reset.status_code == 200, reset.text
        assert (await leader.get("/api/auth/me", headers=as_leader)).status_code == 401
        assert (await login(leader, "giamdoc")).status_code == 401  # the old password is gone
        renewed = await login(leader, "giamdoc", "mat-khau-moi-rat-dai-2026")
        assert renewed.status_code == 200
        # the administrator's own session was not touched
        own = await admin.get("/api/auth/me", headers={"Authorization": f"Bearer {admin_token}"})
        assert own.status_code == 200


async def test_a_password_changed_in_the_database_ends_the_sessions(hub_factory: Callable[..., Any]) -> None:
    hub, app = await started(hub_factory)
    async with client(app) as c:
        token = (await login(c, "vanthu")).json()["token"]
        async with hub.db.session() as s:
            user = (await s.execute(select(User).where(User.username == "vanthu"))).scalar_one()
            user.password_hash = hub_auth.hash_password("mot-mat-khau-khac-han")
        me = await c.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 401


async def test_unknown_and_known_accounts_answer_the_same(hub_factory: Callable[..., Any]) -> None:
    hub, app = await started(hub_factory)
    answers: dict[str, list[tuple[int, str, bool]]] = {}
    for name, address in (("giamdoc", "203.0.113.1"), ("khong-co-ai", "203.0.113.2")):
        async with client(app, address) as c:
            seen = []
            for _ in range(7):
                r = await login(c, name, WRONG)
                # the seconds left differ with the time a password check takes: compare the words
                seen.append(
                    (r.status_code, re.sub(r"\d+", "N", r.json()["detail"]), "retry-after" in r.headers)
                )
            answers[name] = seen
    assert answers["giamdoc"] == answers["khong-co-ai"]
    statuses = [status for status, _, _ in answers["giamdoc"]]
    assert statuses == [401] * 5 + [429, 429]
    assert answers["giamdoc"][5][1] == "Đăng nhập sai nhiều lần. Vui lòng thử lại sau khoảng N giây."
    assert answers["giamdoc"][0] == (401, "Tên đăng nhập hoặc mật khẩu không đúng", False)
    async with hub.db.session() as s:  # the same bookkeeping: one row per name and per address
        assert await s.scalar(select(func.count()).select_from(LoginThrottle)) == 4
    # the wait is kept by name in the throttle, for a real account and an unknown one alike (the
    # account row has no lockout column that only real accounts would have)
    waiting = await accounts_waiting(hub.db, ["giamdoc", "khong-co-ai", "phogiamdoc"])
    assert set(waiting) == {"giamdoc", "khong-co-ai"}
    assert not hasattr(User, "locked_until") and not hasattr(User, "failed_logins")


async def test_a_stranger_delays_a_leader_only_briefly(hub_factory: Callable[..., Any]) -> None:
    """Five wrong guesses make the next attempt wait seconds, growing; never a long lockout."""
    hub, _app = await started(hub_factory)
    now = 1_000_000.0
    for _ in range(ACCOUNT.free):
        assert await claim_attempt(hub.db, ACCOUNT, "giamdoc", now) == 0
    assert await claim_attempt(hub.db, ACCOUNT, "giamdoc", now) == pytest.approx(ACCOUNT.step)
    assert await claim_attempt(hub.db, ACCOUNT, "giamdoc", now + ACCOUNT.step) == 0  # the 6th, after 5 s
    assert await claim_attempt(hub.db, ACCOUNT, "giamdoc", now + ACCOUNT.step) == pytest.approx(
        2 * ACCOUNT.step
    )
    assert ACCOUNT.delay(10_000) == ACCOUNT.cap <= 300
    # after a quiet hour the count starts again
    later = now + ACCOUNT.forget + 10
    assert await claim_attempt(hub.db, ACCOUNT, "giamdoc", later) == 0


async def test_one_address_guessing_many_accounts_is_stopped(hub_factory: Callable[..., Any]) -> None:
    _hub, app = await started(hub_factory)
    async with client(app, "192.0.2.66") as attacker, client(app, "192.0.2.10") as clerk:
        for i in range(ADDRESS.free):
            assert (await login(attacker, f"nguoi-{i}", WRONG)).status_code == 401
        # a fresh account name, even the right password: the address must wait
        refused = await login(attacker, "vanthu")
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 50
        # the clerk at another desk logs in as usual
        assert (await login(clerk, "vanthu")).status_code == 200


async def test_a_good_login_clears_the_account_count(hub_factory: Callable[..., Any]) -> None:
    _hub, app = await started(hub_factory)
    async with client(app) as c:
        for _ in range(ACCOUNT.free - 1):
            assert (await login(c, "vanthu", WRONG)).status_code == 401
        assert (await login(c, "vanthu")).status_code == 200
        for _ in range(ACCOUNT.free - 1):
            assert (await login(c, "vanthu", WRONG)).status_code == 401
        assert (await login(c, "vanthu")).status_code == 200


@pytest.mark.postgres
async def test_forty_concurrent_guesses_check_at_most_five_passwords(
    postgres_url: str, hub_factory: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """40 guesses at once, each from its own address (a botnet): at most ACCOUNT.free are checked."""
    checked: list[str] = []
    real_verify = hub_auth.verify_password

    def counting(hashed: str, password: str) -> bool:
        checked.append(password)
        return real_verify(hashed, password)

    monkeypatch.setattr(hub_auth, "verify_password", counting)
    running, app = await started(hub_factory, db_url=postgres_url)
    assert running.db.engine.dialect.name == "postgresql"
    clients = [client(app, f"203.0.113.{i + 10}") for i in range(40)]
    began = time.monotonic()
    try:
        guesses = (login(c, "giamdoc", f"{WRONG}-{i}") for i, c in enumerate(clients))
        answers = await asyncio.gather(*guesses)
    finally:
        for c in clients:
            await c.aclose()
    took = time.monotonic() - began
    statuses = sorted(r.status_code for r in answers)
    # ACCOUNT.free at once; past them one more guess per growing delay (5 s, then 10 s more, ...)
    later = sum(1 for k in range(1, 40) if ACCOUNT.step * k * (k + 1) / 2 <= took)
    assert 1 <= len(checked) <= ACCOUNT.free + later, (len(checked), took)
    assert statuses.count(401) == len(checked) and statuses.count(429) == 40 - len(checked)
    async with running.db.session() as s:
        row = await s.get(LoginThrottle, ACCOUNT.key("giamdoc"))
        assert row is not None and row.failures == len(checked)


async def test_the_logout_button_of_the_pages_ends_the_session(hub_factory: Callable[..., Any]) -> None:
    _hub, app = await started(hub_factory)
    async with client(app) as browser:
        form = await browser.get("/login")
        token = browser.cookies["lt_login_csrf"]
        assert form.status_code == 200
        page = {"username": "vanhanh", "password": PASSWORD, "csrf_token": token, "next": "/"}
        assert (await browser.post("/login", data=page)).status_code == 303
        session, csrf = browser.cookies["lt_session"], browser.cookies["lt_csrf"]
        assert (await browser.get("/api/auth/me")).status_code == 200
        out = await browser.post("/logout", data={"csrf_token": csrf})
        assert out.status_code == 303
        # the session cookie kept by an attacker (or another tab) no longer opens anything
        stolen = await browser.get("/api/auth/me", cookies={"lt_session": session})
        assert stolen.status_code == 401

"""The ops portal over HTTP against a real hub: access, overview, routes, search, trace, dead letters."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from hub import dlq
from hub.adapter_health import observed, read_all, record_call
from lienthong.web import create_app
from portal.ops import orgchart
from portal.ops.queries import LOCAL_TZ
from tests.portal.ops.conftest import PASSWORD, PortalHub, PortalHubFactory, journal_has, login, until


def client_for(ph: PortalHub) -> httpx.AsyncClient:
    app = create_app(ph.hub)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://lt")


async def test_nothing_but_health_and_public_routes_without_login(portal_hub: PortalHub) -> None:
    async with client_for(portal_hub) as c:
        for path in ("/api/ops/overview", "/api/ops/dead-letters", "/api/asyncapi.json", "/api/shop/private"):
            assert (await c.get(path)).status_code == 401, path
        page = await c.get("/dead-letters")
        assert page.status_code == 303 and page.headers["location"] == "/login?next=/dead-letters"
        assert (await c.get("/api/docs")).status_code == 303
        assert (await c.get("/api/openapi.json")).status_code == 401

        health = await c.get("/healthz")
        assert health.status_code == 200
        checks = health.json()["checks"]
        assert checks["nats"]["ok"] and checks["nats"]["jetstream"]
        assert checks["database"]["ok"] and checks["adapters"]["ok"]
        assert checks["signing"] == {"ok": True, "configured": False}
        assert checks["routing"]["ok"] and checks["routing"]["routes"] == 1

        public = await c.get("/public/shop/lookup/HS-001")
        assert public.status_code == 200 and public.json()["status"] == "Đang xử lý"

        form = await c.get("/login")
        assert form.status_code == 200 and "Đăng nhập" in form.text and "Mật khẩu" in form.text


async def test_metrics_open_on_loopback_or_with_token(
    portal_hub: PortalHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = portal_hub.hub
    await hub.publish("test.ping", {"n": 1}, source="docs", issue="VB-M")
    await until(lambda: journal_has(hub, "VB-M", "unrouted"))
    async with client_for(portal_hub) as c:
        text = (await c.get("/metrics")).text  # the ASGI test client calls from 127.0.0.1
        assert 'lt_messages_total{type="test.ping",hop="published",outcome="ok"} 1' in text
        assert 'lt_consumer_pending{stream="EVENTS",consumer="router"}' in text
        assert "# TYPE lt_dead_letters gauge" in text
        monkeypatch.setenv("LIENTHONG_METRICS_TOKEN", "scrape-secret")
        assert (await c.get("/metrics")).status_code == 401
        ok = await c.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
        assert ok.status_code == 200 and "lt_stream_messages" in ok.text


async def test_overview_routes_search_trace_and_audited_payload(
    make_portal_hub: PortalHubFactory, db_url: str
) -> None:
    portal_hub = await make_portal_hub(db_url)
    hub, shop = portal_hub.hub, portal_hub.shop
    urgent = await hub.publish(
        "test.ping", {"n": 1, "priority": "Hỏa tốc"}, source="docs", issue="VB-2026-17", user_id="vanthu"
    )
    await hub.publish("test.ping", {"n": 2}, source="docs", issue="VB-2026-18")
    await until(lambda: len(shop.sms) == 1)
    await until(lambda: journal_has(hub, "VB-2026-17", "handled", "test-sms"))
    await until(lambda: journal_has(hub, "VB-2026-18", "unrouted", "router"))

    async with client_for(portal_hub) as c:
        await login(c, "vanhanh")
        ov = (await c.get("/api/ops/overview")).json()
        assert ov["window"]["in"] == 2 and ov["window"]["out"] == 1  # the SMS consumer handled one
        assert ov["dead_letters"] == 0
        router = next(x for x in ov["consumers"] if x["name"] == "router")
        assert router["max_ack_pending"] >= router["ack_pending"] >= 0
        assert {a["name"] for a in ov["adapters"]} >= {"vdxp", "lgsp", "sms", "zalo", "signing"}

        routes = (await c.get("/api/ops/routes")).json()
        [route] = routes["routes"]
        assert route["name"] == "urgent-ping-sms" and route["stats"]["routed"] == 1
        assert route["stats"]["delivered"] == 1 and route["stats"]["latency_p50"] is not None
        assert routes["unrouted"] == 1  # the ordinary ping

        found = (await c.get("/api/ops/messages", params={"user_id": "vanthu"})).json()
        # the officer's message and the copy the router made of it for the SMS command
        assert {m["message_id"] for m in found} == {str(urgent.id), str(shop.sms[0].id)}
        by_type = (await c.get("/api/ops/messages", params={"type": "test.ping"})).json()
        assert {m["issue"] for m in by_type} == {"VB-2026-17", "VB-2026-18"}
        hanoi_now = datetime.now(LOCAL_TZ).replace(tzinfo=None)
        recent = {
            "type": "test.ping",
            "since": (hanoi_now - timedelta(minutes=10)).isoformat(timespec="minutes"),
        }
        assert len((await c.get("/api/ops/messages", params=recent)).json()) == 3
        later = {
            "type": "test.ping",
            "since": (hanoi_now + timedelta(minutes=10)).isoformat(timespec="minutes"),
        }
        assert (await c.get("/api/ops/messages", params=later)).json() == []
        bad = await c.get("/api/ops/messages", params={"since": "hôm qua"})
        assert bad.status_code == 422 and "hôm qua" in bad.json()["detail"]

        trace = (await c.get("/api/ops/trace/VB-2026-17")).json()["hops"]
        path = [(h["hop"], h["lane"]) for h in trace]
        assert path[0] == ("published", "docs")
        assert ("routed", "router") in path and ("handled", "test-sms") in path
        assert all(h["offset_ms"] >= 0 for h in trace)
        assert (await c.get("/api/ops/trace/KHONG-CO")).status_code == 404

        shown = await c.get(f"/api/ops/messages/{urgent.id}/payload")
        assert shown.status_code == 200 and shown.json()["message"]["payload"]["priority"] == "Hỏa tốc"
        audit = (await c.get("/api/ops/audit", params={"action": "message.view_payload"})).json()
        assert audit[0]["actor"] == "vanhanh" and audit[0]["target"] == f"message:{urgent.id}"

        page = await c.get("/trace", params={"key": "VB-2026-17"})
        assert page.status_code == 200 and "Dòng thời gian" in page.text and "<svg" in page.text
        overview = await c.get("/")
        assert "Tổng quan" in overview.text and "Bộ tiêu thụ" in overview.text
        fragment = await c.get("/fragments/overview")
        assert fragment.status_code == 200 and 'id="in-per-minute"' in fragment.text
        english = await c.get("/lang/en?next=/routes")
        assert english.status_code == 303
        routes_en = await c.get("/routes")
        assert "Routing table" in routes_en.text and "urgent-ping-sms" in routes_en.text


async def test_dead_letters_replay_edit_discard_and_roles(portal_hub: PortalHub) -> None:
    hub, shop = portal_hub.hub, portal_hub.shop
    for n in (1, 2, 3):
        await hub.publish("test.pong", {"n": n, "poison": True}, source="docs", issue=f"HS-{n}")

    async def three_dead() -> bool:
        return len(await dlq.list_dead(hub)) == 3

    await until(three_dead)
    by_issue = {row.issue: row.id for row in await dlq.list_dead(hub)}

    async with client_for(portal_hub) as c:
        csrf = await login(c, "quantri")
        created = await c.post(
            "/api/ops/users",
            json={
                "username": "xem",
                "full_name": "Lý Thị Xem",
                "password": "mat-khau-xem-1",
                "roles": ["viewer"],
            },
            headers={"X-CSRF-Token": csrf},
        )
        assert created.status_code == 201, created.text
        assert created.json()["roles"] == []  # the viewer role waits for a second administrator
        (change,) = await orgchart.pending_changes(portal_hub.hub)
        with pytest.raises(orgchart.OrgError):
            await orgchart.decide(portal_hub.hub, change["id"], "quantri", confirm=True)
        await orgchart.create_superuser(
            portal_hub.hub.db, "quantri2", "Quản Trị Hai", "Mat-khau-quan-tri-2!", "test"
        )
        await orgchart.decide(portal_hub.hub, change["id"], "quantri2", confirm=True)
        weak = await c.post(
            "/api/ops/users",
            json={"username": "yeu", "full_name": "Yếu", "password": "ngan", "roles": ["superuser"]},
            headers={"X-CSRF-Token": csrf},
        )
        assert weak.status_code == 422 and "password" in weak.text and "superuser" in weak.text

        listed = (await c.get("/api/ops/dead-letters")).json()
        assert {d["issue"] for d in listed} == {"HS-1", "HS-2", "HS-3"}
        assert all(d["reason"] == "permanent" and "poison pong" in d["error"] for d in listed)
        page = (await c.get("/dead-letters")).text  # the operator reads the reason in Vietnamese
        assert page.count("<td>Lỗi không thể thử lại</td>") == 3 and "<td>permanent</td>" not in page
        detail = (await c.get(f"/api/ops/dead-letters/{by_issue['HS-1']}")).json()
        assert detail["message"]["payload"]["poison"] is True

        no_csrf = await c.post(f"/api/ops/dead-letters/{by_issue['HS-1']}/replay")
        assert no_csrf.status_code == 403

        invalid = await c.post(
            f"/api/ops/dead-letters/{by_issue['HS-1']}/replay",
            json={"payload": {"n": "mười"}},
            headers={"X-CSRF-Token": csrf},
        )
        assert invalid.status_code == 422 and "n:" in invalid.json()["detail"]

        edited = await c.post(
            f"/api/ops/dead-letters/{by_issue['HS-1']}/replay",
            json={"payload": {"n": 10, "poison": False, "text": "sửa tay"}},
            headers={"X-CSRF-Token": csrf},
        )
        assert edited.status_code == 200 and edited.json()["status"] == "replayed"
        await until(lambda: any(e.payload["n"] == 10 for e in shop.strict))

        shop.fixed = True
        plain = await c.post(
            f"/api/ops/dead-letters/{by_issue['HS-2']}/replay", headers={"X-CSRF-Token": csrf}
        )
        assert plain.status_code == 200
        await until(lambda: any(e.issue == "HS-2" for e in shop.strict))
        again = await c.post(
            f"/api/ops/dead-letters/{by_issue['HS-2']}/replay", headers={"X-CSRF-Token": csrf}
        )
        assert again.status_code == 409 and "already replayed" in again.json()["detail"]

        viewer = client_for(portal_hub)
        async with viewer:
            vcsrf = await login(viewer, "xem", "mat-khau-xem-1")
            refused = await viewer.post(
                f"/api/ops/dead-letters/{by_issue['HS-3']}/discard",
                json={"note": "thử"},
                headers={"X-CSRF-Token": vcsrf},
            )
            assert (
                refused.status_code == 403
                and "Vận hành viên" in refused.json()["detail"]
                and "operator" not in refused.json()["detail"]
            )
            assert (await viewer.get("/users")).status_code == 403
            assert (await viewer.get("/api/ops/overview")).status_code == 200

        gone = await c.post(
            f"/api/ops/dead-letters/{by_issue['HS-3']}/discard",
            json={"note": "trùng lặp"},
            headers={"X-CSRF-Token": csrf},
        )
        assert gone.status_code == 200 and gone.json()["status"] == "discarded"

        audit = (await c.get("/api/ops/audit")).json()
        actions = {(a["actor"], a["action"], a["target"]) for a in audit}
        assert ("quantri", "dlq.replay.edited", f"dead_letter:{by_issue['HS-1']}") in actions
        assert ("quantri", "dlq.replay", f"dead_letter:{by_issue['HS-2']}") in actions
        assert ("quantri", "dlq.discard", f"dead_letter:{by_issue['HS-3']}") in actions
        assert ("quantri", "dlq.view", f"dead_letter:{by_issue['HS-1']}") in actions
        assert ("quantri", "user.create", "user:xem") in actions


async def test_adapter_health_catalogue_and_asyncapi(portal_hub: PortalHub) -> None:
    hub = portal_hub.hub
    await record_call(hub, "vdxp", True, 120.0)
    await record_call(hub, "vdxp", False, 30000.0, error="ReadTimeout: trục không trả lời", circuit="open")
    await record_call(hub, "sms", True, 80.0)
    with pytest.raises(ValueError, match="circuit"):
        await record_call(hub, "sms", True, 1.0, circuit="broken")
    with pytest.raises(ConnectionError):
        async with observed(hub, "onestop", circuit=lambda: "half_open"):
            raise ConnectionError("một cửa từ chối kết nối")
    async with observed(hub, "mail"):
        pass
    vdxp = next(a for a in await read_all(hub) if a.name == "vdxp")
    assert vdxp.calls == 2 and vdxp.failures == 1 and vdxp.status == "down"

    async with client_for(portal_hub) as c:
        await login(c, "vanhanh")
        adapters = {a["name"]: a for a in (await c.get("/api/ops/adapters")).json()}
        assert (
            adapters["vdxp"]["circuit"] == "open" and "trục không trả lời" in adapters["vdxp"]["last_error"]
        )
        assert adapters["vdxp"]["avg_ms"] == 15060.0 and adapters["sms"]["status"] == "ok"
        assert adapters["zalo"]["status"] == "unknown"
        onestop = adapters["onestop"]
        assert onestop["status"] == "degraded" and onestop["circuit"] == "half_open"
        assert onestop["last_error"] == "ConnectionError: một cửa từ chối kết nối"
        assert adapters["mail"]["successes"] == 1 and adapters["mail"]["last_success_at"]
        page = await c.get("/adapters")
        assert "mở (tạm ngắt)" in page.text and "Zalo OA" in page.text

        health = (await c.get("/healthz")).json()
        assert health["ok"] is True  # a partner's outage is reported, it does not drain the hub
        assert health["checks"]["adapters"]["down"] == ["vdxp"]

        catalogue = (await c.get("/api/ops/catalogue")).json()
        ping = next(m for m in catalogue if m["type"] == "test.ping")
        assert ping["subject"] == "lt.test.evt.ping" and "n" in ping["schema"]["properties"]

        doc = (await c.get("/api/asyncapi.json")).json()
        assert doc["asyncapi"].startswith("3.")
        addresses = {ch["address"] for ch in doc["channels"].values()}
        assert {"lt.*.evt.>", "lt.test.cmd.sms", "lt.test.evt.pong"} <= addresses
        actions = {op["action"] for op in doc["operations"].values()}
        assert actions == {"send", "receive"}
        assert "Ping" in doc["components"]["schemas"]
        page = await c.get("/catalogue")
        assert page.status_code == 200 and "test.ping" in page.text and "strict-pong" in page.text


async def test_admin_forms_users_maintenance_and_edit_replay_errors(portal_hub: PortalHub) -> None:
    hub = portal_hub.hub
    await hub.publish("test.pong", {"n": 5, "poison": True}, source="docs", issue="HS-5")

    async def one_dead() -> bool:
        return len(await dlq.list_dead(hub)) == 1

    await until(one_dead)
    [row] = await dlq.list_dead(hub)
    async with client_for(portal_hub) as c:
        csrf = await login(c, "quantri")
        no_token = await c.post("/users", data={"username": "kiemtra", "full_name": "Kiểm Tra"})
        assert no_token.status_code == 403
        made = await c.post(
            "/users",
            data={
                "csrf_token": csrf,
                "username": "kiemtra",
                "full_name": "Phan Văn Kiểm",
                "password": "mat-khau-kiem-1",
                "roles": ["viewer", "operator"],
            },
        )
        assert made.status_code == 303 and made.headers["location"] == "/users?done=kiemtra"
        page = await c.get(made.headers["location"])
        assert "Phan Văn Kiểm" in page.text and "Đã lưu người dùng kiemtra" in page.text
        changed = await c.post(
            "/users/kiemtra", data={"csrf_token": csrf, "roles": ["viewer"], "active": "on"}
        )
        assert changed.status_code == 303
        users = {u["username"]: u for u in (await c.get("/api/ops/users")).json()}
        # rights wait for a second administrator (Decree 30 App. VI I.III.3.c): none granted yet
        assert users["kiemtra"]["roles"] == [] and users["kiemtra"]["active"] is True
        pending = await c.get("/orgchart")
        assert "kiemtra" in pending.text and "Cần quản trị viên khác duyệt" in pending.text

        self_demote = await c.post("/users/quantri", data={"csrf_token": csrf, "roles": ["viewer"]})
        assert "tự bỏ quyền quản trị" in (await c.get(self_demote.headers["location"])).text
        users = {u["username"]: u for u in (await c.get("/api/ops/users")).json()}
        assert "admin" in users["quantri"]["roles"]

        bad = await c.post(
            f"/dead-letters/{row.id}/replay", data={"csrf_token": csrf, "payload": '{"n": "năm"}'}
        )
        assert bad.status_code == 422 and "Nội dung không hợp lệ" in bad.text and "n:" in bad.text
        not_json = await c.post(f"/dead-letters/{row.id}/replay", data={"csrf_token": csrf, "payload": "{n"})
        assert not_json.status_code == 422 and "JSON không hợp lệ" in not_json.text
        assert (await dlq.get_dead(hub, row.id)).status == "dead"

        on = await c.post("/settings", data={"csrf_token": csrf, "maintenance_mode": "on"})
        assert on.status_code == 303
        health = await c.get("/healthz")
        assert health.status_code == 503 and health.json()["maintenance"] is True
        await c.post("/settings", data={"csrf_token": csrf, "maintenance_mode": "off"})
        assert (await c.get("/healthz")).status_code == 200

        audit = await c.get("/audit", params={"actor_filter": "quantri"})
        for action in ("user.create", "user.update", "settings.maintenance"):
            assert action in audit.text, action


async def test_login_form_needs_its_token_and_locks_after_repeated_failures(portal_hub: PortalHub) -> None:
    async with client_for(portal_hub) as c:
        form = await c.get("/login", params={"next": "//evil.example/steal"})
        token = c.cookies["lt_login_csrf"]
        assert 'name="next" value="/"' in form.text  # no open redirect after login
        forged = await c.post("/login", data={"username": "vanhanh", "password": "x", "csrf_token": "forged"})
        assert forged.status_code == 403
        for _ in range(5):
            wrong = await c.post(
                "/login", data={"username": "vanhanh", "password": "doan-bua", "csrf_token": token}
            )
            assert wrong.status_code == 401 and "không đúng" in wrong.text
        locked = await c.post(
            "/login",
            data={
                "username": "vanhanh",
                "password": "mat-khau-demo-1",
                "csrf_token": token,
                "next": "/routes",
            },
        )
        assert locked.status_code == 429 and "Vui lòng thử lại sau" in locked.text  # a short wait
        ok = await c.post(
            "/login",
            data={
                "username": "quantri",
                "password": "mat-khau-demo-1",
                "csrf_token": token,
                "next": "/routes",
            },
        )
        assert ok.status_code == 303 and ok.headers["location"] == "/routes"
        assert (await c.get("/routes")).status_code == 200
        out = await c.post("/logout", data={"csrf_token": c.cookies["lt_csrf"]})
        assert out.status_code == 303
        assert (await c.get("/routes")).status_code == 303


async def test_staff_without_an_ops_role_are_sent_to_their_pages(portal_hub: PortalHub) -> None:
    app = create_app(portal_hub.hub)
    staff_home = "/staff/" if app.state.staff else None
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://lt") as c:
        await c.get("/login")
        token = c.cookies["lt_login_csrf"]
        answer = await c.post(
            "/login", data={"username": "vanthu", "password": "mat-khau-demo-1", "csrf_token": token}
        )
        assert answer.status_code == 303 and answer.headers["location"] == (staff_home or "/")
        home = await c.get("/")
        if staff_home:
            assert home.status_code == 303 and home.headers["location"] == staff_home
        else:
            assert home.status_code == 403
        refused = await c.get("/dead-letters", headers={"Accept": "text/html"})
        assert refused.status_code == 403 and "Không đủ quyền" in refused.text
        assert (await c.get("/api/ops/overview")).status_code == 403


async def test_the_administrator_sees_a_held_back_account_and_a_new_password_frees_it(
    portal_hub: PortalHub,
) -> None:
    """Wrong guesses hold an account back in the login throttle (not on the account row); the users
    page says until when, and a new password set by an administrator lets its owner in at once."""
    async with client_for(portal_hub) as guesser:
        for _ in range(6):
            await guesser.post("/api/auth/login", json={"username": "chuyenvien", "password": "sai-mat-khau"})
        held = await guesser.post("/api/auth/login", json={"username": "chuyenvien", "password": PASSWORD})
        assert held.status_code == 429, held.text
    async with client_for(portal_hub) as c:
        csrf = await login(c, "quantri")
        users = {u["username"]: u for u in (await c.get("/api/ops/users")).json()}
        assert users["chuyenvien"]["locked_until"] and users["vanthu"]["locked_until"] is None
        page = await c.get("/users")
        assert "Nhập sai mật khẩu nhiều lần: lần thử tiếp theo phải chờ đến" in page.text
        reset = await c.post(
            "/users/chuyenvien",
            data={"csrf_token": csrf, "roles": ["officer"], "active": "on", "password": "Mat-khau-moi-2026"},
        )
        assert reset.status_code == 303, reset.text
        users = {u["username"]: u for u in (await c.get("/api/ops/users")).json()}
        assert users["chuyenvien"]["locked_until"] is None
    async with client_for(portal_hub) as owner:
        again = await owner.post(
            "/api/auth/login", json={"username": "chuyenvien", "password": "Mat-khau-moi-2026"}
        )
        assert again.status_code == 200, again.text

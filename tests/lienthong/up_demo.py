"""`make run` is a living office: on an empty data folder every counterpart is up on its simulator,
signing uses the development PKI, and the demo traffic arrives through the simulators as real
traffic would (documents over both axes, one revoked by its sender, one-stop dossiers, projects, citizens'
cases, this week's meetings)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.embedded import free_port
from tests.lienthong.test_up import _stop, _up, _wait_healthy

# uses the default development ports: one after the other on one pytest-xdist worker
pytestmark = pytest.mark.xdist_group("default-ports")

EXPECTED = {"9876/VPCP-KTTH", "512/UBND-KT", "4417/UBND-TH"}  # the demo's documents (lienthong/demo.py)


def _login(base: str, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    answer = client.post("/api/auth/login", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    client.headers["X-CSRF-Token"] = answer.json()["csrf"]
    return client


def _wait(condition: Any, what: str, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(1)
    pytest.fail(f"{what} within {timeout}s; last seen: {last}")


# each demo role, and what must wait for it on its first screen after the demo traffic (a tile's count)
FIRST_SCREENS = {
    "giamdoc": ("Chờ chỉ đạo", "Lịch chờ duyệt"),  # leader: documents to direct, meetings to review
    "vanthu": ("Hồ sơ một cửa mới", "Đơn thư mới tiếp nhận"),  # clerk: the desks it keeps
    "chanhvanphong": ("Lịch chờ duyệt",),  # the Văn phòng's head reviews the week's meetings
    "truongphongth": ("Đang giải quyết",),  # unit head: the document the director gave the unit
    "chuyenvien": ("Đang giải quyết",),  # officer: the document the head gave her
}
OPERATORS = ("vanhanh", "quantri")


def _first_screens_in_the_browser(base: str, password: str) -> None:
    """Log in through the login page as each demo role, in Chromium, and find work on the first screen;
    the operators find the live routing and every counterpart on the ops overview."""
    from playwright.sync_api import sync_playwright

    from tests.portal.staff.journeys import ARGS, ARTIFACTS, RAW, chromium

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium(), args=ARGS)
        try:
            for username in [*FIRST_SCREENS, *OPERATORS]:
                context = browser.new_context(
                    base_url=base, locale="vi-VN", viewport={"width": 1200, "height": 900}
                )
                page = context.new_page()
                page.goto("/login")
                listed = page.locator("main").inner_text()
                assert username in listed and "demo-password.txt" in listed, (
                    listed
                )  # who may log in, and where the password is
                page.fill("#username", username)
                page.fill("#password", password)
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(ARTIFACTS / f"make-run-{username}.png"), full_page=True)
                main = page.locator("main").inner_text()
                if username in OPERATORS:
                    assert page.url.rstrip("/") == base, page.url
                    page.locator("#overview-adapters, table").first.wait_for()
                    for connection in (
                        "Trục liên thông văn bản quốc gia",
                        "Nền tảng tích hợp LGSP",
                        "Hệ thống một cửa",
                        "Máy chấm công",
                        "Thư điện tử",
                        "Tin nhắn SMS",
                    ):
                        assert connection in main, (username, connection)
                    assert "attendance.punched" in main and "document.received" in main, main[:2000]
                else:
                    assert page.url == f"{base}/staff/", page.url
                    assert not RAW.findall(main), (username, sorted(set(RAW.findall(main))))
                    counts = {
                        label: int(count)
                        for count, label in (
                            t.split(maxsplit=1) for t in page.locator("nav.tiles a").all_inner_texts()
                        )
                    }
                    for label in FIRST_SCREENS[username]:
                        assert counts.get(label, 0) > 0, (username, label, counts)
                    page.locator("nav.tiles a", has_text=FIRST_SCREENS[username][0]).first.click()
                    page.wait_for_load_state("networkidle")
                    # the tile opens its list, and the list holds what was counted
                    if "#h-wait" in page.url:
                        page.locator("#h-wait").wait_for()
                    else:
                        assert page.locator("main p.empty").count() == 0, (username, page.url)
                        assert page.locator("main tbody tr, main li.item").count() > 0, (username, page.url)
                context.close()
        finally:
            browser.close()


def test_make_run_brings_up_every_counterpart_signing_and_the_demo_traffic(tmp_path: Path) -> None:
    data = tmp_path / "data"
    portal = free_port()
    log = tmp_path / "up.log"
    proc = _up(data, portal, free_port(21000), log)
    try:
        health = _wait_healthy(portal, proc, log)
        checks: Any = health["checks"]
        assert checks["signing"]["configured"] and checks["signing"]["development_keys"]
        base = f"http://127.0.0.1:{portal}"
        every = {"vdxp", "lgsp", "onestop", "attendance", "mail", "sms", "zalo"}
        _wait(
            lambda: (
                every
                <= set(httpx.get(f"{base}/healthz", timeout=10).json()["checks"]["adapters"]["adapters"])
            ),
            "/healthz does not list every adapter",
        )
        password = (data / "demo-password.txt").read_text().strip()
        leader = _login(base, "giamdoc", password)

        def documents() -> dict[str, dict[str, Any]]:
            rows = leader.get("/api/documents", params={"limit": 100}).json()["items"]
            return {str(r["code"]): r for r in rows}

        seen = _wait(
            lambda: set(documents()) >= EXPECTED and documents(), "the demo documents did not arrive"
        )
        assert seen["9876/VPCP-KTTH"]["priority"] == "Hỏa tốc"
        assert seen["512/UBND-KT"]["due_date"] and seen["4417/UBND-TH"]["source"] == "axis"
        assert all(seen[code]["status"] == "registered" for code in EXPECTED)
        _wait(
            lambda: documents().get("2031/UBND-VP", {}).get("status") == "revoked",
            "the sender's revocation did not reach the invitation",
            timeout=180,
        )

        clerk = _login(base, "vanthu", password)
        dossiers = _wait(
            lambda: clerk.get("/api/intake/dossiers", params={"limit": 50}).json().get("items"),
            "the demo one-stop dossiers did not arrive",
        )
        assert len(dossiers) >= 2
        adapters = _wait(
            lambda: (
                (a := httpx.get(f"{base}/healthz", timeout=10).json()["checks"]["adapters"]["adapters"])[
                    "onestop"
                ]
                == "ok"
                and a["lgsp"] == "ok"
                and a
            ),
            "the adapters the demo used are not ok",
        )
        assert adapters["vdxp"] == "ok" and adapters["attendance"] == "ok"

        cases = _wait(
            lambda: leader.get("/api/complaints/cases", params={"limit": 50}).json().get("items"),
            "the demo citizens' cases did not arrive",
        )
        assert {c["kind"] for c in cases} >= {"khieu_nai", "kien_nghi"}
        office = _login(base, "chanhvanphong", password)
        today = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).date()
        monday = (today - dt.timedelta(days=today.weekday())).isoformat()
        week = _wait(
            lambda: office.get("/api/meetings", params={"week": monday}).json().get("items"),
            "this week's demo meetings are not on the schedule",
        )
        statuses = sorted(m["status"] for m in week)
        assert len(week) == 3 and statuses.count("registered") == 1, statuses  # one waits for review

        # the director gave one document to Phòng Tổng hợp and its head to an officer: work in their hands
        officer = _login(base, "chuyenvien", password)
        in_hand = _wait(
            lambda: [
                d
                for d in officer.get("/api/documents", params={"direction": "in"}).json()["items"]
                if d["code"] == "512/UBND-KT"
            ],
            "the demo's directed document did not reach the officer",
            timeout=240,
        )
        assert in_hand[0]["lead_unit_id"] == "TH" and in_hand[0]["deadline"]
        _first_screens_in_the_browser(base, password)
    finally:
        assert _stop(proc) == 0, log.read_text()[-4000:]
    text = log.read_text()
    steps = (
        "projects",
        "national_axis",
        "city_axis",
        "onestop",
        "attendance",
        "complaints",
        "meetings",
        "direction",
    )
    for step in steps:
        assert f'"step": "{step}", "event": "demo.step_done"' in text, step
    assert "axis.refused" not in text  # the demo agencies sign with their development seals

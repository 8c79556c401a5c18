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

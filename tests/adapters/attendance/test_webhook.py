"""The attendance webhook over real HTTP: device authentication, clear refusals, events on the bus."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from adapters.attendance import AttendanceModule
from adapters.attendance.hmac_auth import MAC_HEADER, body_mac
from adapters.attendance.simulator import main as simulator_main
from handlers.timekeeping.models import Punch
from handlers.timekeeping.service import TimekeepingModule
from hub.runtime import wait_for
from tests.handlers.timekeeping.harness import StartHub

SECRET = "bi-mat-may-cham-cong"


async def test_webhook_authenticates_devices_and_puts_punches_on_the_bus(module_hub: StartHub) -> None:
    device = AttendanceModule(devices={"cong-chinh": SECRET}, port=0)
    hub = await module_hub([TimekeepingModule(), device], ["handlers.timekeeping"])
    endpoint = f"{device.url}/attendance/v1/devices/cong-chinh/events"

    def signed(payload: object) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(payload).encode()
        return body, {MAC_HEADER: body_mac(SECRET, body), "Content-Type": "application/json"}

    async with httpx.AsyncClient(timeout=30) as client:
        stranger = await client.post(f"{device.url}/attendance/v1/devices/la/events", content=b"{}")
        assert stranger.status_code == 401 and "unknown device" in stranger.text
        good = {"events": [{"id": "e1", "user_code": "vanthu", "time": "2026-09-07T08:00:00", "type": "in"}]}
        body, headers = signed(good)
        forged = await client.post(endpoint, content=body, headers={MAC_HEADER: body_mac("sai", body)})
        assert forged.status_code == 401 and MAC_HEADER in forged.text
        unsigned = await client.post(endpoint, content=body)
        assert unsigned.status_code == 401
        garbage, gh = signed("x")
        not_json = await client.post(
            endpoint, content=b"{not json", headers={MAC_HEADER: body_mac(SECRET, b"{not json")}
        )
        assert not_json.status_code == 422 and "not JSON" in not_json.text
        assert (await client.post(endpoint, content=garbage, headers=gh)).status_code == 422
        missing, mh = signed({"events": [{"id": "e2", "time": "2026-09-07T08:00:00"}]})
        invalid = await client.post(endpoint, content=missing, headers=mh)
        assert invalid.status_code == 422 and "events.0.user_code" in invalid.text

        ok = await client.post(endpoint, content=body, headers=headers)
        assert ok.status_code == 200 and ok.json()["accepted"] == 1
        stray, sh = signed(
            {"events": [{"id": "e3", "user_code": "9999", "time": "2026-09-07T08:01:00+07:00"}]}
        )
        assert (await client.post(endpoint, content=stray, headers=sh)).status_code == 200

    async def stored() -> bool:
        async with hub.db.session() as s:
            return (await s.get(Punch, "device:cong-chinh:e1")) is not None

    assert await wait_for(stored, timeout=60)
    async with hub.db.session() as s:
        punch = await s.get(Punch, "device:cong-chinh:e1")
        assert punch is not None and punch.user_id == "vanthu" and punch.direction == "in"
        at = punch.at if punch.at.tzinfo else punch.at.replace(tzinfo=UTC)
        assert at == datetime(2026, 9, 7, 1, 0, tzinfo=UTC)  # device local time is UTC+7

    # an unknown enrolment code is dead-lettered with a reason naming it
    assert hub.js is not None
    dlq = await hub.js.pull_subscribe("dlq.lt.timekeeping-punches", durable="test-dlq-tap")

    async def dead() -> list[str]:
        try:
            msgs = await dlq.fetch(10, timeout=0.5)
        except Exception:
            return []
        return [(m.headers or {}).get("Lt-Dlq-Error", "") for m in msgs]

    errors: list[str] = []

    async def got_dead() -> bool:
        errors.extend(await dead())
        return bool(errors)

    assert await wait_for(got_dead, timeout=60)
    assert "'9999'" in errors[0] and "no enrolment" in errors[0]
    await dlq.unsubscribe()

    # the simulator's command line posts a generated month over HTTP
    await asyncio.to_thread(
        simulator_main,
        [
            "--url",
            device.url,
            "--device",
            "cong-chinh",
            "--secret",
            SECRET,
            "--month",
            "2026-10",
            "--codes",
            "vanthu",
        ],
    )

    async def october() -> bool:
        async with hub.db.session() as s:
            rows = (await s.execute(select(Punch).where(Punch.user_id == "vanthu"))).scalars().all()
            return len(rows) > 30

    assert await wait_for(october, timeout=60)


async def test_a_taken_port_is_reported_not_fatal_to_the_process() -> None:
    import socket

    import pytest

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        module = AttendanceModule(devices={"may": "x"}, port=taken.getsockname()[1])
        with pytest.raises(RuntimeError, match="could not listen"):
            await module.start(None)  # type: ignore[arg-type]

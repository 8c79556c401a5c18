"""With no settings the attendance adapter accepts the simulated device and serves it (`make run`).

Real servers: the webhook and the simulated device's control API on free ports, nats-server. The
device is told to punch; the punch crosses the signed webhook onto the bus. A real device list, or a
webhook beyond loopback, turns the simulated device off.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from adapters.attendance import AttendanceModule, AttendanceSettings
from adapters.attendance.settings import DEV_DEVICE_ID
from hub.embedded import free_port, port_is_free
from hub.runtime import Delivery, Hub, wait_for
from schemas.timekeeping import AttendancePunched
from tests.support.fn_module import FnModule


def development(port: int, **kw: Any) -> AttendanceSettings:
    return AttendanceSettings(_env_file=None, port=0, simulator_port=port, **kw)  # type: ignore[call-arg]


async def test_default_settings_serve_a_simulated_device_whose_punches_reach_the_bus(
    hub_factory: Callable[..., Any],
) -> None:
    port = free_port()
    punches: list[AttendancePunched] = []

    def observe(hub: Hub) -> None:
        @hub.consumer("test-punches", "lt.attendance.evt.punched")
        async def punched(d: Delivery) -> None:
            punches.append(d.payload)

    device = AttendanceModule(settings=development(port))
    assert device.settings.devices.keys() == {DEV_DEVICE_ID}
    hub: Hub = await hub_factory([device, FnModule("observe", observe)])
    assert device.simulator is not None
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as control:
        about = (await control.get("/api/device")).json()
        assert about["device_id"] == DEV_DEVICE_ID and about["webhook"].startswith(device.url)
        answer = await control.post(
            "/api/punches",
            json={"events": [{"user_code": "vanthu", "type": "in", "time": "2026-12-01T07:52:00+07:00"}]},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"accepted": 1, "device_id": DEV_DEVICE_ID}
        month = await control.post("/api/month", json={"month": "2026-11", "codes": ["chuyenvien"]})
        assert month.status_code == 200 and month.json()["accepted"] > 30  # two a working day
        refused = await control.post("/api/month", json={"month": "2026-13", "codes": ["x"]})
        assert refused.status_code == 422

    async def arrived() -> bool:
        return (
            any(p.employee_code == "vanthu" for p in punches) and len(punches) == 1 + month.json()["accepted"]
        )

    assert await wait_for(arrived, timeout=60)
    first = next(p for p in punches if p.employee_code == "vanthu")
    assert (first.device_id, first.direction, first.source) == (DEV_DEVICE_ID, "in", "device")
    assert first.at.isoformat() == "2026-12-01T07:52:00+07:00"
    health = await (await hub.js.key_value("lt-health")).get("adapter.attendance")  # type: ignore[union-attr]
    assert json.loads(health.value or b"{}")["successes"] == 2  # the two batches


@pytest.mark.parametrize(
    "real",
    [{"devices": {"cong-chinh": "bi-mat-that"}}, {"embed_simulator": False}, {"host": "0.0.0.0"}],
    ids=["devices", "embedding-off", "not-loopback"],
)
async def test_a_real_setting_turns_the_simulated_device_off(
    hub_factory: Callable[..., Any], real: dict[str, Any]
) -> None:
    port = free_port()
    device = AttendanceModule(settings=development(port, **real))
    assert not device.embedded and DEV_DEVICE_ID not in device.settings.devices
    await hub_factory([device])
    assert device.simulator is None and port_is_free(port)

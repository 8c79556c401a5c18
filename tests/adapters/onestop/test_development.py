"""With no settings the one-stop adapter serves the one-stop simulator as the system side (`make run`).

Real servers: the simulator and our webhook on free ports, nats-server, SQLite and the intake module.
A dossier filed on the simulator reaches the bus as `onestop.dossier_event`, and the code the hub
gives it comes back to the simulator by the status callback; a real setting turns it all off.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from adapters.onestop import OnestopModule, OnestopSettings
from adapters.onestop.settings import DEV_SECRET
from handlers.intake import IntakeModule
from hub.embedded import free_port, port_is_free
from hub.runtime import wait_for
from tests.handlers.intake.harness import StartHub, Tap

APPLICANT = {"name": "Phạm Thu Hà", "id_number": "001190004567", "phone": "0912345678"}


def development(port: int, **kw: Any) -> OnestopSettings:
    return OnestopSettings(_env_file=None, listen_port=0, simulator_port=port, **kw)  # type: ignore[call-arg]


async def test_default_settings_serve_the_simulator_which_files_dossiers_and_takes_status(
    module_hub: StartHub,
) -> None:
    port = free_port()
    onestop = OnestopModule(development(port))
    assert onestop.settings.secret is not None and onestop.settings.secret.get_secret_value() == DEV_SECRET
    hub = await module_hub([IntakeModule(), onestop], ["handlers.intake"])
    events = await Tap(hub, "lt.onestop.evt.dossier_event", "t-onestop-dev").open()
    assert onestop.simulator is not None
    system = f"http://127.0.0.1:{port}"
    assert onestop.settings.system_url == system
    async with httpx.AsyncClient(base_url=system, timeout=60) as client:
        filed = await client.post(
            "/api/dossiers", json={"procedure_code": "DKDN-01", "applicant": APPLICANT, "channel": "online"}
        )
        assert filed.status_code == 201, filed.text
        external_id = filed.json()["external_id"]

        async def on_the_bus() -> bool:
            return any(m["payload"]["external_id"] == external_id for m in await events.drain())

        assert await wait_for(on_the_bus, timeout=60)
        (event,) = [m for m in events.messages if m["payload"]["external_id"] == external_id]
        assert event["type"] == "onestop.dossier_event" and event["payload"]["action"] == "received"

        async def coded() -> bool:
            return (await client.get(f"/api/dossiers/{external_id}")).json().get("code") is not None

        assert await wait_for(coded, timeout=60)  # the status callback reached the simulator
        dossier = (await client.get(f"/api/dossiers/{external_id}")).json()
        assert dossier["code"].startswith(hub.settings.agency_code) and dossier["history"] == ["received"]
    health = await (await hub.js.key_value("lt-health")).get("adapter.onestop")  # type: ignore[union-attr]
    assert json.loads(health.value or b"{}")["successes"] >= 1  # the webhook exchange and the callback
    # the simulator keeps its dossiers in the data folder, so callbacks after a restart still find them
    kept = json.loads((hub.settings.data_dir / "onestop-simulator.json").read_text(encoding="utf-8"))
    assert kept[external_id]["code"] == dossier["code"]


@pytest.mark.parametrize(
    "real",
    [
        {"secret": SecretStr("bi-mat-that")},
        {"secret": SecretStr("bi-mat-that"), "system_url": "http://127.0.0.1:9"},
        {"system_url": "http://127.0.0.1:9"},
        {"embed_simulator": False},
        {"listen_host": "0.0.0.0"},
    ],
    ids=["secret", "secret-and-system", "system-url", "embedding-off", "not-loopback"],
)
async def test_a_real_setting_turns_the_simulator_off(module_hub: StartHub, real: dict[str, Any]) -> None:
    port = free_port()
    settings = development(port, **real)
    onestop = OnestopModule(settings)
    assert not onestop.embedded
    assert onestop.settings.system_url == real.get("system_url")  # never the simulator's
    if onestop.enabled:
        assert (
            onestop.settings.secret is not None and onestop.settings.secret.get_secret_value() != DEV_SECRET
        )
    if real.get("listen_host") == "0.0.0.0":
        assert not onestop.enabled  # the well-known development secret is never served beyond loopback
        return
    await module_hub([onestop], [])
    assert onestop.simulator is None and port_is_free(port)

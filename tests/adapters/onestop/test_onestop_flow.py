"""End to end over real HTTP: the simulated one-stop system files a dossier, the hub tracks it to return."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from typing import Any

import httpx
from pydantic import SecretStr

from adapters.onestop import OnestopModule, OnestopSettings
from adapters.onestop.hmac_auth import hmac_headers
from adapters.onestop.simulator import OnestopSimulator, SimulatorServer
from handlers.intake import IntakeModule
from hub.runtime import wait_for
from schemas.envelope import ClaimCheck
from tests.handlers.intake.harness import VN, Api, Clock, StartHub, Tap

SECRET = "bi-mat-chung-mot-cua"
APPLICANT = {"name": "Trần Văn Bình", "id_number": "001085012345", "phone": "0987654321"}


async def sim_post(url: str, body: dict[str, Any]) -> httpx.Response:
    async with httpx.AsyncClient(timeout=60) as client:
        return await client.post(url, json=body)


async def test_dossier_from_intake_to_returned_result_on_time(module_hub: StartHub) -> None:
    clock = Clock(datetime(2027, 2, 1, 9, tzinfo=VN))  # Monday before Tết Đinh Mùi
    intake = IntakeModule(clock=clock, lookup_limit=5)
    sim = OnestopSimulator("http://placeholder", SECRET)
    server = SimulatorServer(sim).start()
    onestop = OnestopModule(OnestopSettings(secret=SecretStr(SECRET), listen_port=0, system_url=server.url))
    hub = await module_hub([intake, onestop], ["handlers.intake"])
    sim.hub_webhook_url = onestop.webhook_url
    api = Api(hub)  # the portal mounts public_router() under /public
    tasks = await Tap(hub, "lt.task.cmd.create", "t-tasks").open()
    docs = await Tap(hub, "lt.doc.cmd.register", "t-docs").open()
    try:
        scan = b"%PDF-1.4 giay de nghi dang ky doanh nghiep"
        document = {"name": "giay-de-nghi.pdf", "content_base64": base64.b64encode(scan).decode()}
        r = await sim_post(
            f"{server.url}/api/dossiers",
            {"procedure_code": "DKDN-01", "applicant": APPLICANT, "documents": [document]},
        )
        assert r.status_code == 201, r.text
        ext = r.json()["external_id"]

        async def sim_knows(status: str) -> bool:
            return bool(sim.dossiers[ext].get("history", [])[-1:] == [status])

        # the hub gave the code and told the one-stop system back over HTTP
        assert await wait_for(lambda: sim_knows("received"), timeout=60)
        code = sim.dossiers[ext]["code"]
        assert code == f"{hub.settings.agency_code}-270201-0001"

        await sim_post(f"{server.url}/api/dossiers/{ext}/events", {"action": "accepted"})
        assert await wait_for(lambda: sim_knows("accepted"), timeout=60)
        # 3 working days after Monday 1 Feb 2027 skip Tết (4-10 Feb): Tuesday 2, Wednesday 3, Thursday 11
        assert sim.dossiers[ext]["due_date"] == "2027-02-11"

        await sim_post(
            f"{server.url}/api/dossiers/{ext}/events", {"action": "transferred", "unit_id": "DNDT"}
        )
        assert await wait_for(lambda: sim_knows("transferred"), timeout=60)
        assert await wait_for(lambda: _drained(tasks, 1), timeout=60)
        # the scanned form filed online becomes an incoming document, its bytes in the Object Store
        assert await wait_for(lambda: _drained(docs, 1), timeout=60)
        attachment = docs.messages[0]["payload"]["attachments"][0]
        assert attachment["claim"]["sha256"] == hashlib.sha256(scan).hexdigest()
        assert await hub.claims.get(ClaimCheck.model_validate(attachment["claim"])) == scan

        clock.set(2027, 2, 11, 8)
        r = await api.call(
            "POST", "chuyenvien2", f"/api/intake/dossiers/{code}/actions/result_ready", json={}
        )
        assert r.status_code == 200, r.text
        assert r.json()["on_time"] is True
        await sim_post(f"{server.url}/api/dossiers/{ext}/events", {"action": "result_returned"})
        assert await wait_for(lambda: sim_knows("returned"), timeout=60)

        detail = (await api.call("GET", "vanthu", f"/api/intake/dossiers/{code}")).json()
        assert [s["action"] for s in detail["steps"]] == [
            "received",
            "accepted",
            "transferred",
            "result_ready",
            "result_returned",
        ]
        assert detail["on_time"] is True and detail["returned_on"] == "2027-02-11"

        # public look-up without any session: status and dates, nothing more; then the rate limit
        api.client.cookies.clear()
        look = await api.client.get(f"/public/intake/lookup/{code}")
        assert look.status_code == 200
        assert look.json() == {
            "code": code,
            "procedure_name": "Đăng ký thành lập doanh nghiệp",
            "status": "returned",
            "status_label": "Đã trả kết quả",
            "received_on": "2027-02-01",
            "appointment_date": "2027-02-11",
            "rescheduled": False,
            "result_ready_on": "2027-02-11",
            "returned_on": "2027-02-11",
        }
        for forbidden in (APPLICANT["name"], APPLICANT["phone"], APPLICANT["id_number"]):
            assert forbidden not in look.text
        missing = await api.client.get("/public/intake/lookup/KHONG-CO")
        assert missing.status_code == 404
        answers = [(await api.client.get(f"/public/intake/lookup/{code}")).status_code for _ in range(5)]
        assert answers.count(429) >= 1 and answers[0] == 200
        limited = await api.client.get(f"/public/intake/lookup/{code}")
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        # login is not needed for the look-up, but is for the staff API
        assert (await api.client.get(f"/api/intake/dossiers/{code}")).status_code == 401
    finally:
        await api.close()
        server.stop()


async def _drained(tap: Tap, n: int) -> bool:
    return len(await tap.drain()) == n


async def test_webhook_refuses_bad_signatures(module_hub: StartHub) -> None:
    onestop = OnestopModule(OnestopSettings(secret=SecretStr(SECRET), listen_port=0))
    await module_hub([IntakeModule(), onestop], ["handlers.intake"])
    body = b'{"action": "received", "external_id": "MC-1"}'
    async with httpx.AsyncClient(timeout=60) as client:
        forged = await client.post(
            onestop.webhook_url, content=body, headers=hmac_headers("sai-bi-mat", body, "d-1")
        )
        assert forged.status_code == 401 and "signature" in forged.text
        unsigned = await client.post(onestop.webhook_url, content=body)
        assert unsigned.status_code == 401
        bad = b'{"action": "exploded", "external_id": "MC-1"}'
        invalid = await client.post(
            onestop.webhook_url, content=bad, headers=hmac_headers(SECRET, bad, "d-2")
        )
        assert invalid.status_code == 422 and "action" in invalid.text
        garbled = json.dumps(
            {"action": "received", "external_id": "MC-2", "documents": [{"name": "a", "content_base64": "@"}]}
        ).encode()
        refused = await client.post(
            onestop.webhook_url, content=garbled, headers=hmac_headers(SECRET, garbled, "d-3")
        )
        assert refused.status_code == 422
        assert "documents[0].content_base64" in refused.text

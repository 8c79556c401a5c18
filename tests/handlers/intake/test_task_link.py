"""The unit's task on the bus closes the loop: task.completed marks the dossier's result ready."""

from __future__ import annotations

from datetime import UTC, date, datetime

from handlers.intake import IntakeModule
from hub.runtime import wait_for
from tests.handlers.intake.harness import VN, Api, Clock, StartHub


async def test_completed_task_makes_the_result_ready(module_hub: StartHub) -> None:
    clock = Clock(datetime(2026, 12, 7, 9, tzinfo=VN))
    intake = IntakeModule(clock=clock)
    hub = await module_hub([intake], ["handlers.intake"])
    api = Api(hub)
    try:
        applicant = {"name": "Hộ kinh doanh Minh Anh", "email": "minhanh@example.vn"}
        r = await api.call(
            "POST",
            "vanthu",
            "/api/intake/dossiers",
            json={"procedure_code": "DT-02", "applicant": applicant, "accept": True},
        )
        code = r.json()["code"]
        await api.call("POST", "vanthu", f"/api/intake/dossiers/{code}/actions/transferred", json={})
        facts = {
            "task_id": "T-1",
            "title": "Giải quyết hồ sơ",
            "officer_id": "chuyenvien2",
            "unit_id": "DNDT",
            "assigner": "vanthu",
            "deadline": date(2026, 12, 21),
            "source": "intake",
            "external_ref": code,
        }
        await hub.publish(
            "task.completed",
            {**facts, "completed_at": datetime.now(UTC), "on_time": True},
            source="tasks",
            issue=code,
        )

        async def ready() -> bool:
            got = (await api.call("GET", "vanthu", f"/api/intake/dossiers/{code}")).json()
            return bool(got["status"] == "result_ready")

        assert await wait_for(ready, timeout=60)
        detail = (await api.call("GET", "vanthu", f"/api/intake/dossiers/{code}")).json()
        assert detail["unit_id"] == "DNDT" and detail["on_time"] is True  # DT-02: 10 working days
        assert detail["steps"][-1]["by"] == "chuyenvien2"
    finally:
        await api.close()

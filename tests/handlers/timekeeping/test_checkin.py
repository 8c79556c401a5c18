"""Web and kiosk check-in go through the bus like device punches; leave can be withdrawn."""

from __future__ import annotations

from sqlalchemy import select

from handlers.timekeeping import TimekeepingModule
from handlers.timekeeping.models import Punch
from hub.runtime import wait_for
from tests.handlers.timekeeping.harness import Api, StartHub, Tap


async def test_web_and_kiosk_checkin_and_leave_withdrawal(module_hub: StartHub) -> None:
    hub = await module_hub([TimekeepingModule()], ["handlers.timekeeping"])
    api = Api(hub)
    cancelled = await Tap(hub, "lt.timekeeping.evt.leave_cancelled", "test-cancel-tap").open()
    try:
        web = await api.call("POST", "chuyenvien", "/api/timekeeping/checkin", json={"direction": "in"})
        assert web.status_code == 202, web.text
        assert (
            await api.call("POST", "chuyenvien", "/api/timekeeping/kiosk", json={"employee_code": "vanthu"})
        ).status_code == 403
        kiosk = await api.call(
            "POST",
            "vanthu",
            "/api/timekeeping/kiosk",
            json={"employee_code": "chuyenvien2", "direction": "in", "kiosk_id": "sanh-tang-1"},
        )
        assert kiosk.status_code == 202, kiosk.text
        unknown = await api.call(
            "POST", "vanthu", "/api/timekeeping/kiosk", json={"employee_code": "khong-co"}
        )
        assert unknown.status_code == 404 and "khong-co" in unknown.text

        async def both() -> bool:
            async with hub.db.session() as s:
                rows = (await s.execute(select(Punch))).scalars().all()
            return {(p.user_id, p.source) for p in rows} == {("chuyenvien", "web"), ("chuyenvien2", "kiosk")}

        assert await wait_for(both, timeout=60)

        leave = await api.call(
            "POST",
            "chuyenvien",
            "/api/timekeeping/leaves",
            json={"kind": "business_trip", "start": "2026-12-14", "end": "2026-12-16"},
        )
        lid = leave.json()["id"]
        assert (
            await api.call("POST", "truongphongth", f"/api/timekeeping/leaves/{lid}/approve")
        ).status_code == 200
        assert (
            await api.call("POST", "chuyenvien2", f"/api/timekeeping/leaves/{lid}/cancel")
        ).status_code == 404
        withdrawn = await api.call("POST", "chuyenvien", f"/api/timekeeping/leaves/{lid}/cancel")
        assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "cancelled"

        async def announced() -> bool:
            return any(m["payload"]["leave_id"] == lid for m in await cancelled.drain())

        assert await wait_for(announced, timeout=60)
        bad = await api.call(
            "POST",
            "chuyenvien",
            "/api/timekeeping/leaves",
            json={"kind": "annual", "start": "2026-12-14", "end": "2026-12-15", "half": "morning"},
        )
        assert bad.status_code == 422 and "nửa ngày" in bad.text
    finally:
        await cancelled.close()
        await api.close()

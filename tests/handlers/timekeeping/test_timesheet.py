"""A month of device punches posted over HTTP to the real webhook gives the expected bảng chấm công."""

from __future__ import annotations

from datetime import date
from io import BytesIO
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import func, select

from adapters.attendance import AttendanceModule
from adapters.attendance.simulator import DeviceSimulator, month_events
from handlers.timekeeping import TimekeepingModule
from handlers.timekeeping.models import Punch
from hub.models import AuditEntry
from hub.runtime import wait_for
from tests.handlers.timekeeping.harness import Api, StartHub

D = date


async def test_month_of_device_events_gives_the_expected_timesheet(module_hub: StartHub, db_url: str) -> None:
    device = AttendanceModule(devices={"may-1": "bi-mat-thiet-bi"}, port=0)
    hub = await module_hub([TimekeepingModule(), device], ["handlers.timekeeping"], db_url)
    api = Api(hub)
    try:
        r = await api.call(
            "PUT", "quantri", "/api/timekeeping/enrolments", json={"code": "1001", "user_id": "chuyenvien"}
        )
        assert r.status_code == 200, r.text
        overrides: dict[tuple[str, date], Any] = {
            ("1001", D(2026, 9, 7)): ("08:08", "17:02"),  # inside the 10-minute grace: on time
            ("1001", D(2026, 9, 8)): ("08:25", "17:05"),  # late by 25 minutes
            ("1001", D(2026, 9, 9)): ("10:30", "17:10"),  # over 2 hours late: morning lost, half day
            ("1001", D(2026, 9, 10)): ("07:55", "15:30"),  # leaves 90 minutes early: full day, early leave
            ("1001", D(2026, 9, 11)): ("07:50", None),  # forgot to check out: half day
            ("1001", D(2026, 9, 14)): None,  # annual leave (approved below)
            ("1001", D(2026, 9, 15)): None,  # business trip not filed: corrected afterwards
            ("1001", D(2026, 9, 16)): ("12:55", "17:05"),  # sick in the morning (half-day leave)
            ("1001", D(2026, 9, 17)): None,  # absent without leave
        }
        events = month_events(2026, 9, ["1001", "truongphongth"], overrides)
        simulator = DeviceSimulator(device.url, "may-1", "bi-mat-thiet-bi", batch_size=40)
        assert await simulator.send(events) == len(events)
        assert await simulator.send(events[:10]) == 10  # the device re-sends a batch: stored once

        async def all_stored() -> bool:
            async with hub.db.session() as s:
                return bool((await s.scalar(select(func.count()).select_from(Punch))) == len(events))

        assert await wait_for(all_stored, timeout=60)

        annual = await api.call(
            "POST",
            "chuyenvien",
            "/api/timekeeping/leaves",
            json={"kind": "annual", "start": "2026-09-14", "end": "2026-09-14", "reason": "Việc gia đình"},
        )
        sick = await api.call(
            "POST",
            "chuyenvien",
            "/api/timekeeping/leaves",
            json={
                "kind": "sick",
                "start": "2026-09-16",
                "end": "2026-09-16",
                "half": "morning",
                "reason": "Khám bệnh",
            },
        )
        assert annual.status_code == sick.status_code == 201, annual.text + sick.text
        self_approve = await api.call(
            "POST", "chuyenvien", f"/api/timekeeping/leaves/{annual.json()['id']}/approve"
        )
        assert self_approve.status_code == 403
        other_head = await api.call(
            "POST", "truongphongdt", f"/api/timekeeping/leaves/{annual.json()['id']}/approve"
        )
        assert other_head.status_code == 404 and "Không có đơn nghỉ" in other_head.json()["detail"]
        for leave in (annual, sick):
            ok = await api.call(
                "POST", "truongphongth", f"/api/timekeeping/leaves/{leave.json()['id']}/approve"
            )
            assert ok.status_code == 200 and ok.json()["status"] == "approved", ok.text

        no_reason = await api.call(
            "POST",
            "truongphongth",
            "/api/timekeeping/corrections",
            json={"user_id": "chuyenvien", "day": "2026-09-15", "symbol": "CT", "reason": "  "},
        )
        assert no_reason.status_code == 422 and "lý do" in no_reason.text
        fixed = await api.call(
            "POST",
            "truongphongth",
            "/api/timekeeping/corrections",
            json={
                "user_id": "chuyenvien",
                "day": "2026-09-15",
                "symbol": "CT",
                "reason": "Đi công tác Sơn Tây theo giấy đi đường số 12",
            },
        )
        assert fixed.status_code == 201, fixed.text
        assert fixed.json()["before"] == "V" and fixed.json()["after"] == "CT"
        async with hub.db.session() as s:
            audit = (
                await s.execute(select(AuditEntry).where(AuditEntry.action == "timekeeping.corrected"))
            ).scalar_one()
        assert (
            audit.actor == "truongphongth"
            and audit.detail["before"] == "V"
            and "Sơn Tây" in audit.detail["reason"]
        )

        sheet = await api.call("GET", "truongphongth", "/api/timekeeping/timesheets/TH/2026-09")
        assert sheet.status_code == 200, sheet.text
        people = {p["user_id"]: p for p in sheet.json()["people"]}
        assert set(people) == {"truongphongth", "chuyenvien"}
        assert sheet.json()["working_days"] == 20
        mai = people["chuyenvien"]["days"]
        expected = {
            "2026-09-01": "L",
            "2026-09-02": "L",
            "2026-09-05": "",
            "2026-09-06": "",
            "2026-09-07": "+",
            "2026-09-08": "+",
            "2026-09-09": "½",
            "2026-09-10": "+",
            "2026-09-11": "½",
            "2026-09-14": "P",
            "2026-09-15": "CT",
            "2026-09-16": "½Ô",
            "2026-09-17": "V",
            "2026-09-18": "+",
        }
        assert {d: mai[d] for d in expected} == expected
        totals = people["chuyenvien"]["totals"]
        assert totals["worked"] == 15.5
        assert (totals["annual_leave"], totals["sick_leave"], totals["business_trip"]) == (1, 0.5, 1)
        assert totals["absent"] == 2
        assert (totals["late_count"], totals["late_minutes"], totals["early_leave_count"]) == (1, 25, 1)
        assert totals["corrections"] == 1
        head = people["truongphongth"]["totals"]
        assert head["worked"] == 20 and head["late_count"] == 0 and head["absent"] == 0

        stats = await api.call("GET", "truongphongth", "/api/timekeeping/stats/TH/2026-09")
        mine = next(x for x in stats.json()["items"] if x["user_id"] == "chuyenvien")
        assert mine["late_days"] == ["2026-09-08"]
        assert mine["absent_dates"] == ["2026-09-09", "2026-09-11", "2026-09-17"]

        assert (
            await api.call("GET", "chuyenvien", "/api/timekeeping/timesheets/TH/2026-09")
        ).status_code == 403
        xlsx = await api.call("GET", "truongphongth", "/api/timekeeping/timesheets/TH/2026-09/xlsx")
        assert xlsx.status_code == 200
        ws = load_workbook(BytesIO(xlsx.content)).active
        assert ws is not None
        cells = [[c.value for c in row] for row in ws.iter_rows()]
        assert any(v == "BẢNG CHẤM CÔNG" for row in cells for v in row)
        row = next(r for r in cells if "Vũ Thị Mai" in r)
        assert row[3 + 8] == "½" and row[3 + 13] == "P" and row[3 + 15] == "½Ô"  # 9, 14 and 16 September
        assert row[3 + 30 : 3 + 37] == [15.5, 1, 0.5, 1, 2, 1, 1]
    finally:
        await api.close()

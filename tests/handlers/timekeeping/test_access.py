"""Timekeeping for each person: one's own month, leave requests seen and decided only by those entitled,
notices linking to the staff pages, days not over yet left blank."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import select

from handlers.timekeeping import TimekeepingModule
from handlers.timekeeping.models import Leave
from handlers.timekeeping.timesheet import build_sheet, day_symbol
from hub.models import OutboxEntry
from hub.runtime import Hub
from tests.handlers.timekeeping.harness import Api, StartHub


async def emitted(hub: Hub, kind: str) -> list[dict[str, Any]]:
    """The payloads of the messages of a type the hub's transactions emitted, in order (the outbox)."""
    async with hub.db.session() as s:
        rows = (await s.execute(select(OutboxEntry).order_by(OutboxEntry.seq))).scalars()
        envelopes = [json.loads(r.data) for r in rows]
    return [e["payload"] for e in envelopes if e["type"] == kind]


async def test_own_month_leave_access_and_notice_links(module_hub: StartHub, db_url: str) -> None:
    hub = await module_hub([TimekeepingModule()], ["handlers.timekeeping"], db_url)
    api = Api(hub)
    try:
        # the officer reads her own month; another unit's officer may not; her unit head may
        mine = await api.call("GET", "chuyenvien", "/api/timekeeping/people/chuyenvien/2026-09")
        assert mine.status_code == 200, mine.text
        body = mine.json()
        assert body["full_name"] == "Vũ Thị Mai" and body["unit_name"] == "Phòng Tổng hợp, Quy hoạch"
        assert body["days"]["2026-09-07"] == "V" and body["totals"]["absent"] == 20
        assert (
            await api.call("GET", "chuyenvien2", "/api/timekeeping/people/chuyenvien/2026-09")
        ).status_code == 404
        assert (
            await api.call("GET", "truongphongdt", "/api/timekeeping/people/chuyenvien/2026-09")
        ).status_code == 404
        assert (
            await api.call("GET", "truongphongth", "/api/timekeeping/people/chuyenvien/2026-09")
        ).status_code == 200
        assert (
            await api.call("GET", "vanthu", "/api/timekeeping/people/chuyenvien/2026-09")
        ).status_code == 200

        r = await api.call(
            "POST",
            "chuyenvien",
            "/api/timekeeping/leaves",
            json={"kind": "annual", "start": "2030-12-03", "end": "2030-12-04", "reason": "Việc gia đình"},
        )
        assert r.status_code == 201, r.text
        leave = r.json()
        assert leave["status_label"] == "Chờ duyệt" and leave["full_name"] == "Vũ Thị Mai"
        assert leave["may_cancel"] and not leave["may_decide"]
        leave_id = leave["id"]

        # another unit's officer and head neither see nor decide it; nothing changes
        assert (
            await api.call("GET", "chuyenvien2", f"/api/timekeeping/leaves/{leave_id}")
        ).status_code == 404
        assert (
            await api.call("GET", "truongphongdt", f"/api/timekeeping/leaves/{leave_id}")
        ).status_code == 404
        for user, action in (
            ("truongphongdt", "approve"),
            ("truongphongdt", "reject"),
            ("chuyenvien2", "cancel"),
        ):
            r = await api.call("POST", user, f"/api/timekeeping/leaves/{leave_id}/{action}", json={})
            assert r.status_code in (403, 404), (user, action, r.text)
        listed = await api.call("GET", "truongphongdt", "/api/timekeeping/leaves")
        assert leave_id not in [x["id"] for x in listed.json()["items"]]
        async with hub.db.session() as s:
            assert (await s.get(Leave, leave_id)).status == "pending"  # type: ignore[union-attr]

        # her unit head sees it with the buttons' right, and refuses it with a note
        seen = (await api.call("GET", "truongphongth", f"/api/timekeeping/leaves/{leave_id}")).json()
        assert seen["may_decide"] and seen["unit_name"] == "Phòng Tổng hợp, Quy hoạch"
        r = await api.call(
            "POST",
            "truongphongth",
            f"/api/timekeeping/leaves/{leave_id}/reject",
            json={"note": "Trùng tổng kết"},
        )
        assert r.status_code == 200 and r.json()["status_label"] == "Không duyệt", r.text
        assert r.json()["decided_by_name"] == "Đỗ Quang Vinh"
        again = await api.call(
            "POST", "truongphongth", f"/api/timekeeping/leaves/{leave_id}/approve", json={}
        )
        assert again.status_code == 409 and "không duyệt" in again.json()["detail"]
        assert "rejected" not in again.json()["detail"]

        # every notice links to the request's staff page
        notices = await emitted(hub, "notify.requested")
        assert {n["link"] for n in notices} == {f"/staff/cham-cong/nghi-phep/{leave_id}"}
        assert [n["recipients"] for n in notices] == [["truongphongth"], ["chuyenvien"]]
        assert "không được duyệt" in notices[1]["title"] and "Trùng tổng kết" in notices[1]["body"]
    finally:
        await api.close()


async def test_days_after_today_are_blank_and_not_counted(module_hub: StartHub, db_url: str) -> None:
    hub = await module_hub([TimekeepingModule()], ["handlers.timekeeping"], db_url)
    async with hub.db.session() as s:
        sheet = await build_sheet(s, "TH", "2026-09", today=date(2026, 9, 16))
    mai = next(p for p in sheet.people if p.user_id == "chuyenvien")
    assert [p.full_name for p in sheet.people] == ["Đỗ Quang Vinh", "Vũ Thị Mai"]  # Vietnamese order
    assert day_symbol(sheet, mai, date(2026, 9, 15)) == "V"  # gone by without a punch
    assert day_symbol(sheet, mai, date(2026, 9, 16)) == ""  # today, no punch yet: not marked
    assert day_symbol(sheet, mai, date(2026, 9, 17)) == ""  # still to come
    assert mai.totals is not None and mai.totals.absent == 9  # 1-2 September are holidays
    assert day_symbol(sheet, mai, date(2026, 9, 2)) == "L"
    async with hub.db.session() as s:
        before = await build_sheet(s, "TH", "2026-09", today=date(2026, 8, 31))
    assert all(day_symbol(before, p, d) == "" for p in before.people for d in p.days)

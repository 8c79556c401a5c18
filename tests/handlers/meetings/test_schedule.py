"""The weekly schedule: conflicts refused with reasons, publication reaches everyone, feeds and exports."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from icalendar import Calendar
from openpyxl import load_workbook
from pdfminer.high_level import extract_text

from handlers.meetings import MeetingsModule
from handlers.timekeeping import TimekeepingModule
from hub.runtime import Hub, wait_for
from tests.handlers.timekeeping.harness import Api, StartHub, Tap

WEEK = "2026-12-07"  # a Monday


def meeting(title: str, chair: str, start: str, end: str, **kw: Any) -> dict[str, Any]:
    return {"title": title, "chair_id": chair, "starts_at": start, "ends_at": end, **kw}


async def setup_rooms(api: Api) -> None:
    for room in (
        {"id": "P201", "name": "Phòng họp tầng 2", "capacity": 30},
        {"id": "P305", "name": "Phòng họp số 3", "capacity": 12},
    ):
        r = await api.call("PUT", "chanhvanphong", "/api/meetings/rooms", json=room)
        assert r.status_code == 200, r.text


async def start(module_hub: StartHub, db_url: str) -> tuple[Hub, Api]:
    hub = await module_hub(
        [MeetingsModule(), TimekeepingModule()], ["handlers.meetings", "handlers.timekeeping"], db_url
    )
    api = Api(hub)
    await setup_rooms(api)
    return hub, api


async def test_double_booked_room_and_leader_in_two_places_are_refused_with_both_reasons(
    module_hub: StartHub, db_url: str
) -> None:
    _hub, api = await start(module_hub, db_url)
    try:
        week = [
            meeting(
                "Giao ban tuần",
                "giamdoc",
                "2026-12-07T08:00",
                "2026-12-07T10:00",
                participant_ids=["phogiamdoc", "truongphongth"],
                room_id="P201",
            ),
            meeting(
                "Thẩm định dự án khu đô thị",
                "giamdoc",
                "2026-12-07T09:30",
                "2026-12-07T11:00",
                participant_ids=["chuyenvien2"],
                room_id="P201",
            ),
            meeting(
                "Làm việc với UBND quận",
                "phogiamdoc",
                "2026-12-08T14:00",
                "2026-12-08T16:00",
                place="UBND quận Hoàn Kiếm",
            ),
        ]
        refused = await api.call("POST", "truongphongth", "/api/meetings/batch", json={"meetings": week})
        assert refused.status_code == 409, refused.text
        conflicts = refused.json()["detail"].splitlines()[1:]  # one line per refused item, with its reasons
        assert [c.split(":")[0] for c in conflicts] == ["Cuộc họp 2 «Thẩm định dự án khu đô thị»"]
        reasons = conflicts[0].split(": ", 1)[1].split("; ")
        assert any("Phòng họp tầng 2" in x and "Giao ban tuần" in x for x in reasons), reasons
        assert any("Nguyễn Văn Hùng" in x and "hai nơi" in x for x in reasons), reasons
        listed = await api.call("GET", "chanhvanphong", "/api/meetings", params={"week": WEEK})
        assert listed.json()["items"] == []  # all or nothing

        first = await api.call("POST", "truongphongth", "/api/meetings", json=week[0])
        assert first.status_code == 201, first.text
        again = await api.call("POST", "truongphongdt", "/api/meetings", json=week[1])
        assert again.status_code == 409
        assert len(again.json()["detail"].splitlines()[1].split(": ", 1)[1].split("; ")) == 2
        moved = {**week[1], "starts_at": "2026-12-07T10:00", "ends_at": "2026-12-07T11:30"}
        assert (await api.call("POST", "truongphongdt", "/api/meetings", json=moved)).status_code == 201

        bad = await api.call(
            "POST",
            "truongphongth",
            "/api/meetings",
            json=meeting("Họp", "giamdoc", "2026-12-09T10:00", "2026-12-09T09:00", place="Sở"),
        )
        assert bad.status_code == 422 and "giờ kết thúc" in bad.text
        unknown = await api.call(
            "POST",
            "truongphongth",
            "/api/meetings",
            json=meeting("Họp", "khongco", "2026-12-09T08:00", "2026-12-09T09:00", room_id="P999"),
        )
        assert unknown.status_code == 422 and "khongco" in unknown.text and "P999" in unknown.text

        # a participant on approved leave (learnt from timekeeping's leave.approved) is flagged
        leave = await api.call(
            "POST",
            "chuyenvien",
            "/api/timekeeping/leaves",
            json={"kind": "annual", "start": "2026-12-09", "end": "2026-12-10"},
        )
        assert (
            await api.call("POST", "truongphongth", f"/api/timekeeping/leaves/{leave.json()['id']}/approve")
        ).status_code == 200

        async def flagged() -> bool:
            r = await api.call(
                "POST",
                "truongphongth",
                "/api/meetings",
                json=meeting(
                    "Rà soát hồ sơ",
                    "truongphongth",
                    "2026-12-09T14:00",
                    "2026-12-09T15:00",
                    participant_ids=["chuyenvien"],
                    place="Phòng Tổng hợp",
                ),
            )
            assert r.status_code == 201, r.text
            if r.json()["warnings"]:
                assert "Vũ Thị Mai nghỉ phép từ 09/12/2026 đến 10/12/2026" in r.json()["warnings"]
                return True
            await api.call("POST", "truongphongth", f"/api/meetings/{r.json()['id']}/cancel")
            return False

        assert await wait_for(flagged, timeout=60, every=0.3)
    finally:
        await api.close()


async def test_published_week_reaches_every_participant_and_feeds_parse(
    module_hub: StartHub, db_url: str
) -> None:
    hub, api = await start(module_hub, db_url)
    notices = await Tap(hub, "lt.notify.cmd.send", "test-notify-tap").open()
    try:
        a = await api.call(
            "POST",
            "truongphongth",
            "/api/meetings",
            json=meeting(
                "Giao ban tuần",
                "giamdoc",
                "2026-12-07T08:00",
                "2026-12-07T10:00",
                participant_ids=["phogiamdoc", "truongphongth"],
                unit_ids=["DNDT"],
                room_id="P201",
                preparation="Văn phòng chuẩn bị báo cáo tuần",
            ),
        )
        c = await api.call(
            "POST",
            "truongphongdt",
            "/api/meetings",
            json=meeting(
                "Hội nghị xúc tiến đầu tư",
                "phogiamdoc",
                "2026-12-08T14:00",
                "2026-12-08T16:30",
                participant_ids=["chuyenvien", "chuyenvien2"],
                room_id="P305",
            ),
        )
        assert a.status_code == c.status_code == 201, a.text + c.text
        ids = [a.json()["id"], c.json()["id"]]
        assert (await api.call("POST", "chuyenvien", f"/api/meetings/{ids[0]}/approve")).status_code == 403
        for mid in ids:
            r = await api.call("POST", "chanhvanphong", f"/api/meetings/{mid}/approve")
            assert r.status_code == 200 and r.json()["status"] == "approved", r.text
        pub = await api.call("POST", "chanhvanphong", f"/api/meetings/weeks/{WEEK}/publish")
        assert pub.status_code == 200, pub.text
        everyone = {"giamdoc", "phogiamdoc", "truongphongth", "truongphongdt", "chuyenvien", "chuyenvien2"}
        assert set(pub.json()["notified"]) == everyone

        def told(prefix: str) -> dict[str, dict[str, Any]]:
            return {
                r: m["payload"]
                for m in notices.messages
                for r in m["payload"]["recipients"]
                if m["type"] == "notify.requested" and m["payload"]["title"].startswith(prefix)
            }

        async def all_told() -> bool:
            await notices.drain()
            return set(told("Lịch công tác tuần")) == everyone

        assert await wait_for(all_told, timeout=60)
        mine = told("Lịch công tác tuần")["chuyenvien"]
        assert "Hội nghị xúc tiến đầu tư" in mine["body"] and "Giao ban" not in mine["body"]
        assert (
            "Giao ban tuần" in told("Lịch công tác tuần")["truongphongdt"]["body"]
        )  # head of an invited unit

        # a later change is published as a change, to the people concerned
        moved = await api.call(
            "PATCH",
            "chanhvanphong",
            f"/api/meetings/{ids[1]}",
            json={
                "starts_at": "2026-12-09T14:00",
                "ends_at": "2026-12-09T16:00",
                "reason": "Nhà đầu tư đề nghị lùi lịch",
            },
        )
        assert moved.status_code == 200, moved.text
        assert any(x.startswith("Thời gian:") for x in moved.json()["changes"])
        assert (
            await api.call("PATCH", "truongphongdt", f"/api/meetings/{ids[1]}", json={"title": "X"})
        ).status_code == 403

        async def change_told() -> bool:
            await notices.drain()
            return set(told("Thay đổi lịch")) == {"phogiamdoc", "chuyenvien", "chuyenvien2"}

        assert await wait_for(change_told, timeout=60)
        assert "Nhà đầu tư đề nghị lùi lịch" in told("Thay đổi lịch")["chuyenvien"]["body"]
        assert told("Thay đổi lịch")["chuyenvien"]["urgency"] == "khan"

        # leave approved after publication flags the meeting and tells the registrant and the office
        leave = await api.call(
            "POST",
            "chuyenvien",
            "/api/timekeeping/leaves",
            json={"kind": "sick", "start": "2026-12-09", "end": "2026-12-09"},
        )
        approved = await api.call(
            "POST", "truongphongth", f"/api/timekeeping/leaves/{leave.json()['id']}/approve"
        )
        assert approved.status_code == 200, approved.text

        async def absence_told() -> bool:
            await notices.drain()
            return set(told("Người dự họp vắng")) == {"truongphongdt", "chanhvanphong"}

        assert await wait_for(absence_told, timeout=60)
        assert "Vũ Thị Mai nghỉ ốm" in told("Người dự họp vắng")["chanhvanphong"]["body"]
        flagged = await api.call("GET", "chanhvanphong", f"/api/meetings/{ids[1]}")
        assert any("Vũ Thị Mai nghỉ ốm" in w for w in flagged.json()["warnings"])

        feed = await api.call("GET", "chuyenvien", "/api/meetings/calendar/person/chuyenvien.ics")
        assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
        cal = Calendar.from_ical(feed.content)
        events = list(cal.walk("VEVENT"))
        assert [str(e["SUMMARY"]) for e in events] == ["Hội nghị xúc tiến đầu tư"]
        ev = events[0]
        assert ev.decoded("DTSTART").isoformat() == "2026-12-09T07:00:00+00:00"  # 14:00 in Hanoi
        assert int(str(ev["SEQUENCE"])) == 1 and "Phòng họp số 3" in str(ev["LOCATION"])
        assert (
            await api.call("GET", "chuyenvien", "/api/meetings/calendar/person/giamdoc.ics")
        ).status_code == 403
        leader = Calendar.from_ical(
            (await api.call("GET", "chuyenvien", "/api/meetings/calendar/leader/giamdoc.ics")).content
        )
        assert [str(e["SUMMARY"]) for e in leader.walk("VEVENT")] == ["Giao ban tuần"]
        room = Calendar.from_ical(
            (await api.call("GET", "vanthu", "/api/meetings/calendar/room/P201.ics")).content
        )
        assert [str(e["SUMMARY"]) for e in room.walk("VEVENT")] == ["Giao ban tuần"]

        pdf = await api.call("GET", "vanthu", f"/api/meetings/weeks/{WEEK}/schedule.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        text = extract_text(BytesIO(pdf.content))
        for expected in ("LỊCH CÔNG TÁC TUẦN CỦA LÃNH ĐẠO SỞ", "Giao ban tuần", "Nguyễn Văn Hùng", "Thứ Hai"):
            assert expected in text, expected
        xlsx = await api.call("GET", "vanthu", f"/api/meetings/weeks/{WEEK}/schedule.xlsx")
        ws = load_workbook(BytesIO(xlsx.content)).active
        assert ws is not None
        values = [str(c.value) for row in ws.iter_rows() for c in row if c.value]
        assert "LỊCH CÔNG TÁC TUẦN CỦA LÃNH ĐẠO SỞ" in values
        assert "Hội nghị xúc tiến đầu tư" in values and any("Thứ Tư" in v for v in values)
    finally:
        await notices.close()
        await api.close()

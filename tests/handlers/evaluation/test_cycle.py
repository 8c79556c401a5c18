"""An evaluation cycle of public employees (viên chức, Decree 90/2020 as amended by 48/2023) end to end:
evidence from task events and closed timesheets, review by levels, decision."""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import BytesIO
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import func, select

from adapters.attendance import AttendanceModule
from adapters.attendance.simulator import DeviceSimulator, month_events
from handlers.evaluation import EvaluationModule
from handlers.timekeeping import TimekeepingModule
from handlers.timekeeping.models import Punch
from hub.runtime import Hub, wait_for
from schemas.tasks import TaskCompleted, TaskOverdue
from tests.handlers.timekeeping.harness import Api, StartHub, Tap

CYCLE = "/api/evaluation/cycles"


async def task_done(hub: Hub, task_id: str, officer: str, unit: str, deadline: date, done: date) -> None:
    await hub.publish(
        "task.completed",
        TaskCompleted(
            task_id=task_id,
            title=f"Nhiệm vụ {task_id}",
            officer_id=officer,
            unit_id=unit,
            assigner="giamdoc",
            deadline=deadline,
            completed_at=datetime(done.year, done.month, done.day, 9, tzinfo=UTC),
            on_time=done <= deadline,
        ),
        source="tasks",
        issue=task_id,
    )


async def task_overdue(hub: Hub, task_id: str, officer: str, unit: str, deadline: date, days: int) -> None:
    await hub.publish(
        "task.overdue",
        TaskOverdue(
            task_id=task_id,
            title=f"Nhiệm vụ {task_id}",
            officer_id=officer,
            unit_id=unit,
            assigner="giamdoc",
            deadline=deadline,
            days_overdue=days,
        ),
        source="tasks",
        issue=task_id,
    )


async def test_cycle_runs_end_to_end_with_a_suggestion_from_tasks_and_attendance(
    module_hub: StartHub, db_url: str
) -> None:
    device = AttendanceModule(devices={"may-1": "bi-mat"}, port=0)
    hub = await module_hub(
        [EvaluationModule(), TimekeepingModule(), device],
        ["handlers.evaluation", "handlers.timekeeping"],
        db_url,
    )
    api = Api(hub)
    decided = await Tap(hub, "lt.evaluation.evt.decided", "test-decided-tap").open()
    try:
        # September 2026 at work: Hoàng Văn Nam (chuyenvien2) misses four days without leave
        absent = {("chuyenvien2", date(2026, 9, d)): None for d in (21, 22, 23, 24)}
        events = month_events(
            2026, 9, ["chuyenvien", "truongphongth", "chuyenvien2", "truongphongdt"], absent
        )
        assert await DeviceSimulator(device.url, "may-1", "bi-mat").send(events) == len(events)

        # work tracking's facts, as it publishes them
        for n in range(4):
            await task_done(hub, f"TH-{n}", "chuyenvien", "TH", date(2026, 9, 10 + n), date(2026, 9, 8 + n))
        await task_overdue(hub, "TH-late-oct", "chuyenvien", "TH", date(2026, 10, 5), 2)  # outside the cycle
        for n in range(5):
            await task_done(hub, f"DT-{n}", "chuyenvien2", "DNDT", date(2026, 9, 7 + n), date(2026, 9, 7 + n))
        for n in range(4):
            await task_done(
                hub, f"DTH-{n}", "truongphongdt", "DNDT", date(2026, 9, 14 + n), date(2026, 9, 11)
            )
        await task_overdue(hub, "DTH-4", "truongphongdt", "DNDT", date(2026, 9, 18), 5)

        refused = await api.call(
            "POST",
            "giamdoc",
            CYCLE,
            json={
                "name": "Quý III",
                "kind": "quarter",
                "period_start": "2026-07-01",
                "period_end": "2026-08-31",
            },
        )
        assert refused.status_code == 422 and "trọn quý" in refused.text
        quarter = {
            "name": "Quý III",
            "kind": "quarter",
            "period_start": "2026-07-01",
            "period_end": "2026-09-30",
        }
        by_head = await api.call("POST", "truongphongth", CYCLE, json=quarter)
        assert by_head.status_code == 403 and "lãnh đạo Sở" in by_head.json()["detail"]
        not_used = await api.call(
            "POST",
            "giamdoc",
            CYCLE,
            json={
                "name": "Tháng 9",
                "kind": "month",
                "period_start": "2026-09-01",
                "period_end": "2026-09-30",
                "unit_ids": ["TH", "DNDT"],
            },
        )
        assert not_used.status_code == 422 and "không đánh giá theo tháng: DNDT, TH" in not_used.text
        staff = ("chuyenvien", "truongphongth", "chuyenvien2", "truongphongdt")
        assert (
            await api.call(
                "PUT", "chuyenvien", "/api/evaluation/staff/chuyenvien", json={"kind": "vien_chuc"}
            )
        ).status_code == 403
        for user in staff:
            r = await api.call("PUT", "giamdoc", f"/api/evaluation/staff/{user}", json={"kind": "vien_chuc"})
            assert r.status_code == 200 and r.json()["kind_label"] == "Viên chức"
        for unit in ("TH", "DNDT"):
            r = await api.call(
                "PUT", "giamdoc", f"/api/evaluation/units/{unit}/cycles", json={"kinds": ["month"]}
            )
            assert r.status_code == 200 and r.json()["kinds"] == ["year", "month"]
        opened = await api.call(
            "POST",
            "giamdoc",
            CYCLE,
            json={
                "name": "Đánh giá tháng 9/2026",
                "kind": "month",
                "period_start": "2026-09-01",
                "period_end": "2026-09-30",
                "unit_ids": ["TH", "DNDT"],
            },
        )
        assert opened.status_code == 201, opened.text
        cid = opened.json()["id"]
        assert opened.json()["people"] == ["chuyenvien", "chuyenvien2", "truongphongdt", "truongphongth"]

        async def punched() -> bool:
            async with hub.db.session() as s:
                stored = await s.scalar(select(func.count()).select_from(Punch))
            return bool(stored == len(events))  # every punch is in before the months are closed

        assert await wait_for(punched, timeout=60, every=0.3)
        dndt = await api.call("GET", "truongphongdt", "/api/timekeeping/stats/DNDT/2026-09")
        assert {x["user_id"]: x["absent_days"] for x in dndt.json()["items"]} == {
            "chuyenvien2": 4,
            "truongphongdt": 0,
        }
        for head, unit in (("truongphongth", "TH"), ("truongphongdt", "DNDT")):
            closed = await api.call("POST", head, f"/api/timekeeping/timesheets/{unit}/2026-09/close")
            assert closed.status_code == 200, closed.text

        early = await api.call(
            "POST",
            "truongphongth",
            f"{CYCLE}/{cid}/assessments/chuyenvien/review",
            json={"level": "tot", "summary": "Tốt"},
        )
        assert early.status_code == 409 and "chưa tự đánh giá" in early.text
        for user, level in (
            ("chuyenvien", "xuat_sac"),
            ("chuyenvien2", "tot"),
            ("truongphongth", "tot"),
            ("truongphongdt", "tot"),
        ):
            r = await api.call(
                "POST",
                user,
                f"{CYCLE}/{cid}/self",
                json={"level": level, "summary": "Hoàn thành các nhiệm vụ được giao"},
            )
            assert r.status_code == 200, r.text

        async def evidence(reviewer: str, user: str) -> dict[str, Any]:
            r = await api.call("GET", reviewer, f"{CYCLE}/{cid}/assessments/{user}")
            assert r.status_code == 200, r.text
            body: dict[str, Any] = r.json()
            return body

        async def settled() -> bool:
            mai = await evidence("truongphongth", "chuyenvien")
            dth = await evidence("giamdoc", "truongphongdt")
            nam = await evidence("truongphongdt", "chuyenvien2")
            return (
                mai["evidence"]["tasks"]["total"] == 4
                and len(mai["evidence"]["attendance"]["months"]) == 1
                and dth["evidence"]["tasks"]["total"] == 5
                and nam["evidence"]["tasks"]["total"] == 5
                and len(nam["evidence"]["attendance"]["months"]) == 1
            )

        assert await wait_for(settled, timeout=60, every=0.3)
        mai = await evidence("truongphongth", "chuyenvien")
        assert mai["suggestion"]["level"] == "xuat_sac", mai["evidence"]
        assert mai["suggestion"]["label"] == "Hoàn thành xuất sắc nhiệm vụ"
        assert mai["evidence"]["tasks"]["on_time_rate"] == 1
        assert [t["task_id"] for t in mai["evidence"]["tasks"]["items"]] == ["TH-0", "TH-1", "TH-2", "TH-3"]
        assert mai["evidence"]["attendance"]["absent"] == 0
        nam = await evidence("truongphongdt", "chuyenvien2")
        assert nam["suggestion"]["level"] == "hoan_thanh"  # all tasks on time, but four days absent
        assert nam["evidence"]["attendance"]["absent"] == 4
        assert any("Vắng không lý do 4 ngày" in x for x in nam["evidence"]["reasons"])
        dth = await evidence("giamdoc", "truongphongdt")
        assert dth["suggestion"]["level"] == "hoan_thanh"
        assert (dth["evidence"]["tasks"]["on_time"], dth["evidence"]["tasks"]["overdue_open"]) == (4, 1)
        th = await evidence("giamdoc", "truongphongth")
        # a unit head with no task of their own is suggested from the unit's record (4/4 on time)
        assert "không đủ dữ liệu" in th["evidence"]["reasons"][0]
        assert th["evidence"]["unit"] == {"unit_id": "TH", "total": 4, "on_time": 4}
        assert th["suggestion"]["level"] == "tot"
        assert dth["evidence"]["unit"] == {"unit_id": "DNDT", "total": 10, "on_time": 9}
        assert (
            await api.call("GET", "chuyenvien2", f"{CYCLE}/{cid}/assessments/chuyenvien")
        ).status_code == 404

        wrong = await api.call(
            "POST",
            "truongphongth",
            f"{CYCLE}/{cid}/assessments/truongphongdt/review",
            json={"level": "tot", "summary": "x"},
        )
        assert wrong.status_code == 404  # another unit's head: not theirs to see
        for reviewer, user, level in (
            ("truongphongth", "chuyenvien", "xuat_sac"),
            ("truongphongdt", "chuyenvien2", "hoan_thanh"),
            ("giamdoc", "truongphongth", "tot"),
        ):
            r = await api.call(
                "POST",
                reviewer,
                f"{CYCLE}/{cid}/assessments/{user}/review",
                json={"level": level, "summary": "Nhận xét của người đánh giá"},
            )
            assert r.status_code == 200, r.text
        waiting = await api.call("POST", "giamdoc", f"{CYCLE}/{cid}/decide", json={})
        assert waiting.status_code == 409 and "Bùi Thanh Tùng" in waiting.text
        r = await api.call(
            "POST",
            "giamdoc",
            f"{CYCLE}/{cid}/assessments/truongphongdt/review",
            json={"level": "hoan_thanh", "summary": "Còn một nhiệm vụ quá hạn"},
        )
        assert r.status_code == 200

        assert (
            await api.call(
                "PUT", "giamdoc", "/api/evaluation/quota", json={"unit_id": "TH", "max_excellent_share": 0.2}
            )
        ).status_code == 200
        quota = await api.call("GET", "giamdoc", f"{CYCLE}/{cid}/quota")
        assert [w["unit_id"] for w in quota.json()["items"]] == ["TH"]
        assert "vượt tỷ lệ tối đa 20%" in quota.json()["items"][0]["message"]

        done = await api.call(
            "POST", "giamdoc", f"{CYCLE}/{cid}/decide", json={"overrides": {"truongphongth": "tot"}}
        )
        assert done.status_code == 200, done.text
        finals = {x["user_id"]: x["final_level"] for x in done.json()["results"]}
        assert finals == {
            "chuyenvien": "xuat_sac",
            "chuyenvien2": "hoan_thanh",
            "truongphongth": "tot",
            "truongphongdt": "hoan_thanh",
        }
        assert [w["unit_id"] for w in done.json()["warnings"]] == ["TH"]

        async def published() -> bool:
            return bool(await decided.drain())

        assert await wait_for(published, timeout=60)
        event = decided.messages[0]["payload"]
        assert event["cycle_id"] == cid and len(event["results"]) == 4
        assert {r["user_id"]: r["suggested_level"] for r in event["results"]}["chuyenvien"] == "xuat_sac"

        xlsx = await api.call("GET", "giamdoc", f"{CYCLE}/{cid}/results.xlsx")
        wb = load_workbook(BytesIO(xlsx.content))
        rows = [[c.value for c in row] for row in wb["Ket qua"].iter_rows()]
        mai_row = next(r for r in rows if r[1] == "Vũ Thị Mai")
        assert mai_row[3:] == ["Hoàn thành xuất sắc nhiệm vụ"] * 4
        stats = [[c.value for c in row] for row in wb["Thong ke"].iter_rows()]
        th_row = next(r for r in stats if r[0] == "Phòng Tổng hợp, Quy hoạch")
        assert th_row[1:6] == [2, 1, 1, 0, 0]
        assert any(str(r[0]).startswith("Cảnh báo") for r in stats if r[0])
    finally:
        await decided.close()
        await api.close()

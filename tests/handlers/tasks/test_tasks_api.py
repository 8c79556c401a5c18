"""The tasks API over a real bus: direct tasks, sub-tasks, reports, hand-over, extension, dashboards, XLSX."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from openpyxl import load_workbook
from sqlalchemy import select

from adapters.notify import NotifyModule
from adapters.notify.settings import NotifySettings
from handlers.tasks import TasksModule
from handlers.tasks.clock import LOCAL_TZ
from handlers.tasks.models import Task
from hub.embedded import NatsServer
from hub.runtime import Delivery, Hub, wait_for
from kit.workcal import default_calendar
from lienthong.web import create_app
from tests.adapters.notify.harness import hubs, login
from tests.support.fn_module import FnModule

WAIT = 60.0


def today() -> date:
    return datetime.now(LOCAL_TZ).date()


async def test_task_life_cycle_dashboards_and_monthly_report(
    nats: NatsServer, tmp_path: Path, db_url: str
) -> None:
    completed: list[dict[str, Any]] = []

    def capture(hub: Hub) -> None:
        @hub.consumer("test-task-completed", "lt.task.evt.completed")
        async def got(d: Delivery) -> None:
            completed.append(d.envelope.payload)

    cal = default_calendar()
    async with hubs(nats.url, tmp_path, db_url) as start:
        hub = await start(
            [TasksModule(), NotifyModule(NotifySettings(poll_seconds=0.3)), FnModule("capture", capture)],
            ["handlers.tasks", "adapters.notify"],
        )
        transport = httpx.ASGITransport(app=create_app(hub))
        async with httpx.AsyncClient(transport=transport, base_url="http://portal") as c:
            gd, cv, cv2, tp = [
                await login(c, u) for u in ("giamdoc", "chuyenvien", "chuyenvien2", "truongphongth")
            ]
            # bad input is refused with what is wrong
            r = await c.post(
                "/api/tasks", headers=gd, json={"title": "Thiếu hạn", "assignee_user_id": "chuyenvien"}
            )
            assert r.status_code == 422 and "duration_working_days" in r.text
            r = await c.post(
                "/api/tasks",
                headers=cv,
                json={"title": "x", "assignee_user_id": "chuyenvien2", "duration_working_days": 3},
            )
            assert r.status_code == 403
            # a leader's instruction, due in 5 working days
            r = await c.post(
                "/api/tasks",
                headers=gd,
                json={
                    "title": "Xây dựng báo cáo thu hút FDI năm 2026",
                    "assignee_user_id": "chuyenvien",
                    "duration_working_days": 5,
                    "priority": "Khẩn",
                },
            )
            assert r.status_code == 201, r.text
            task = r.json()
            assert task["deadline"] == cal.add_working_days(today(), 5).isoformat()
            assert task["unit_id"] == "TH" and task["status"]["code"] == "not_started_on_time"
            tid = task["id"]
            # a sub-task cannot outlive its parent
            r = await c.post(
                f"/api/tasks/{tid}/subtasks",
                headers=gd,
                json={"title": "Số liệu", "assignee_user_id": "chuyenvien2", "duration_working_days": 30},
            )
            assert r.status_code == 422 and "không được sau hạn" in r.json()["detail"]
            r = await c.post(
                f"/api/tasks/{tid}/subtasks",
                headers=cv,
                json={
                    "title": "Tổng hợp số liệu FDI theo quận",
                    "assignee_user_id": "chuyenvien2",
                    "duration_working_days": 2,
                },
            )
            assert r.status_code == 201, r.text
            sub = r.json()
            assert sub["parent_id"] == tid and sub["unit_id"] == "DNDT"
            # a progress report with an attachment kept in the Object Store
            pdf = b"%PDF-1.7 bao cao tien do " + bytes(range(256)) * 40
            r = await c.post(
                f"/api/tasks/{tid}/reports",
                headers=cv,
                data={"text": "Đã hoàn thành khung báo cáo", "progress": "40"},
                files={"files": ("khung-bao-cao.pdf", pdf, "application/pdf")},
            )
            assert r.status_code == 201, r.text
            assert r.json()["task"]["status"]["code"] == "in_progress_on_time"
            detail = (await c.get(f"/api/tasks/{tid}", headers=gd)).json()
            assert detail["progress"] == 40 and detail["subtasks"][0]["id"] == sub["id"]
            report = detail["reports"][0]
            assert report["attachments"] == [{"index": 0, "name": "khung-bao-cao.pdf", "size": len(pdf)}]
            r = await c.get(f"/api/tasks/{tid}/reports/{report['id']}/attachments/0", headers=gd)
            assert r.content == pdf
            assert (await c.get(f"/api/tasks/{tid}", headers=cv2)).status_code == 404
            # extension: asked by the officer, approved by the assigner only
            r = await c.post(
                f"/api/tasks/{tid}/extensions",
                headers=cv,
                json={"extra_working_days": 3, "reason": "Chờ số liệu Cục Thống kê"},
            )
            assert r.status_code == 201
            ext = r.json()
            assert (
                ext["new_deadline"] == cal.add_working_days(cal.add_working_days(today(), 5), 3).isoformat()
            )
            r = await c.post(
                f"/api/tasks/{tid}/extensions/{ext['id']}/decision", headers=tp, json={"approve": True}
            )
            assert r.status_code == 403
            r = await c.post(
                f"/api/tasks/{tid}/extensions/{ext['id']}/decision", headers=gd, json={"approve": True}
            )
            assert r.status_code == 200 and r.json()["task"]["deadline"] == ext["new_deadline"]

            async def replanned() -> bool:
                assert hub.js is not None
                try:
                    msg = await hub.js.get_last_msg("SCHEDULES", f"sched.lt.task.{tid}.on-day")
                except Exception:
                    return False
                return ext["new_deadline"] in msg.data.decode()

            assert await wait_for(replanned, timeout=WAIT)  # reminders follow the new deadline
            # the parent cannot finish before its sub-task; then hand-over and completion
            r = await c.post(f"/api/tasks/{tid}/complete", headers=cv)
            assert r.status_code == 409 and sub["id"] in r.json()["detail"]
            assert (await c.post(f"/api/tasks/{sub['id']}/complete", headers=cv2)).status_code == 200
            r = await c.post(
                f"/api/tasks/{tid}/handover",
                headers=cv,
                json={"to_user_id": "chuyenvien2", "note": "Đi công tác"},
            )
            assert r.status_code == 200 and r.json()["assignee_user_id"] == "chuyenvien2"
            assert (await c.post(f"/api/tasks/{tid}/complete", headers=cv)).status_code == 404
            r = await c.post(f"/api/tasks/{tid}/complete", headers=cv2)
            assert r.status_code == 200 and r.json()["status"]["code"] == "done_on_time"

            async def both_completed() -> bool:
                return len(completed) == 2

            assert await wait_for(both_completed, timeout=WAIT)
            main = next(e for e in completed if e["task_id"] == tid)
            assert (
                main["on_time"] is True and main["officer_id"] == "chuyenvien2" and main["unit_id"] == "DNDT"
            )
            assert main["deadline"] == ext["new_deadline"]

            # an overdue task for the dashboards
            overdue_deadline = cal.subtract_working_days(today(), 3)
            r = await c.post(
                "/api/tasks",
                headers=gd,
                json={
                    "title": "Rà soát hồ sơ tồn đọng",
                    "assignee_user_id": "chuyenvien2",
                    "deadline": overdue_deadline.isoformat(),
                },
            )
            late = r.json()
            assert late["status"]["code"] == "not_started_overdue"
            # the head of another unit may not look at this officer's board
            assert (await c.get("/api/tasks/dashboard/officer/chuyenvien2", headers=tp)).status_code == 403
            board = (await c.get("/api/tasks/dashboard/officer/chuyenvien2", headers=cv2)).json()
            assert board["counts"]["done_on_time"] == 2 and board["counts"]["not_started_overdue"] == 1
            assert board["on_time_rate"] == 1.0 and [t["id"] for t in board["overdue"]] == [late["id"]]
            assert board["overdue"][0]["working_days_overdue"] == cal.working_days_between(
                overdue_deadline, today()
            )
            unit = (await c.get("/api/tasks/dashboard/unit/DNDT", headers=gd)).json()
            assert unit["total"] == 3 and unit["workload"] == [{"owner": "chuyenvien2", "open_tasks": 1}]
            assert (await c.get("/api/tasks/dashboard/unit/DNDT", headers=tp)).status_code == 403
            leader = (await c.get("/api/tasks/dashboard/leader/giamdoc", headers=gd)).json()
            assert leader["total"] == 2 and leader["open"] == 1 and leader["done"] == 1
            mine = (
                await c.get("/api/tasks", headers=cv2, params={"status_code": "not_started_overdue"})
            ).json()["items"]
            assert [t["id"] for t in mine] == [late["id"]]

            # the monthly report of the unit
            month = ext["new_deadline"][:7]
            r = await c.get(
                "/api/tasks/reports/unit/DNDT/monthly.xlsx",
                headers=gd,
                params={"year": int(month[:4]), "month": int(month[5:])},
            )
            assert r.status_code == 200
            wb = load_workbook(io.BytesIO(r.content))
            assert wb.sheetnames == ["Tổng hợp", "Chi tiết", "Đôn đốc"]
            titles = [row[1] for row in wb["Chi tiết"].iter_rows(min_row=2, values_only=True)]
            assert "Xây dựng báo cáo thu hút FDI năm 2026" in titles
            assert "Phòng Đăng ký đầu tư" in str(wb["Tổng hợp"]["A2"].value)


async def test_document_assignment_handlers_and_completion_drive_tasks(
    nats: NatsServer, tmp_path: Path
) -> None:
    completed: list[dict[str, Any]] = []

    def capture(hub: Hub) -> None:
        @hub.consumer("test-task-completed", "lt.task.evt.completed")
        async def got(d: Delivery) -> None:
            completed.append(d.envelope.payload)

    async with hubs(nats.url, tmp_path) as start:
        hub = await start([TasksModule(), FnModule("capture", capture)], ["handlers.tasks"])
        deadline = default_calendar().add_working_days(today(), 7)
        doc = {
            "document_id": "VBD-2026-0200",
            "subject": "Đề nghị thẩm định dự án khu công nghiệp Phú Xuyên",
            "priority": "Thường",
            "lead_unit_id": "DNDT",
            "coordinating_unit_ids": ["TH"],
            "deadline": deadline.isoformat(),
            "instruction": "Phòng ĐKĐT chủ trì, phòng TH phối hợp.",
            "assigned_by": "phogiamdoc",
            "so_den": 200,
        }
        # the unit head's event is handled before the leader's assignment (out of order on the bus)
        await hub.publish(
            "document.handler_assigned",
            {
                "document_id": "VBD-2026-0200",
                "subject": doc["subject"],
                "priority": "Thường",
                "unit_id": "DNDT",
                "officer_ids": ["chuyenvien2", "truongphongdt"],
                "lead_officer_id": "chuyenvien2",
                "deadline": deadline.isoformat(),
                "assigned_by": "truongphongdt",
            },
            source="documents",
            issue="VBD-2026-0200",
        )

        async def handler_task() -> bool:
            async with hub.db.session() as s:
                return bool(await s.scalar(select(Task.id).where(Task.assignee_user_id == "chuyenvien2")))

        assert await wait_for(handler_task, timeout=WAIT)
        await hub.publish("document.assigned", doc, source="documents", issue="VBD-2026-0200")

        async def dispatched() -> bool:
            async with hub.db.session() as s:
                tasks = (
                    (await s.execute(select(Task).where(Task.document_id == "VBD-2026-0200"))).scalars().all()
                )
            return len(tasks) == 3 and any(t.unit_id == "TH" for t in tasks)

        assert await wait_for(dispatched, timeout=WAIT)
        transport = httpx.ASGITransport(app=create_app(hub))
        async with httpx.AsyncClient(transport=transport, base_url="http://portal") as c:
            doc_view = (
                await c.get("/api/tasks/by-document/VBD-2026-0200", headers=await login(c, "phogiamdoc"))
            ).json()
        assert doc_view["status"]["code"] == "not_started_on_time" and len(doc_view["items"]) == 3
        async with hub.db.session() as s:
            tasks = (await s.execute(select(Task).where(Task.document_id == "VBD-2026-0200"))).scalars().all()
        by = {(t.unit_id, t.role, t.assignee_user_id): t for t in tasks}
        lead = by[("DNDT", "lead", "chuyenvien2")]
        assert by[("DNDT", "coordinate", "truongphongdt")].parent_id == lead.id
        assert ("TH", "coordinate", None) in by and lead.external_ref == "200"
        await hub.publish(
            "document.completed",
            {
                "document_id": "VBD-2026-0200",
                "officer_id": "chuyenvien2",
                "at": (datetime.now(LOCAL_TZ) - timedelta(minutes=1)).isoformat(),
                "completed_on_time": True,
            },
            source="documents",
            issue="VBD-2026-0200",
        )

        async def all_done() -> bool:
            return len(completed) == 3

        assert await wait_for(all_done, timeout=WAIT)
        assert all(e["on_time"] for e in completed)
        assert {e["unit_id"] for e in completed} == {"DNDT", "TH"}

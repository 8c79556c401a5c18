"""What work tracking tells the evaluation, over a real bus: every task event carries the product's
weight and, for a document's task, the document; dispatch and hand-over are facts (task.updated); a
late task's confirmed objective cause travels with task.completed; the assigner's judgement is
task.product_assessed; urging is typed (task.urged). Nobody outside the task reads or changes it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from handlers.tasks import TasksModule
from handlers.tasks.clock import LOCAL_TZ
from handlers.tasks.models import Task, TaskAssessment, TaskDelayCause, TaskUrging
from hub.runtime import Hub, wait_for
from kit.workcal import default_calendar
from tests.handlers.timekeeping.harness import Api, StartHub, Tap

WAIT = 60.0
TASK_FACTS = {
    "task.created",
    "task.updated",
    "task.completed",
    "task.product_assessed",
    "task.urged",
    "task.overdue",
    "task.escalated",
}


def today() -> date:
    return datetime.now(LOCAL_TZ).date()


def days_ago(n: int) -> str:
    return default_calendar().subtract_working_days(today(), n).isoformat()


class Events:
    """The task events published so far, read off the EVENTS stream."""

    def __init__(self, tap: Tap) -> None:
        self.tap = tap

    async def of(self, type: str, task_id: str | None = None) -> list[dict[str, Any]]:
        found = await self.tap.drain()
        return [
            e["payload"]
            for e in found
            if e["type"] == type and (task_id is None or e["payload"]["task_id"] == task_id)
        ]

    async def wait(self, type: str, task_id: str | None = None, count: int = 1) -> list[dict[str, Any]]:
        async def arrived() -> bool:
            return len(await self.of(type, task_id)) >= count

        assert await wait_for(arrived, timeout=WAIT, every=0.3), f"no {type} for {task_id}"
        return await self.of(type, task_id)


async def new_task(api: Api, user: str, **body: Any) -> dict[str, Any]:
    r = await api.call("POST", user, "/api/tasks", json={"title": "Báo cáo chuyên đề", **body})
    assert r.status_code == 201, r.text
    task: dict[str, Any] = r.json()
    return task


async def test_every_task_event_carries_the_weight_and_the_document(
    module_hub: StartHub, db_url: str
) -> None:
    hub = await module_hub([TasksModule()], ["handlers.tasks"], db_url)
    api = Api(hub)
    events = Events(await Tap(hub, "lt.task.evt.>", "test-task-facts").open())

    # -- a weight given on creation, the default of 1, and the assigner's later change --
    # three working days back: past the two-day escalation threshold on whatever day the test runs
    late = await new_task(
        api, "giamdoc", assignee_user_id="chuyenvien", deadline=days_ago(3), product_weight=2.5
    )
    assert late["product_weight"] == 2.5
    plain = await new_task(api, "giamdoc", assignee_user_id="chuyenvien", duration_working_days=5)
    assert plain["product_weight"] == 1
    refused = await api.call(
        "PUT", "truongphongth", f"/api/tasks/{plain['id']}/weight", json={"product_weight": 2}
    )
    assert refused.status_code == 403 and "người giao" in refused.json()["detail"]
    r = await api.call("PUT", "giamdoc", f"/api/tasks/{plain['id']}/weight", json={"product_weight": 1.5})
    assert r.status_code == 200 and r.json()["product_weight"] == 1.5
    (reweighed,) = await events.wait("task.updated", plain["id"])
    assert (reweighed["change"], reweighed["product_weight"]) == ("product_weight", 1.5)

    # -- asked for on the bus, with a weight and the document it follows --
    await hub.publish(
        "task.create_requested",
        {
            "title": "Chuẩn bị nội dung họp giao ban",
            "assignee_user_id": "chuyenvien",
            "assigner": "giamdoc",
            "duration_working_days": 3,
            "source": "meeting",
            "product_weight": 3,
            "document_id": "VBD-2026-0300",
        },
        source="meetings",
    )
    created = await events.wait("task.created", count=3)
    asked = next(e for e in created if e["title"] == "Chuẩn bị nội dung họp giao ban")
    assert (asked["product_weight"], asked["document_id"]) == (3, "VBD-2026-0300")

    # -- a unit's task dispatched to an officer is a fact before it is done --
    unit_task = await new_task(api, "giamdoc", assignee_unit_id="TH", duration_working_days=4)
    r = await api.call(
        "POST", "truongphongth", f"/api/tasks/{unit_task['id']}/handover", json={"to_user_id": "chuyenvien"}
    )
    assert r.status_code == 200, r.text
    (dispatched,) = await events.wait("task.updated", unit_task["id"])
    assert dispatched["change"] == "dispatched" and dispatched["officer_id"] == "chuyenvien"
    assert dispatched["previous_officer_id"] is None and dispatched["updated_by"] == "truongphongth"
    r = await api.call(
        "POST", "chuyenvien", f"/api/tasks/{unit_task['id']}/handover", json={"to_user_id": "chuyenvien2"}
    )
    assert r.status_code == 200
    handed = (await events.wait("task.updated", unit_task["id"], count=2))[-1]
    assert (handed["change"], handed["officer_id"], handed["previous_officer_id"]) == (
        "handed_over",
        "chuyenvien2",
        "chuyenvien",
    )

    # -- a document's tasks: the unit's task, its dispatch to the lead officer, the sub-task --
    doc = "VBD-2026-0301"
    deadline = default_calendar().add_working_days(today(), 6).isoformat()
    await hub.publish(
        "document.assigned",
        {
            "document_id": doc,
            "subject": "Thẩm định hồ sơ dự án khu nhà ở xã hội",
            "priority": "Thường",
            "lead_unit_id": "DNDT",
            "coordinating_unit_ids": [],
            "deadline": deadline,
            "instruction": "Phòng ĐKĐT chủ trì.",
            "assigned_by": "phogiamdoc",
            "so_den": 301,
        },
        source="documents",
        issue=doc,
    )

    async def unit_task_opened() -> bool:
        async with hub.db.session() as s:
            return bool(await s.scalar(select(Task.id).where(Task.document_id == doc)))

    assert await wait_for(unit_task_opened, timeout=WAIT)
    await hub.publish(
        "document.handler_assigned",
        {
            "document_id": doc,
            "subject": "Thẩm định hồ sơ dự án khu nhà ở xã hội",
            "priority": "Thường",
            "unit_id": "DNDT",
            "officer_ids": ["chuyenvien2", "truongphongdt"],
            "lead_officer_id": "chuyenvien2",
            "deadline": deadline,
            "assigned_by": "truongphongdt",
        },
        source="documents",
        issue=doc,
    )
    created = await events.wait("task.created", count=6)
    of_doc = [e for e in created if e["document_id"] == doc]
    assert len(of_doc) == 2 and all(e["product_weight"] == 1 for e in of_doc)
    lead_task = next(e for e in of_doc if e["parent_task_id"] is None)
    (doc_dispatch,) = await events.wait("task.updated", lead_task["task_id"])
    assert (doc_dispatch["change"], doc_dispatch["officer_id"], doc_dispatch["document_id"]) == (
        "dispatched",
        "chuyenvien2",
        doc,
    )

    # -- the late task: overdue at once, urged, its delay explained and confirmed, completed, judged --
    await events.wait("task.overdue", late["id"])
    r = await api.call(
        "POST",
        "giamdoc",
        f"/api/tasks/{late['id']}/urgings",
        json={"kind": "criticism", "note": "Chậm 2 ngày"},
    )
    assert r.status_code == 201 and r.json()["kind_label"] == "Phê bình"
    (urged,) = await events.wait("task.urged", late["id"])
    assert (urged["kind"], urged["urged_user_id"], urged["urged_by"]) == (
        "criticism",
        "chuyenvien",
        "giamdoc",
    )
    reason = "Chờ số liệu của Cục Thống kê, đã có công văn đề nghị"
    r = await api.call("POST", "chuyenvien", f"/api/tasks/{late['id']}/delay-cause", json={"reason": reason})
    assert r.status_code == 201 and r.json()["status_label"] == "Chờ xác nhận"
    r = await api.call(
        "POST", "giamdoc", f"/api/tasks/{late['id']}/delay-cause/decision", json={"confirm": True}
    )
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    assert (await api.call("POST", "chuyenvien", f"/api/tasks/{late['id']}/complete")).status_code == 200
    (done,) = await events.wait("task.completed", late["id"])
    assert done["on_time"] is False and done["product_weight"] == 2.5
    assert done["delay_cause"] == {"reason": reason, "confirmed_by": "giamdoc"}
    assert done["quality_errors"] is None  # judged later, by the assigner
    r = await api.call(
        "POST",
        "giamdoc",
        f"/api/tasks/{late['id']}/assessment",
        json={"quality_errors": 1, "quality_errors_excused": 1, "excused_reason": "Số liệu nguồn bị sai"},
    )
    assert r.status_code == 201, r.text
    (judged,) = await events.wait("task.product_assessed", late["id"])
    assert (judged["quality_errors"], judged["quality_errors_excused"]) == (1, 1)
    assert judged["assessed_by"] == "giamdoc" and judged["officer_id"] == "chuyenvien"
    assert judged["delay_cause"] == {"reason": reason, "confirmed_by": "giamdoc"}
    assert judged["product_weight"] == 2.5

    # -- the document done: its tasks complete with the document and their weight --
    await hub.publish(
        "document.completed",
        {
            "document_id": doc,
            "officer_id": "chuyenvien2",
            "at": (datetime.now(LOCAL_TZ) - timedelta(minutes=1)).isoformat(),
            "completed_on_time": True,
        },
        source="documents",
        issue=doc,
    )
    completed = await events.wait("task.completed", count=3)
    assert {e["document_id"] for e in completed if e["task_id"] != late["id"]} == {doc}

    # -- every fact of every task carries the weight; a document's carry the document --
    await events.wait("task.escalated", late["id"])
    seen = [e for e in await events.tap.drain() if e["type"] in TASK_FACTS]
    assert {e["type"] for e in seen} == TASK_FACTS
    for e in seen:
        assert e["payload"]["product_weight"] is not None, e
        assert "document_id" in e["payload"], e
    doc_task_ids = {e["task_id"] for e in of_doc}
    assert all(e["payload"]["document_id"] == doc for e in seen if e["payload"]["task_id"] in doc_task_ids)
    await events.tap.close()
    await api.close()


async def _counts(hub: Hub) -> tuple[int, int, int, list[tuple[str, float, str]]]:
    """What a refusal must leave alone: causes, judgements, urgings, each task's weight and state."""
    async with hub.db.session() as s:
        causes = int(await s.scalar(select(func.count()).select_from(TaskDelayCause)) or 0)
        judged = int(await s.scalar(select(func.count()).select_from(TaskAssessment)) or 0)
        urged = int(await s.scalar(select(func.count()).select_from(TaskUrging)) or 0)
        tasks = [
            (t.id, t.product_weight, t.state)
            for t in (await s.execute(select(Task).order_by(Task.id))).scalars()
        ]
    return causes, judged, urged, tasks


OUTSIDERS = ("truongphongdt", "chuyenvien2")  # another unit's head and officer: the task is not theirs to see


async def test_only_the_assigner_or_the_unit_head_judges_and_outsiders_change_nothing(
    module_hub: StartHub,
) -> None:
    hub = await module_hub([TasksModule()], ["handlers.tasks"])
    api = Api(hub)
    task = await new_task(api, "giamdoc", assignee_user_id="chuyenvien", deadline=days_ago(1))
    tid = task["id"]
    url = f"/api/tasks/{tid}"

    # the officer of another unit neither reads nor changes it; the head of another unit does not judge
    before = await _counts(hub)
    outsider_calls = [
        ("GET", url, None),
        ("PUT", f"{url}/weight", {"product_weight": 5}),
        ("POST", f"{url}/delay-cause", {"reason": "Không phải việc của tôi"}),
        ("POST", f"{url}/urgings", {"kind": "reminder"}),
        ("POST", f"{url}/complete", None),
    ]
    for method, path, body in outsider_calls:
        r = await api.call(method, "chuyenvien2", path, json=body)
        assert r.status_code == 404 and r.json()["detail"], (path, r.text)  # not hers: as if not there
    for user in ("truongphongdt", "chuyenvien2"):
        r = await api.call("POST", user, f"{url}/urgings", json={"kind": "criticism"})
        assert r.status_code == 404, user
    missing = await api.call("POST", "giamdoc", "/api/tasks/khong-co/assessment", json={"quality_errors": 0})
    assert missing.status_code == 404 and "Không tìm thấy" in missing.json()["detail"]
    assert await _counts(hub) == before

    # the officer explains; only the assigner or the unit's head decides, never the officer herself
    reason = {"reason": "Mất điện toàn khu vực hai ngày"}
    assert (await api.call("POST", "chuyenvien", f"{url}/delay-cause", json=reason)).status_code == 201
    again = await api.call("POST", "chuyenvien", f"{url}/delay-cause", json=reason)
    assert again.status_code == 409 and "chờ người giao xác nhận" in again.json()["detail"]
    before = await _counts(hub)
    for user in ("chuyenvien", "truongphongdt", "phogiamdoc", "chuyenvien2"):
        r = await api.call("POST", user, f"{url}/delay-cause/decision", json={"confirm": True})
        assert r.status_code == (404 if user in OUTSIDERS else 403), user
    assert await _counts(hub) == before
    r = await api.call(
        "POST", "truongphongth", f"{url}/delay-cause/decision", json={"confirm": False, "note": "Có máy phát"}
    )
    assert r.status_code == 200 and r.json()["status_label"] == "Không được chấp nhận"
    # after a rejection the officer may explain again; the unit head's confirmation is final
    assert (await api.call("POST", "chuyenvien", f"{url}/delay-cause", json=reason)).status_code == 201

    # judging waits for completion, and is for the assigner or the unit's head only
    early = await api.call("POST", "giamdoc", f"{url}/assessment", json={"quality_errors": 0})
    assert early.status_code == 409 and "đã hoàn thành" in early.json()["detail"]
    assert (await api.call("POST", "chuyenvien", f"{url}/complete")).status_code == 200
    weight = await api.call("PUT", "giamdoc", f"{url}/weight", json={"product_weight": 2})
    assert weight.status_code == 409
    confirm_alone = await api.call("POST", "giamdoc", f"{url}/delay-cause/decision", json={"confirm": True})
    assert confirm_alone.status_code == 409 and "đánh giá chất lượng" in confirm_alone.json()["detail"]
    before = await _counts(hub)
    for user in ("chuyenvien", "truongphongdt", "phogiamdoc", "chuyenvien2"):
        r = await api.call("POST", user, f"{url}/assessment", json={"quality_errors": 0})
        assert r.status_code == (404 if user in OUTSIDERS else 403), user
    bad = await api.call(
        "POST", "giamdoc", f"{url}/assessment", json={"quality_errors": 0, "quality_errors_excused": 1}
    )
    assert bad.status_code == 422 and "nguyên nhân khách quan" in bad.json()["detail"]
    assert await _counts(hub) == before

    # the unit's head judges, deciding the pending reason with it; the outsider still reads nothing
    r = await api.call(
        "POST", "truongphongth", f"{url}/assessment", json={"quality_errors": 2, "confirm_delay_cause": True}
    )
    assert r.status_code == 201, r.text
    detail = (await api.call("GET", "giamdoc", url)).json()
    assert [c["status"] for c in detail["delay_causes"]] == ["rejected", "confirmed"]
    assert detail["assessments"][0]["quality_errors"] == 2 and detail["late"] is True
    assert detail["actions"]["judge"] is True and detail["actions"]["set_weight"] is False
    mine = (await api.call("GET", "chuyenvien", url)).json()["actions"]
    assert mine["judge"] is False and mine["give_delay_reason"] is False
    assert (await api.call("GET", "chuyenvien2", url)).status_code == 404
    await api.close()


async def test_urgings_are_typed_and_counted_per_person_in_the_reports(module_hub: StartHub) -> None:
    import io

    from openpyxl import load_workbook

    hub = await module_hub([TasksModule()], ["handlers.tasks"])
    api = Api(hub)
    mai = await new_task(api, "giamdoc", assignee_user_id="chuyenvien", duration_working_days=5)
    unit_task = await new_task(api, "giamdoc", assignee_unit_id="TH", duration_working_days=5)
    urgings = [
        ("giamdoc", mai["id"], "reminder", None),
        ("truongphongth", mai["id"], "reminder", "chuyenvien"),
        ("giamdoc", mai["id"], "criticism", "chuyenvien"),
        ("giamdoc", mai["id"], "self_criticism", "truongphongth"),  # the unit's head answers for it
        ("giamdoc", unit_task["id"], "reminder", None),  # not dispatched: its head is urged
    ]
    for by, tid, kind, whom in urgings:
        r = await api.call("POST", by, f"/api/tasks/{tid}/urgings", json={"kind": kind, "user_id": whom})
        assert r.status_code == 201, r.text
    wrong = await api.call(
        "POST",
        "giamdoc",
        f"/api/tasks/{mai['id']}/urgings",
        json={"kind": "reminder", "user_id": "chuyenvien2"},
    )
    assert wrong.status_code == 422 and "cán bộ xử lý hoặc trưởng đơn vị" in wrong.json()["detail"]
    unknown = await api.call("POST", "giamdoc", f"/api/tasks/{mai['id']}/urgings", json={"kind": "scold"})
    assert unknown.status_code == 422
    detail = (await api.call("GET", "chuyenvien", f"/api/tasks/{mai['id']}")).json()
    assert [u["kind_label"] for u in detail["urgings"]] == ["Tự phê bình", "Phê bình", "Nhắc nhở", "Nhắc nhở"]

    now = datetime.now(LOCAL_TZ)
    params = {"year": now.year, "month": now.month}
    page = (
        await api.call("GET", "truongphongth", "/api/tasks/reports/unit/TH/urgings", params=params)
    ).json()
    rows = {r["user_id"]: r for r in page["items"]}
    assert page["total"] == 2
    assert rows["chuyenvien"] == {
        "user_id": "chuyenvien",
        "full_name": "Vũ Thị Mai",
        "reminder": 2,
        "criticism": 1,
        "self_criticism": 0,
        "total": 3,
    }
    assert (rows["truongphongth"]["reminder"], rows["truongphongth"]["self_criticism"]) == (1, 1)
    for outsider in ("truongphongdt", "chuyenvien"):
        r = await api.call("GET", outsider, "/api/tasks/reports/unit/TH/urgings", params=params)
        assert r.status_code == 403, outsider
    before = dict(params, month=now.month - 1 or 12, year=now.year if now.month > 1 else now.year - 1)
    assert (await api.call("GET", "giamdoc", "/api/tasks/reports/unit/TH/urgings", params=before)).json()[
        "items"
    ] == []

    xlsx = await api.call("GET", "truongphongth", "/api/tasks/reports/unit/TH/monthly.xlsx", params=params)
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content))["Đôn đốc"]
    table = list(sheet.iter_rows(values_only=True))
    assert table[0] == ("Cán bộ", "Nhắc nhở", "Phê bình", "Tự phê bình", "Tổng số lần đôn đốc")
    assert ("Vũ Thị Mai", 2, 1, 0, 3) in table and ("Đỗ Quang Vinh", 1, 0, 1, 2) in table
    await api.close()

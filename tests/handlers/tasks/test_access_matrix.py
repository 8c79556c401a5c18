"""Work tracking's walls, endpoint by endpoint: every role of the task's unit (TH) and of another unit
(DNDT), a leader and the administrator, for every read and change of /api/tasks.

A task is seen by a leader, its officer, its assigner and the head of its unit; to anyone else it does
not exist (404, for a read and for a change alike, its reports' files included). Those who see it but
may not take a step are refused with a reason (403). Nothing changes after a refusal.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from handlers.tasks import TasksModule
from handlers.tasks.models import (
    Task,
    TaskAssessment,
    TaskDelayCause,
    TaskExtension,
    TaskHandover,
    TaskReport,
    TaskUrging,
)
from hub.runtime import Hub
from tests.handlers.timekeeping.harness import (
    CAST,
    Api,
    StartHub,
    add_cast,
    by_role,
    check_reads,
    check_refusals,
    everyone_but,
    only,
)

TS = "/api/tasks"
SEES = ("leader", "owner", "head")  # the assigner (a leader), the officer in charge, her unit's head
HIDDEN = everyone_but(*SEES, code=404)


async def state_of(hub: Hub) -> tuple[Any, ...]:
    """Everything a step on a task could touch."""
    async with hub.db.session() as s:
        tasks = [
            (t.id, t.state, t.assignee_user_id, t.unit_id, t.deadline, t.product_weight, t.progress)
            for t in (await s.execute(select(Task).order_by(Task.id))).scalars()
        ]
        counts = [
            int(await s.scalar(select(func.count()).select_from(table)) or 0)
            for table in (TaskReport, TaskHandover, TaskDelayCause, TaskAssessment, TaskUrging)
        ]
        extensions = [(e.id, e.status) for e in (await s.execute(select(TaskExtension))).scalars()]
    return tasks, counts, extensions


def refused_but_seen(*allowed: str) -> dict[str, int]:
    """Outsiders: 404; those who see the task but may not take the step: 403."""
    return {**HIDDEN, **by_role(**{r: 403 for r in SEES if r not in allowed})}


async def test_every_role_of_both_units_on_every_endpoint(module_hub: StartHub) -> None:
    hub = await module_hub([TasksModule()], ["handlers.tasks"])
    await add_cast(hub)
    api = Api(hub)

    async def state() -> tuple[Any, ...]:
        return await state_of(hub)

    try:
        new = {
            "title": "Tổng hợp báo cáo đầu tư công",
            "assignee_user_id": "chuyenvien",
            "duration_working_days": 10,
            "document_id": "VBD-2026-0001",
        }
        # only leaders and unit heads create tasks
        await check_refusals(api, "POST", TS, everyone_but("leader", "head", code=403), state, json=new)
        # a unit head gives tasks to their own unit and its staff only
        for body in (
            {**new, "assignee_user_id": "chuyenvien2"},
            {"title": "Việc phòng", "assignee_unit_id": "DNDT", "duration_working_days": 3},
        ):
            r = await api.call("POST", CAST["head"], TS, json=body)
            assert r.status_code == 403 and "đơn vị và cán bộ của mình" in r.json()["detail"], r.text
        theirs = {**new, "assignee_user_id": "chuyenvien2", "document_id": "VBD-2026-0002"}
        r = await api.call("POST", CAST["other_head"], TS, json=theirs)
        assert r.status_code == 201, r.text
        r = await api.call("POST", CAST["leader"], TS, json=new)
        assert r.status_code == 201, r.text
        tid = r.json()["id"]
        one = f"{TS}/{tid}"
        r = await api.call(
            "POST",
            CAST["owner"],
            f"{one}/reports",
            data={"text": "Đã có khung", "progress": "20"},
            files={"files": ("khung.pdf", b"%PDF-1.4 khung", "application/pdf")},
        )
        assert r.status_code == 201, r.text
        rid = (await api.call("GET", CAST["owner"], one)).json()["reports"][0]["id"]
        r = await api.call(
            "POST",
            CAST["owner"],
            f"{one}/extensions",
            json={"extra_working_days": 2, "reason": "Chờ số liệu"},
        )
        assert r.status_code == 201, r.text
        eid = r.json()["id"]

        # -- reads --------------------------------------------------------------------------------------
        for url in (one, f"{one}/reports/{rid}/attachments/0", f"{TS}/by-document/VBD-2026-0001"):
            await check_reads(api, url, HIDDEN)
            await check_reads(api, url, only(*SEES, code=200))
        for role, user in CAST.items():
            mine = (await api.call("GET", user, TS, params={"scope": "mine"})).json()["items"]
            assert (tid in [t["id"] for t in mine]) == (role == "owner"), role
            unit = await api.call("GET", user, TS, params={"scope": "unit"})
            if role in ("leader", "head", "other_head"):
                assert (tid in [t["id"] for t in unit.json()["items"]]) == (role == "head"), role
            else:
                assert unit.status_code == 403, role
        boards = {
            f"{TS}/dashboard/officer/chuyenvien": SEES,
            f"{TS}/dashboard/unit/TH": ("leader", "head"),
            f"{TS}/dashboard/leader/giamdoc": ("leader",),
            f"{TS}/reports/unit/TH/monthly.xlsx?year=2026&month=12": ("leader", "head"),
            f"{TS}/reports/unit/TH/urgings?year=2026&month=12": ("leader", "head"),
        }
        for url, readers in boards.items():
            await check_reads(api, url, everyone_but(*readers, code=403))
            await check_reads(api, url, only(*readers, code=200))

        # -- steps on the task --------------------------------------------------------------------------
        working = ("leader", "owner", "head")  # the officer in charge or someone who manages the task
        sub = {"title": "Số liệu quận", "assignee_user_id": "chuyenvien", "duration_working_days": 2}
        steps: list[tuple[str, str, dict[str, int], dict[str, Any]]] = [
            ("POST", f"{one}/subtasks", refused_but_seen(*working), {"json": sub}),
            ("POST", f"{one}/start", refused_but_seen(*working), {}),
            ("POST", f"{one}/complete", refused_but_seen(*working), {}),
            ("POST", f"{one}/handover", refused_but_seen(*working), {"json": {"to_user_id": "cvth2"}}),
            ("POST", f"{one}/reports", refused_but_seen(*working), {"data": {"text": "x", "progress": "30"}}),
            (
                "POST",
                f"{one}/extensions",
                refused_but_seen("owner"),
                {"json": {"extra_working_days": 1, "reason": "x"}},
            ),
            (
                "POST",
                f"{one}/extensions/{eid}/decision",
                refused_but_seen("leader"),
                {"json": {"approve": True}},
            ),
            ("PUT", f"{one}/weight", refused_but_seen("leader"), {"json": {"product_weight": 2}}),
            ("POST", f"{one}/delay-cause", refused_but_seen("owner"), {"json": {"reason": "x"}}),
            (
                "POST",
                f"{one}/delay-cause/decision",
                refused_but_seen("leader", "head"),
                {"json": {"confirm": True}},
            ),
            (
                "POST",
                f"{one}/assessment",
                refused_but_seen("leader", "head"),
                {"json": {"quality_errors": 0}},
            ),
            ("POST", f"{one}/urgings", refused_but_seen("leader", "head"), {"json": {"kind": "reminder"}}),
        ]
        for method, url, expected, kw in steps:
            await check_refusals(api, method, url, expected, state, **kw)

        # the steps go through for those entitled
        r = await api.call("POST", CAST["leader"], f"{one}/extensions/{eid}/decision", json={"approve": True})
        assert r.status_code == 200, r.text
        r = await api.call(
            "POST", CAST["head"], f"{one}/urgings", json={"kind": "reminder", "note": "Khẩn trương"}
        )
        assert r.status_code == 201, r.text
        r = await api.call("POST", CAST["head"], f"{one}/handover", json={"to_user_id": "cvth2"})
        assert r.status_code == 200, r.text
        # handed over: the former officer no longer sees it, the new one does
        assert (await api.call("GET", CAST["owner"], one)).status_code == 404
        assert (await api.call("GET", CAST["peer"], one)).status_code == 200
        assert (await api.call("POST", CAST["peer"], f"{one}/complete")).status_code == 200
    finally:
        await api.close()

"""Evaluation's walls, endpoint by endpoint: every role of the subject's unit (TH) and of another unit
(DNDT), a leader and the administrator, for every read and change of /api/evaluation.

An officer sees her own assessment; a unit head their unit's staff; a leader everything; a clerk
nothing beyond their own. The results sheet holds only what its reader may see. Refusals answer 403
or 404 with a Vietnamese reason and change nothing.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import func, select

from handlers.evaluation import EvaluationModule
from handlers.evaluation.models import Assessment, Cycle, PeriodUnit, QuotaRule, Staff, UnitCycles
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
)

EV = "/api/evaluation"
MONTH = {"kind": "month", "year": 2026, "number": 9}
TH_STAFF = {"chuyenvien", "cvth2", "vanthuth"}
DNDT_STAFF = {"chuyenvien2", "vanthudt"}


async def state_of(hub: Hub) -> tuple[Any, ...]:
    """Everything an evaluation change could touch."""
    async with hub.db.session() as s:
        cycles = [(c.id, c.status) for c in (await s.execute(select(Cycle).order_by(Cycle.id))).scalars()]
        units = int(await s.scalar(select(func.count()).select_from(PeriodUnit)) or 0)
        marks = [
            (a.cycle_id, a.user_id, a.general_points, a.review_level, a.confirmed_at, a.final_level, a.scheme)
            for a in (await s.execute(select(Assessment).order_by(Assessment.user_id))).scalars()
        ]
        staff = [(x.user_id, x.kind) for x in (await s.execute(select(Staff))).scalars()]
        quota = [(x.unit_id, x.max_excellent_share) for x in (await s.execute(select(QuotaRule))).scalars()]
        kinds = [(x.unit_id, x.kinds) for x in (await s.execute(select(UnitCycles))).scalars()]
    return cycles, units, marks, staff, quota, kinds


def names_in(xlsx: bytes) -> set[str]:
    """Every text cell of the workbook's first sheet (the results per person)."""
    ws = load_workbook(BytesIO(xlsx)).worksheets[0]
    return {str(c) for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)}


async def test_every_role_of_both_units_on_every_endpoint(module_hub: StartHub) -> None:
    hub = await module_hub([EvaluationModule()], ["handlers.evaluation"])
    await add_cast(hub)
    api = Api(hub)

    async def state() -> tuple[Any, ...]:
        return await state_of(hub)

    try:
        # -- opening a unit's period: its head (or a leader) only --------------------------------------
        for_th = {**MONTH, "unit_id": "TH"}
        await check_refusals(
            api, "POST", f"{EV}/periods", everyone_but("head", "leader", code=403), state, json=for_th
        )
        opened = await api.call("POST", CAST["head"], f"{EV}/periods", json=MONTH)
        assert opened.status_code == 201, opened.text
        cid = opened.json()["cycle_id"]
        assert (await api.call("POST", CAST["other_head"], f"{EV}/periods", json=MONTH)).status_code == 201

        # -- reads: one's own; the unit head their unit; the leader all; a clerk only their own ----------
        for role, user in CAST.items():
            mine = await api.call("GET", user, f"{EV}/mine")
            assert mine.status_code == 200
            assert {x["assessment"]["user_id"] for x in mine.json()["items"]} <= {user}, role
            detail = await api.call("GET", user, f"{EV}/cycles/{cid}")
            assert detail.status_code == 200
            seen = {x["user_id"] for x in detail.json()["assessments"]}
            wanted = {
                "leader": TH_STAFF | DNDT_STAFF | {"truongphongth", "truongphongdt"},
                "head": TH_STAFF | {"truongphongth"},
                "other_head": DNDT_STAFF | {"truongphongdt"},
                "admin": set(),
            }.get(role, {user})
            assert seen == wanted, role
            assert (await api.call("GET", user, f"{EV}/cycles")).status_code == 200
            quota = await api.call("GET", user, f"{EV}/cycles/{cid}/quota")
            assert quota.status_code == 200
            visible_units = {"leader": {"TH", "DNDT"}, "head": {"TH"}, "other_head": {"DNDT"}}.get(
                role, set()
            )
            assert {w["unit_id"] for w in quota.json()["items"]} <= visible_units, role

        her = f"{EV}/cycles/{cid}/assessments/chuyenvien"
        await check_reads(api, her, everyone_but("owner", "head", "leader", code=404))
        answers = await check_reads(api, her, by_role(owner=200, head=200, leader=200))
        assert {r.json()["user_id"] for r in answers.values()} == {"chuyenvien"}

        board = f"{EV}/cycles/{cid}/units/TH"
        year = f"{EV}/years/2026/units/TH"
        for url in (board, year):
            await check_reads(api, url, everyone_but("head", "leader", code=403))
            await check_reads(api, url, by_role(head=200, leader=200))
        rows = (await api.call("GET", CAST["head"], board)).json()["rows"]
        assert {r["user_id"] for r in rows} == TH_STAFF
        for url in (f"{EV}/cycles/{cid}/managers", f"{EV}/cycles/{cid}/department"):
            await check_reads(api, url, everyone_but("leader", code=403))
            await check_reads(api, url, by_role(leader=200))

        # the results sheet: the leader's holds the department, a unit head's their unit, nobody else's
        results = f"{EV}/cycles/{cid}/results.xlsx"
        await check_reads(api, results, everyone_but("head", "other_head", "leader", code=403))
        sheets = await check_reads(api, results, by_role(head=200, other_head=200, leader=200))
        assert {"Vũ Thị Mai", "Hoàng Văn Nam"} <= names_in(sheets[CAST["leader"]].content)
        th_sheet = names_in(sheets[CAST["head"]].content)
        assert "Vũ Thị Mai" in th_sheet and "Hoàng Văn Nam" not in th_sheet
        dndt_sheet = names_in(sheets[CAST["other_head"]].content)
        assert "Hoàng Văn Nam" in dndt_sheet and "Vũ Thị Mai" not in dndt_sheet

        # -- changes on the unit's board: its head or a leader -------------------------------------------
        marks = {"items": [{"user_id": "chuyenvien", "general_points": 27}]}
        markers = ("head", "leader")
        await check_refusals(
            api, "POST", f"{board}/scores", everyone_but(*markers, code=403), state, json=marks
        )
        await check_refusals(api, "POST", f"{board}/confirm", everyone_but(*markers, code=403), state)
        managers = f"{EV}/cycles/{cid}/managers"
        head_marks = {"items": [{"user_id": "truongphongth", "general_points": 26}]}
        await check_refusals(
            api, "POST", f"{managers}/scores", everyone_but("leader", code=403), state, json=head_marks
        )
        await check_refusals(api, "POST", f"{managers}/confirm", everyone_but("leader", code=403), state)
        # a civil servant is not reviewed by level: outsiders are told it does not exist, she may not
        review = {"level": "tot", "summary": "Tốt"}
        await check_refusals(
            api,
            "POST",
            f"{her}/review",
            {**everyone_but("owner", "head", "leader", code=404), **by_role(owner=403)},
            state,
            json=review,
        )
        for role in markers:
            assert (await api.call("POST", CAST[role], f"{her}/review", json=review)).status_code == 409

        # -- the department's settings and decisions: leaders only ------------------------------------
        leader_only = everyone_but("leader", code=403)
        await check_refusals(
            api, "PUT", f"{EV}/staff/chuyenvien", leader_only, state, json={"kind": "vien_chuc"}
        )
        quota_rule = {"unit_id": "TH", "max_excellent_share": 0.5}
        await check_refusals(api, "PUT", f"{EV}/quota", leader_only, state, json=quota_rule)
        await check_refusals(
            api, "PUT", f"{EV}/units/TH/cycles", leader_only, state, json={"kinds": ["month"]}
        )
        year_cycle = {
            "name": "Năm 2026",
            "kind": "year",
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
        }
        await check_refusals(api, "POST", f"{EV}/cycles", leader_only, state, json=year_cycle)
        await check_refusals(api, "POST", f"{EV}/cycles/{cid}/decide", leader_only, state, json={})

        # the allowed changes go through
        everyone = {  # no products reported: the task points are entered with a reason
            "items": [
                {"user_id": u, "general_points": 27, "task_points": 60, "task_note": "Theo báo cáo công việc"}
                for u in sorted(TH_STAFF)
            ]
        }
        r = await api.call("POST", CAST["head"], f"{board}/scores", json=everyone)
        assert r.status_code == 200, r.text
        confirmed = await api.call("POST", CAST["head"], f"{board}/confirm")
        assert confirmed.status_code == 200, confirmed.text
        r = await api.call("POST", CAST["leader"], f"{managers}/scores", json=head_marks)
        assert r.status_code == 200, r.text
        leader = CAST["leader"]
        assert (await api.call("PUT", leader, f"{EV}/quota", json=quota_rule)).status_code == 200
        assert (
            await api.call("PUT", leader, f"{EV}/units/TH/cycles", json={"kinds": ["month"]})
        ).status_code == 200
        r = await api.call("PUT", leader, f"{EV}/staff/cvth2", json={"kind": "vien_chuc"})
        assert r.status_code == 200, r.text
    finally:
        await api.close()

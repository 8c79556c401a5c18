"""Timekeeping's walls, endpoint by endpoint: every role of the subject's unit (TH) and of another unit
(DNDT), a leader and the administrator, for every read and change of /api/timekeeping.

The subject is Vũ Thị Mai ("chuyenvien", an officer of TH). A refusal answers 403 or 404 with a
Vietnamese reason and changes nothing; device codes are mapped by the administrator only, audited.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from handlers.timekeeping import TimekeepingModule
from handlers.timekeeping.models import ClosedMonth, Correction, Enrolment, Leave, ShiftRule
from hub.models import AuditEntry, OutboxEntry
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

TK = "/api/timekeeping"
MONTH = "2026-09"
# who sees the subject's month and leave: herself, her unit's head, a leader and the clerks
SEES_HER = ("owner", "head", "leader", "clerk", "other_clerk")
# who sees the unit's timesheet: its head, a leader and the clerks
SEES_SHEET = ("head", "leader", "clerk", "other_clerk")


async def table_state(hub: Hub) -> tuple[Any, ...]:
    """Everything a timekeeping change could touch."""
    async with hub.db.session() as s:
        leaves = [
            (x.id, x.status, x.decided_by)
            for x in (await s.execute(select(Leave).order_by(Leave.id))).scalars()
        ]
        enrolments = [(x.code, x.user_id) for x in (await s.execute(select(Enrolment))).scalars()]
        rules = [(x.unit_id, x.rule) for x in (await s.execute(select(ShiftRule))).scalars()]
        fixes = [(x.user_id, x.day, x.symbol) for x in (await s.execute(select(Correction))).scalars()]
        closed = [(x.unit_id, x.month) for x in (await s.execute(select(ClosedMonth))).scalars()]
        audit = await s.scalar(select(func.count()).select_from(AuditEntry))
        outbox = await s.scalar(select(func.count()).select_from(OutboxEntry))
    return leaves, enrolments, rules, fixes, closed, audit, outbox


async def new_leave(api: Api, start: str) -> str:
    """A pending leave of the subject, filed by herself."""
    r = await api.call(
        "POST",
        CAST["owner"],
        f"{TK}/leaves",
        json={"kind": "annual", "start": start, "end": start, "reason": "Việc gia đình"},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_every_role_of_both_units_on_every_endpoint(module_hub: StartHub) -> None:
    hub = await module_hub([TimekeepingModule()], ["handlers.timekeeping"])
    await add_cast(hub)
    api = Api(hub)

    async def state() -> tuple[Any, ...]:
        return await table_state(hub)

    try:
        leave = await new_leave(api, "2030-12-02")

        # -- reads ------------------------------------------------------------------------------------
        await check_reads(api, f"{TK}/people/chuyenvien/{MONTH}", everyone_but(*SEES_HER, code=404))
        seen = await check_reads(api, f"{TK}/people/chuyenvien/{MONTH}", only(*SEES_HER, code=200))
        assert all(r.json()["user_id"] == "chuyenvien" for r in seen.values())
        for url in (
            f"{TK}/timesheets/TH/{MONTH}",
            f"{TK}/timesheets/TH/{MONTH}/xlsx",
            f"{TK}/stats/TH/{MONTH}",
        ):
            await check_reads(api, url, everyone_but(*SEES_SHEET, code=403))
            await check_reads(api, url, only(*SEES_SHEET, code=200))
        await check_reads(api, f"{TK}/leaves/{leave}", everyone_but(*SEES_HER, code=404))
        await check_reads(api, f"{TK}/leaves/{leave}", only(*SEES_HER, code=200))
        for role, user in CAST.items():
            listed = await api.call("GET", user, f"{TK}/leaves")
            assert listed.status_code == 200
            assert (leave in [x["id"] for x in listed.json()["items"]]) == (role in SEES_HER), role
        await check_reads(api, f"{TK}/rules/TH", dict.fromkeys(CAST.values(), 200))

        # -- device codes: the administrator's change, audited -------------------------------------------
        enrol = {"code": "7001", "user_id": "chuyenvien"}
        await check_refusals(
            api, "PUT", f"{TK}/enrolments", everyone_but("admin", code=403), state, json=enrol
        )
        assert (await api.call("PUT", CAST["admin"], f"{TK}/enrolments", json=enrol)).status_code == 200
        moved = {"code": "7001", "user_id": "cvth2"}
        await check_refusals(
            api, "PUT", f"{TK}/enrolments", everyone_but("admin", code=403), state, json=moved
        )
        assert (await api.call("PUT", CAST["admin"], f"{TK}/enrolments", json=moved)).status_code == 200
        async with hub.db.session() as s:
            rows = (
                await s.execute(
                    select(AuditEntry).where(AuditEntry.target == "tk_enrolment:7001").order_by(AuditEntry.id)
                )
            ).scalars()
            trail = [(a.actor, a.action, a.detail) for a in rows]
        assert trail == [
            ("quantri", "timekeeping.enrolment_set", {"before": None, "after": "chuyenvien"}),
            ("quantri", "timekeeping.enrolment_set", {"before": "chuyenvien", "after": "cvth2"}),
        ]

        # -- kiosk punches: the kiosk's clerk account or the administrator -----------------------------
        punch = {"employee_code": "chuyenvien", "direction": "in"}
        kiosks = ("clerk", "other_clerk", "admin")
        await check_refusals(api, "POST", f"{TK}/kiosk", everyone_but(*kiosks, code=403), state, json=punch)
        for role in kiosks:
            assert (await api.call("POST", CAST[role], f"{TK}/kiosk", json=punch)).status_code == 202

        # -- leave filed for her: herself, her unit's head, a leader, a clerk ---------------------------
        ask = {"kind": "annual", "start": "2030-12-09", "end": "2030-12-09", "user_id": "chuyenvien"}
        files = ("owner", "head", "leader", "clerk", "other_clerk")
        await check_refusals(api, "POST", f"{TK}/leaves", everyone_but(*files, code=403), state, json=ask)
        for role in files:
            assert (await api.call("POST", CAST[role], f"{TK}/leaves", json=ask)).status_code == 201, role

        # -- approve / reject: her unit's head or a leader; refusals leave the request pending ----------
        not_deciders = {
            **by_role(owner=403, clerk=403, other_clerk=403),
            **by_role(peer=404, other_head=404, other_officer=404, admin=404),
        }
        for action in ("approve", "reject"):
            await check_refusals(
                api, "POST", f"{TK}/leaves/{leave}/{action}", not_deciders, state, json={"note": "x"}
            )
        for role, action in (("head", "approve"), ("leader", "reject")):
            fresh = await new_leave(api, "2030-12-16" if role == "head" else "2030-12-17")
            r = await api.call("POST", CAST[role], f"{TK}/leaves/{fresh}/{action}", json={})
            assert r.status_code == 200, (role, r.text)

        # -- cancel: herself, or a manager of her unit --------------------------------------------------
        not_cancellers = {
            **by_role(clerk=403, other_clerk=403),
            **by_role(peer=404, other_head=404, other_officer=404, admin=404),
        }
        await check_refusals(api, "POST", f"{TK}/leaves/{leave}/cancel", not_cancellers, state, json={})
        for n, role in enumerate(("owner", "head", "leader")):
            fresh = await new_leave(api, f"2031-01-0{n + 6}")
            r = await api.call("POST", CAST[role], f"{TK}/leaves/{fresh}/cancel", json={})
            assert r.status_code == 200, (role, r.text)

        # -- corrections, shift rules, closing the month: her unit's head or a leader ------------------
        fix = {"user_id": "chuyenvien", "day": "2026-09-15", "symbol": "CT", "reason": "Đi công tác"}
        managers = ("head", "leader")
        await check_refusals(
            api, "POST", f"{TK}/corrections", everyone_but(*managers, code=403), state, json=fix
        )
        rule = (await api.call("GET", CAST["head"], f"{TK}/rules/TH")).json()
        await check_refusals(
            api, "PUT", f"{TK}/rules/TH", everyone_but(*managers, code=403), state, json=rule
        )
        close = f"{TK}/timesheets/TH/{MONTH}/close"
        await check_refusals(api, "POST", close, everyone_but(*managers, code=403), state)
        for role in managers:
            assert (await api.call("POST", CAST[role], f"{TK}/corrections", json=fix)).status_code == 201
            assert (await api.call("PUT", CAST[role], f"{TK}/rules/TH", json=rule)).status_code == 200
            assert (await api.call("POST", CAST[role], close)).status_code == 200
        # the other unit's head manages only DNDT
        other_fix = {**fix, "user_id": "chuyenvien2"}
        assert (
            await api.call("POST", CAST["other_head"], f"{TK}/corrections", json=other_fix)
        ).status_code == 201
    finally:
        await api.close()

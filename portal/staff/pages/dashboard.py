"""Overdue work by unit (leaders: every unit; unit heads: their own): tasks and late documents."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hub.orgchart import LEADER
from portal.staff.client import Answer, Api
from portal.staff.kit import Who, db_of, render, state_of
from portal.staff.people import Acting, chart

router = APIRouter(prefix="/staff", include_in_schema=False)
BOARD = "BGD"  # the board of directors: a leaders' unit, not one that handles work


def _work_units(who: Acting, units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if who.has(LEADER):
        return [u for u in units if u["id"] != BOARD]
    return [u for u in units if u["id"] == who.principal.unit_id]


def _boards_state(boards: list[Answer]) -> str:
    """ok when any unit's dashboard answered; else how the first one failed."""
    if any(b.ok for b in boards):
        return "ok"
    return state_of(boards[0]) if boards else "missing"


@router.get("/tong-hop", response_class=HTMLResponse)
async def dashboard(request: Request, who: Who) -> HTMLResponse:
    """Overdue work by unit: tasks (tasks module dashboards) and documents past their deadline."""
    units, users = await chart(db_of(request))
    work_units = _work_units(who, units)
    async with Api(request) as api:
        boards = await api.many(*(f"/tasks/dashboard/unit/{u['id']}" for u in work_units))
        overdue = await api.get("/documents", deadline_status="overdue", limit=200)
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for d in overdue.items:
        by_unit.setdefault(d.get("lead_unit_id") or "—", []).append(d)
    rows = [
        {"unit": u, **(b.data if b.ok and isinstance(b.data, dict) else {})}
        for u, b in zip(work_units, boards, strict=True)
    ]
    return render(
        request,
        "dashboard.html",
        who,
        title="Tổng hợp công việc quá hạn theo đơn vị",
        rows=rows,
        state=_boards_state(boards),
        error=boards[0].error if boards and not boards[0].ok else "",
        overdue=by_unit,
        unit_names={u["id"]: u["name"] for u in units},
        names={u["id"]: u["full_name"] for u in users},
    )

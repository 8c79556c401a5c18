"""The home page: counts of the person's work, each linking to its list, then the work by role (clerk's
queue, leader's decisions, officer's files, requests for opinions)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hub.orgchart import CLERK, LEADER, OFFICER, UNIT_HEAD
from portal.staff.client import Api
from portal.staff.kit import WHOLE, Who, current_approver, monday, render, state_of
from portal.staff.people import Acting

router = APIRouter(prefix="/staff", include_in_schema=False)
Sections = dict[str, Any]


async def _clerk(api: Api, sections: Sections) -> None:
    """Incoming documents to register, approved (or failed) drafts to issue, what the axes refused."""
    queue, approved, failed, refused = await api.many(
        "/documents?direction=in&status=received&limit=100",
        "/documents?direction=out&status=approved&limit=100",
        "/documents?direction=out&status=issue_failed&limit=100",
        "/documents/incoming/refused?days=7&limit=20",
    )
    sections["queue"] = queue.items
    sections["to_issue"] = approved.items + failed.items
    sections["queue_total"] = queue.total
    sections["to_issue_total"] = approved.total + failed.total
    sections["refused"] = refused.items
    sections["refused_total"] = refused.total


async def _leader(api: Api, who: Acting, sections: Sections) -> None:
    """Documents awaiting an instruction, drafts awaiting this leader, the week's meetings."""
    waiting, drafts = await api.many(
        "/documents?direction=in&status=registered&limit=100",
        "/documents?direction=out&status=pending_approval&limit=100",
    )
    sections["to_assign"] = waiting.items
    sections["to_assign_total"] = waiting.total
    sections["to_approve"] = [d for d in drafts.items if current_approver(d) == who.principal.id]
    week = await api.get("/meetings", week=monday("").isoformat(), limit=WHOLE)
    sections["week"] = week.items
    sections["week_state"] = state_of(week)


async def _tasks(api: Api, sections: Sections) -> None:
    tasks = await api.get("/tasks", scope="mine", limit=WHOLE)
    sections["tasks"] = tasks.items
    sections["tasks_state"] = state_of(tasks)


async def _officer(api: Api, who: Acting, sections: Sections) -> None:
    """Documents being handled, own drafts; a unit head also sees the drafts awaiting them."""
    mine = await api.get("/documents", direction="in", limit=50)
    sections["my_docs"] = [d for d in mine.items if d["status"] in ("assigned", "processing")]
    drafts_out = await api.get("/documents", direction="out", limit=50)
    sections["my_drafts"] = [
        d for d in drafts_out.items if d["status"] in ("draft", "returned", "pending_approval")
    ]
    if who.has(UNIT_HEAD):
        sections["to_approve"] = [
            d
            for d in drafts_out.items
            if d["status"] == "pending_approval" and current_approver(d) == who.principal.id
        ]


async def _addressed(api: Api, sections: Sections) -> None:
    """Documents of the agency issued to the person or their unit (internal delivery), newest first."""
    sent = await api.get("/documents", addressed="true", status="issued", limit=20)
    sections["addressed"] = sent.items
    sections["addressed_state"] = state_of(sent)


async def _opinions(api: Api, sections: Sections) -> None:
    """Requests for the person's opinion not answered yet, soonest deadline first."""
    waiting = await api.get("/documents/opinions/waiting")
    sections["opinions"] = waiting.data if waiting.ok and isinstance(waiting.data, list) else []


LIST = "/staff/van-ban"


def _tile(label: str, count: int, href: str, *, urgent: bool = False) -> dict[str, Any]:
    return {"label": label, "count": count, "href": href, "urgent": urgent and count > 0}


async def _desk_counts(api: Api) -> list[dict[str, Any]]:
    """What came in at the desks the clerk keeps: new one-stop dossiers and citizens' new cases (each
    only when its module is there and the clerk may list it), and the work dossiers due for the archive."""
    dossiers, cases, archive = await api.many(
        "/intake/dossiers?status=received&limit=1",
        "/complaints/cases?status=received&limit=1",
        "/documents/dossiers?transfer=true&limit=1",
    )
    found = []
    if archive.ok:  # Decree 30 App. VI I.III.5.b: warned 30 days before the transfer is due
        found.append(
            _tile("Hồ sơ đến hạn nộp lưu", archive.total, "/staff/ho-so?nop_luu=1", urgent=archive.total > 0)
        )
    if dossiers.ok:
        found.append(_tile("Hồ sơ một cửa mới", dossiers.total, "/staff/mot-cua?status=received"))
    if cases.ok:
        found.append(_tile("Đơn thư mới tiếp nhận", cases.total, "/staff/khieu-nai?status=received"))
    return found


async def _meetings_to_review(api: Api) -> list[dict[str, Any]]:
    """For the office (leaders, the Văn phòng's head and clerks): the meetings registered for this week
    and the next that wait for its review, linking to the first week that has some."""
    this = monday("")
    weeks = [this, this + timedelta(days=7)]
    answers = await api.many(*(f"/meetings/weeks/{w.isoformat()}" for w in weeks))
    states = [a.data for a in answers if a.ok and isinstance(a.data, dict)]
    if len(states) != len(weeks) or not states[0].get("office"):
        return []
    waiting = [int(s.get("registered") or 0) for s in states]
    first = next((w for w, n in zip(weeks, waiting, strict=True) if n), this)
    return [_tile("Lịch chờ duyệt", sum(waiting), f"/staff/lich-hop?week={first.isoformat()}#h-wait")]


async def _counts(api: Api, who: Acting, sections: Sections) -> list[dict[str, Any]]:
    """What waits for this person, counted (the totals of the lists the tiles link to)."""
    overdue, today, week = await api.many(
        "/documents?direction=in&deadline_status=overdue&limit=1",
        "/documents?direction=in&deadline_status=due_today&limit=1",
        "/documents?direction=in&deadline_status=due_this_week&limit=1",
    )
    tiles = []
    if who.has(CLERK):
        tiles.append(_tile("Chờ vào sổ", sections["queue_total"], f"{LIST}?direction=in&status=received"))
        tiles.append(
            _tile("Chờ ban hành", sections["to_issue_total"], f"{LIST}?direction=out&status=approved")
        )
        tiles.extend(await _desk_counts(api))
    if who.has(LEADER):
        tiles.append(
            _tile("Chờ chỉ đạo", sections["to_assign_total"], f"{LIST}?direction=in&status=registered")
        )
    if who.has(LEADER, UNIT_HEAD):
        tiles.append(
            _tile(
                "Chờ tôi duyệt",
                len(sections.get("to_approve", [])),
                f"{LIST}?direction=out&status=pending_approval",
            )
        )
    if who.has(UNIT_HEAD, OFFICER):
        tiles.append(_tile("Đang giải quyết", len(sections.get("my_docs", [])), f"{LIST}?direction=in"))
    tiles.append(_tile("Quá hạn", overdue.total, f"{LIST}?direction=in&deadline_status=overdue", urgent=True))
    tiles.append(
        _tile("Đến hạn hôm nay", today.total, f"{LIST}?direction=in&deadline_status=due_today", urgent=True)
    )
    tiles.append(_tile("Đến hạn tuần này", week.total, f"{LIST}?direction=in&deadline_status=due_this_week"))
    tiles.extend(await _meetings_to_review(api))
    if sections.get("opinions"):
        tiles.append(_tile("Xin ý kiến chờ tôi", len(sections["opinions"]), "#h-opinions", urgent=True))
    return tiles


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, who: Who) -> HTMLResponse:
    sections: Sections = {}
    async with Api(request) as api:
        await _opinions(api, sections)
        await _addressed(api, sections)
        if who.has(CLERK):
            await _clerk(api, sections)
        if who.has(LEADER):
            await _leader(api, who, sections)
        if who.has(UNIT_HEAD, OFFICER, LEADER):
            await _tasks(api, sections)
        if who.has(UNIT_HEAD, OFFICER):
            await _officer(api, who, sections)
        sections["tiles"] = await _counts(api, who, sections)
    return render(request, "home.html", who, title="Trang chính", s=sections)

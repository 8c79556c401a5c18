"""The leadership's weekly schedule (lịch công tác tuần): read a week, register, review, publish.

- `/staff/lich-hop?week=<any day>`: the week day by day, previous and next week; the office (leaders,
  the Văn phòng's clerks and head) sees every item with its status, approves or refuses the
  registered ones and publishes the week; everyone sees the published items and their own;
- `POST /staff/lich-hop`: register an item; a clash is shown on the form with every reason;
- `/staff/lich-hop/{id}`: one item (the page its notices link to): approve, refuse, change, cancel.

What the office may do is the meetings API's decision (`/api/meetings/weeks/{monday}` says whether
the caller acts for the office); the pages only show its answers.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from hub.orgchart import LEADER
from kit.collation import vietnamese_key
from portal.staff.client import Answer, Api
from portal.staff.kit import (
    HANOI,
    WHOLE,
    Who,
    back,
    db_of,
    monday,
    outcome,
    render,
    state_of,
    text_of,
    texts_of,
)
from portal.staff.pages.notifications import mark_read_for, reason_of
from portal.staff.people import STAFF_ROLES, chart

router = APIRouter(prefix="/staff", include_in_schema=False)
HOME = "/staff/lich-hop"
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


def week_url(first: date) -> str:
    return f"{HOME}?week={first.isoformat()}"


def moment(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(HANOI)


def by_day(first: date, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The week's seven days, each with its items in time order (morning, afternoon)."""
    days = []
    for n in range(7):
        day = first + timedelta(days=n)
        mine = [x for x in items if moment(x["starts_at"]).date() == day]
        for x in mine:
            start, end = moment(x["starts_at"]), moment(x["ends_at"])
            x["time"] = f"{start:%H:%M}–{end:%H:%M}"
            x["half"] = "Sáng" if start.hour < 12 else "Chiều"
        days.append({"date": day, "name": WEEKDAYS[n], "meetings": mine, "weekend": n >= 5})
    return days


async def roster(request: Request) -> dict[str, Any]:
    """People (by unit, Vietnamese alphabetical order), leaders first as chairs, and units."""
    units, users = await chart(db_of(request))
    staff = sorted(
        (u for u in users if set(u["roles"]) & set(STAFF_ROLES)), key=lambda u: vietnamese_key(u["full_name"])
    )
    ordered = sorted(units, key=lambda u: vietnamese_key(u["name"]))
    grouped = [{**u, "people": [p for p in staff if p["unit_id"] == u["id"]]} for u in ordered]
    leaders = [p for p in staff if LEADER in p["roles"]]
    return {"units": ordered, "grouped": grouped, "leaders": leaders}


def clashes(answer: Answer) -> dict[str, Any] | None:
    """A 409 from the schedule, split into its headline and one line per reason."""
    if answer.status != 409:
        return None
    lines = [line for line in answer.error.split("\n") if line.strip()]
    headline = lines[0].rstrip(":") if lines else "Lịch bị trùng"
    reasons: list[str] = []
    for line in lines[1:]:
        head, _, rest = line.partition("»: ")
        reasons.extend(r.strip() for r in (rest or head).split("; ") if r.strip())
    return {"headline": headline, "reasons": reasons}


def one_line(text: str) -> str:
    return " ".join(text.replace(":\n", ": ").split())


async def _week_page(
    request: Request,
    who: Who,
    first: date,
    *,
    form: dict[str, Any] | None = None,
    clash: dict[str, Any] | None = None,
    problem: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    async with Api(request) as api:
        listed, state, rooms, feed = await api.many(
            f"/meetings?week={first.isoformat()}&limit={WHOLE}",
            f"/meetings/weeks/{first.isoformat()}",
            f"/meetings/rooms?limit={WHOLE}",
            "/meetings/calendar/subscription",
        )
    week = state.data if state.ok else {}
    items = listed.items
    return render(
        request,
        "meetings.html",
        who,
        title=f"Lịch công tác tuần từ {first:%d/%m/%Y} đến {first + timedelta(days=6):%d/%m/%Y}",
        status_code=status_code,
        first=first,
        previous=week_url(first - timedelta(days=7)),
        next=week_url(first + timedelta(days=7)),
        this_week=week_url(monday("")),
        days=by_day(first, items),
        waiting=[x for x in items if x["status"] == "registered"],
        state=state_of(listed),
        error=listed.error,
        week=week,
        office=bool(week.get("office")),
        rooms=rooms.items,
        people=await roster(request),
        form=form or {"day": first.isoformat(), "start": "08:00", "end": "10:00"},
        clash=clash,
        problem=problem,
        feed=feed.data if feed.ok else {},
    )


@router.post("/lich-hop/dia-chi-lich", response_class=HTMLResponse)
async def new_feed(request: Request, who: Who) -> Response:
    """Make the person's calendar address and show it, this once (only its hash is kept)."""
    async with Api(request) as api:
        answer = await api.post("/meetings/calendar/subscription")
    if not answer.ok:
        return back(HOME, err=answer.error)
    address = str(request.base_url).rstrip("/") + str(answer.data["path"])
    return render(
        request,
        "meeting_feed.html",
        who,
        title="Địa chỉ lịch công tác của bạn",
        address=address,
        webcal="webcal://" + address.split("://", 1)[1],
    )


@router.post("/lich-hop/dia-chi-lich/ngung")
async def stop_feed(request: Request, who: Who) -> Response:
    """Stop sharing: the address stops working."""
    async with Api(request) as api:
        answer = await api.call("DELETE", "/meetings/calendar/subscription")
    return outcome(answer, HOME, "Đã ngừng chia sẻ; địa chỉ lịch cũ không còn dùng được")


@router.get("/lich-hop", response_class=HTMLResponse)
async def meetings(request: Request, who: Who, week: str = "") -> HTMLResponse:
    return await _week_page(request, who, monday(week))


def meeting_body(form: FormData) -> dict[str, Any]:
    """What the registration form asks the schedule for (times in Vietnam time)."""
    day = text_of(form, "day")
    return {
        "title": text_of(form, "title"),
        "chair_id": text_of(form, "chair"),
        "participant_ids": texts_of(form, "participants"),
        "unit_ids": texts_of(form, "units"),
        "room_id": text_of(form, "room") or None,
        "place": text_of(form, "place"),
        "starts_at": f"{day}T{text_of(form, 'start')}",
        "ends_at": f"{day}T{text_of(form, 'end')}",
        "preparation": text_of(form, "preparation"),
    }


@router.post("/lich-hop", response_model=None)
async def register(request: Request, who: Who) -> Response:
    """Register an item for the office to review; a clash comes back on the form with its reasons."""
    form = await request.form()
    body = meeting_body(form)
    kept: dict[str, Any] = {
        k: text_of(form, k) for k in ("title", "day", "start", "end", "chair", "room", "place", "preparation")
    }
    kept |= {"participants": texts_of(form, "participants"), "units": texts_of(form, "units")}
    first = monday(text_of(form, "day"))
    async with Api(request) as api:
        answer = await api.post("/meetings", body)
    if answer.ok:
        return back(f"{HOME}/{answer.data['id']}", ok="Đã đăng ký lịch, chờ Văn phòng duyệt")
    return await _week_page(
        request,
        who,
        first,
        form=kept,
        clash=clashes(answer),
        problem="" if answer.status == 409 else reason_of(answer),
        status_code=answer.status if answer.status in (403, 409, 422) else 400,
    )


@router.get("/lich-hop/{meeting_id}", response_class=HTMLResponse)
async def meeting(request: Request, meeting_id: str, who: Who) -> HTMLResponse:
    """One item of the schedule, with what the person may do with it."""
    async with Api(request) as api:
        answer = await api.get(f"/meetings/{meeting_id}")
        if not answer.ok:
            return render(
                request,
                "problem.html",
                who,
                title="Không mở được lịch họp",
                status_code=answer.status,
                problem=reason_of(answer),
                home=HOME,
                home_label="Về lịch công tác tuần",
            )
        await mark_read_for(api, f"{HOME}/{meeting_id}")
        m = answer.data
        state, rooms = await api.many(f"/meetings/weeks/{m['week_start']}", f"/meetings/rooms?limit={WHOLE}")
    office = bool(state.data.get("office")) if state.ok else False
    start, end = moment(m["starts_at"]), moment(m["ends_at"])
    open_item = m["status"] in ("registered", "approved")
    mine = m["registered_by"] == who.principal.id and m["published_version"] == 0
    return render(
        request,
        "meeting.html",
        who,
        title=m["title"],
        m=m,
        day=f"{WEEKDAYS[start.weekday()]}, {start:%d/%m/%Y}",
        times={"day": start.date().isoformat(), "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"},
        week=week_url(date.fromisoformat(m["week_start"])),
        office=office,
        may_review=office and m["status"] == "registered",
        may_edit=open_item and (office or mine),
        rooms=rooms.items,
    )


async def _act(request: Request, meeting_id: str, method: str, path: str, body: Any, done: str) -> Response:
    target = f"{HOME}/{meeting_id}"
    async with Api(request) as api:
        answer = await api.call(method, path, json=body)
    if not answer.ok:
        return back(target, err=one_line(reason_of(answer)))
    return back(target, ok=done)


@router.post("/lich-hop/{meeting_id}/duyet")
async def approve(request: Request, meeting_id: str, who: Who) -> Response:
    note = text_of(await request.form(), "note")
    path = f"/meetings/{meeting_id}/approve"
    return await _act(request, meeting_id, "POST", path, {"note": note}, "Đã duyệt lịch")


@router.post("/lich-hop/{meeting_id}/tu-choi")
async def refuse(request: Request, meeting_id: str, who: Who) -> Response:
    note = text_of(await request.form(), "note")
    if not note:
        return back(f"{HOME}/{meeting_id}", err="Cần nêu lý do không duyệt để báo người đăng ký.")
    path = f"/meetings/{meeting_id}/reject"
    return await _act(
        request, meeting_id, "POST", path, {"note": note}, "Đã không duyệt lịch; người đăng ký được báo"
    )


@router.post("/lich-hop/{meeting_id}/huy")
async def cancel(request: Request, meeting_id: str, who: Who) -> Response:
    note = text_of(await request.form(), "note")
    path = f"/meetings/{meeting_id}/cancel"
    return await _act(
        request, meeting_id, "POST", path, {"note": note}, "Đã hủy lịch; người liên quan được báo"
    )


@router.post("/lich-hop/{meeting_id}/doi")
async def change(request: Request, meeting_id: str, who: Who) -> Response:
    """Change the time or the place (after publication: published as a change, with notices)."""
    form = await request.form()
    day = text_of(form, "day")
    body: dict[str, Any] = {
        "starts_at": f"{day}T{text_of(form, 'start')}",
        "ends_at": f"{day}T{text_of(form, 'end')}",
        "reason": text_of(form, "reason"),
    }
    if text_of(form, "room") or text_of(form, "place"):
        body |= {"room_id": text_of(form, "room") or None, "place": text_of(form, "place")}
    path = f"/meetings/{meeting_id}"
    return await _act(request, meeting_id, "PATCH", path, body, "Đã thay đổi lịch")


@router.post("/lich-hop/tuan/{week}/phat-hanh")
async def publish(request: Request, week: date, who: Who) -> Response:
    """Publish the week's approved items; everyone concerned is told of their own."""
    async with Api(request) as api:
        answer = await api.post(f"/meetings/weeks/{week.isoformat()}/publish")
    target = week_url(week)
    if not answer.ok:
        return back(target, err=one_line(reason_of(answer)))
    d = answer.data
    told = len(d["notified"])
    done = f"Đã phát hành lịch tuần (bản {d['version']}): {d['meetings']} cuộc họp, đã báo {told} người"
    if d.get("still_registered"):
        done += f"; còn {d['still_registered']} lịch chờ duyệt chưa phát hành"
    return back(target, ok=done)


@router.post("/lich-hop/phong")
async def put_room(request: Request, who: Who) -> Response:
    """Add or update a meeting room (the office)."""
    form = await request.form()
    body = {
        "id": text_of(form, "room_id"),
        "name": text_of(form, "room_name"),
        "capacity": int(text_of(form, "capacity")) if text_of(form, "capacity").isdigit() else 0,
        "location": text_of(form, "location"),
    }
    async with Api(request) as api:
        answer = await api.call("PUT", "/meetings/rooms", json=body)
    target = text_of(form, "next") or HOME
    target = target if target.startswith(HOME) else HOME
    if not answer.ok:
        return back(target, err=reason_of(answer))
    return back(target, ok=f"Đã lưu phòng họp «{body['name']}»")


@router.get("/lich-hop/tuan/{week}/lich.pdf")
async def week_pdf(request: Request, week: date, who: Who) -> Response:
    """The published week as the usual printed schedule (PDF)."""
    async with Api(request) as api:
        answer = await api.get(f"/meetings/weeks/{week.isoformat()}/schedule.pdf")
    if not answer.ok:
        return back(week_url(week), err="Lịch tuần chưa phát hành nên chưa có bản in.")
    return Response(
        answer.content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="lich-cong-tac-tuan-{week.isoformat()}.pdf"'},
    )

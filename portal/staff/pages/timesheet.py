"""Timekeeping: my month, my leave requests, and the unit head's decisions and unit timesheet.

- `/staff/cham-cong?month=YYYY-MM`: my own month (symbols per day, totals), month navigation, my
  leave requests (withdraw), a new request, and the requests waiting for my decision (approve or
  refuse with a note) when I decide leave;
- `/staff/cham-cong/nghi-phep/{id}`: one request (the page a leave notice links to);
- `/staff/cham-cong/don-vi?unit=&month=`: the unit's timesheet for its head, leaders and clerks,
  with its XLSX file.

The timekeeping API decides who sees and decides what; days not over yet are blank.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from hub.orgchart import CLERK, LEADER, UNIT_HEAD
from kit.collation import vietnamese_key
from portal.staff.client import Answer, Api
from portal.staff.kit import HANOI, WHOLE, Who, back, db_of, render, state_of, text_of
from portal.staff.labels import LEAVE_KINDS
from portal.staff.pages.notifications import mark_read_for, reason_of
from portal.staff.people import chart

router = APIRouter(prefix="/staff", include_in_schema=False)
HOME = "/staff/cham-cong"
WEEKDAYS = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")
TOTALS = [
    ("working_days", "Ngày công chuẩn"),
    ("worked", "Ngày đi làm"),
    ("annual_leave", "Nghỉ phép (P)"),
    ("sick_leave", "Nghỉ ốm (Ô)"),
    ("business_trip", "Đi công tác (CT)"),
    ("absent", "Vắng không lý do (V)"),
    ("late_count", "Số lần đi muộn"),
    ("late_minutes", "Số phút đi muộn"),
    ("early_leave_count", "Số lần về sớm"),
    ("corrections", "Số ngày điều chỉnh"),
]
# the short headings of the unit sheet's total columns (the full words are their titles)
SHORT = {
    "worked": "Công",
    "annual_leave": "P",
    "sick_leave": "Ô",
    "business_trip": "CT",
    "absent": "V",
    "late_count": "Muộn",
    "early_leave_count": "Sớm",
}
LEGEND = {
    "+": "Đi làm đủ ngày",
    "½": "Làm nửa ngày",
    "P": "Nghỉ phép",
    "Ô": "Nghỉ ốm",
    "CT": "Đi công tác",
    "V": "Vắng không lý do",
    "L": "Nghỉ lễ, Tết",
}
HALVES = {"": "Cả ngày", "morning": "Buổi sáng", "afternoon": "Buổi chiều"}


def this_month() -> str:
    return datetime.now(HANOI).strftime("%Y-%m")


def month_of(value: str) -> date:
    """The first day of a 'YYYY-MM' month (this month when the value is not one)."""
    try:
        year, mon = (int(x) for x in value.split("-"))
        return date(year, mon, 1)
    except ValueError:
        return date.fromisoformat(this_month() + "-01")


def shifted(first: date, months: int) -> str:
    index = first.year * 12 + first.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def number(value: Any) -> str:
    """A figure the Vietnamese way: 15,5 and 20."""
    if isinstance(value, float):
        return (f"{value:.1f}".rstrip("0").rstrip(".")).replace(".", ",")
    return str(value)


def columns(days: dict[str, str], today: str) -> list[dict[str, Any]]:
    """The month's day columns: number, weekday, weekend and whether the day is still to come."""
    out = []
    for key in days:
        d = date.fromisoformat(key)
        out.append(
            {
                "key": key,
                "day": d.day,
                "weekday": WEEKDAYS[d.weekday()],
                "off": d.weekday() >= 5,
                "future": key > today,
            }
        )
    return out


def months_nav(first: date) -> dict[str, Any]:
    """The month shown, its neighbours, and the months to choose from (a year back, a quarter ahead)."""
    choices = [shifted(first, n) for n in range(-12, 4)]
    return {
        "previous": shifted(first, -1),
        "next": shifted(first, 1),
        "label": f"tháng {first.month:02d}/{first.year}",
        "value": f"{first.year:04d}-{first.month:02d}",
        "choices": [(c, f"Tháng {c[5:]}/{c[:4]}") for c in choices],
    }


def _decides(who: Who) -> bool:
    return who.has(UNIT_HEAD, LEADER)


@router.get("/cham-cong", response_class=HTMLResponse)
async def timesheet(request: Request, who: Who, month: str = "") -> HTMLResponse:
    first = month_of(month or this_month())
    nav = months_nav(first)
    me = who.principal
    async with Api(request) as api:
        mine, leaves = await api.many(
            f"/timekeeping/people/{me.id}/{nav['value']}", f"/timekeeping/leaves?limit={WHOLE}"
        )
    sheet = mine.data if mine.ok else None
    return render(
        request,
        "timesheet.html",
        who,
        title=f"Chấm công và nghỉ phép {nav['label']}",
        period=nav,
        sheet=sheet,
        days=columns(sheet["days"], sheet["today"]) if sheet else [],
        sheet_state=state_of(mine),
        sheet_error=mine.error,
        totals=TOTALS,
        legend=LEGEND,
        number=number,
        mine=[x for x in leaves.items if x.get("user_id") == me.id],
        to_decide=[x for x in leaves.items if x.get("may_decide")],
        leaves_state=state_of(leaves),
        kinds=LEAVE_KINDS,
        halves=HALVES,
        sees_unit=who.has(UNIT_HEAD, LEADER, CLERK),
        decides=_decides(who),
    )


@router.post("/cham-cong/nghi-phep")
async def leave(request: Request, who: Who) -> Response:
    form = await request.form()
    start = text_of(form, "start")
    body = {
        "kind": text_of(form, "kind") or "annual",
        "start": start,
        "end": text_of(form, "end") or start,
        "half": text_of(form, "half") or None,
        "reason": text_of(form, "reason"),
    }
    async with Api(request) as api:
        answer = await api.post("/timekeeping/leaves", body)
    if not answer.ok:
        return back(HOME, err=reason_of(answer))
    return back(
        f"{HOME}/nghi-phep/{answer.data['id']}",
        ok="Đã gửi đơn nghỉ; trưởng đơn vị sẽ được báo để duyệt",
    )


@router.get("/cham-cong/nghi-phep/{leave_id}", response_class=HTMLResponse)
async def leave_page(request: Request, leave_id: str, who: Who) -> HTMLResponse:
    """One leave request, with the buttons the person may use (the page its notices link to)."""
    async with Api(request) as api:
        answer = await api.get(f"/timekeeping/leaves/{leave_id}")
        if answer.ok:
            await mark_read_for(api, f"{HOME}/nghi-phep/{leave_id}")
    if not answer.ok:
        return render(
            request,
            "problem.html",
            who,
            title="Không mở được đơn nghỉ",
            status_code=answer.status,
            problem=answer.error,
            home=HOME,
            home_label="Về trang chấm công",
        )
    item = answer.data
    return render(
        request, "leave.html", who, title=f"Đơn {item['kind_label'].lower()} của {item['full_name']}", x=item
    )


async def _decide(request: Request, leave_id: str, action: str, done: str) -> Response:
    form = await request.form()
    target = text_of(form, "next") or f"{HOME}/nghi-phep/{leave_id}"
    target = target if target.startswith(HOME) else HOME  # only back to the timekeeping pages
    async with Api(request) as api:
        answer = await api.post(f"/timekeeping/leaves/{leave_id}/{action}", {"note": text_of(form, "note")})
        if answer.ok:  # deciding a request reads its notice
            await mark_read_for(api, f"{HOME}/nghi-phep/{leave_id}")
    if not answer.ok:
        return back(target, err=reason_of(answer))
    return back(target, ok=f"{done}: {answer.data['full_name']}, {_span(answer.data)}")


def _span(x: dict[str, Any]) -> str:
    start, end = date.fromisoformat(x["start"]), date.fromisoformat(x["end"])
    if start == end:
        return f"ngày {start:%d/%m/%Y}"
    return f"từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}"


@router.post("/cham-cong/nghi-phep/{leave_id}/duyet")
async def approve(request: Request, leave_id: str, who: Who) -> Response:
    return await _decide(request, leave_id, "approve", "Đã duyệt đơn nghỉ")


@router.post("/cham-cong/nghi-phep/{leave_id}/tu-choi")
async def refuse(request: Request, leave_id: str, who: Who) -> Response:
    return await _decide(request, leave_id, "reject", "Đã không duyệt đơn nghỉ")


@router.post("/cham-cong/nghi-phep/{leave_id}/huy")
async def withdraw(request: Request, leave_id: str, who: Who) -> Response:
    return await _decide(request, leave_id, "cancel", "Đã hủy đơn nghỉ")


async def _units_for(request: Request, who: Who) -> list[dict[str, Any]]:
    """The units whose timesheet the person may open: all for leaders and clerks, else their own."""
    units, _ = await chart(db_of(request))
    if not who.has(LEADER, CLERK):
        units = [u for u in units if u["id"] == who.principal.unit_id]
    return sorted(units, key=lambda u: vietnamese_key(u["name"]))


@router.get("/cham-cong/don-vi", response_class=HTMLResponse)
async def unit_sheet(request: Request, who: Who, unit: str = "", month: str = "") -> HTMLResponse:
    """The unit's month: one row per person, the day symbols and the totals, in Vietnamese."""
    first = month_of(month or this_month())
    nav = months_nav(first)
    units = await _units_for(request, who)
    unit_id = unit or who.principal.unit_id or (units[0]["id"] if units else "")
    async with Api(request) as api:
        answer: Answer = await api.get(f"/timekeeping/timesheets/{unit_id}/{nav['value']}")
    sheet = answer.data if answer.ok else None
    people = sheet["people"] if sheet else []
    return render(
        request,
        "unit_timesheet.html",
        who,
        title=f"Bảng chấm công {nav['label']}" + (f": {sheet['unit_name']}" if sheet else ""),
        status_code=200 if answer.ok or answer.status == 404 else answer.status,
        period=nav,
        unit_id=unit_id,
        units=units,
        sheet=sheet,
        people=people,
        days=columns(people[0]["days"], sheet["today"]) if sheet and people else [],
        state=state_of(answer),
        error=answer.error,
        totals=[(k, SHORT[k], label) for k, label in TOTALS if k in SHORT],
        legend=LEGEND,
        number=number,
    )


@router.get("/cham-cong/don-vi/{unit_id}/{month}.xlsx")
async def unit_sheet_file(request: Request, unit_id: str, month: str, who: Who) -> Response:
    """The unit's month as the usual XLSX workbook."""
    async with Api(request) as api:
        answer = await api.get(f"/timekeeping/timesheets/{unit_id}/{month}/xlsx")
    if not answer.ok:
        return back(f"{HOME}/don-vi?unit={unit_id}&month={month}", err=answer.error)
    return Response(
        answer.content,
        media_type=answer.media_type,
        headers={"Content-Disposition": f'attachment; filename="bang-cham-cong-{unit_id}-{month}.xlsx"'},
    )

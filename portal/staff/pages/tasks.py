"""Tasks: lists with deadline colours, giving a task, a task's page with its product and urging.

- `/staff/cong-viec`: my (my unit's, what I assigned) tasks; leaders and unit heads give a task with
  its hệ số quy đổi (Decree 335/2025);
- `/staff/cong-viec/{id}`: the task, progress reports, start and completion; the assigner sets the
  weight; the officer explains a delay, the assigner or unit head confirms or rejects it as an
  objective cause and judges the quality of the finished product; urging (nhắc nhở, phê bình, tự phê
  bình) with its history;
- `/staff/cong-viec/bao-cao`: the urgings of a month counted per person (Decree 30 Appendix VI
  I.III.1.l–m) and the unit's monthly XLSX.
Everything is read and done through the tasks API (`/api/tasks`) as the person: the page shows the
actions the API says the person may take, and the API decides again on every call.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from hub.orgchart import LEADER, UNIT_HEAD
from kit.collation import vietnamese_key
from portal.staff.client import Answer, Api
from portal.staff.kit import HANOI, TEMPLATES, WHOLE, Who, back, db_of, render, state_of, text_of, thread_of
from portal.staff.labels import PRIORITIES
from portal.staff.people import STAFF_ROLES, Acting, chart

router = APIRouter(prefix="/staff", include_in_schema=False)

HOME = "/staff/cong-viec"
BOARD = "BGD"  # the board of directors: leaders, not a unit that handles work
URGING_KINDS = {"reminder": "Nhắc nhở", "criticism": "Phê bình", "self_criticism": "Tự phê bình"}
ROLES = {"main": "Chủ trì", "lead": "Chủ trì", "coordinate": "Phối hợp"}
FIELDS = {
    "title": "Nội dung công việc",
    "assignee_user_id": "Cán bộ xử lý",
    "assignee_unit_id": "Đơn vị xử lý",
    "deadline": "Hạn xử lý",
    "product_weight": "Hệ số quy đổi",
    "reason": "Lý do chậm",
    "quality_errors": "Số lỗi lớn",
    "quality_errors_excused": "Số lỗi do nguyên nhân khách quan",
    "kind": "Hình thức đôn đốc",
    "note": "Ghi chú",
}


def weight_text(value: Any) -> str:
    """A hệ số quy đổi the Vietnamese way (1,5), 1 when there is none."""
    if value is None or value == "":
        return "1"
    return f"{float(value):.2f}".rstrip("0").rstrip(".").replace(".", ",")


TEMPLATES.env.filters["heso"] = weight_text


def refusal(answer: Answer) -> str:
    """Why the API refused, in Vietnamese: its own message, or the form fields it could not accept."""
    detail = answer.data.get("detail") if isinstance(answer.data, dict) else None
    if isinstance(detail, list):
        fields = [FIELDS.get(str((d.get("loc") or ["", ""])[-1]), "") for d in detail if isinstance(d, dict)]
        named = ", ".join(dict.fromkeys(f for f in fields if f))
        return f"Thông tin chưa hợp lệ: {named or 'kiểm tra lại các ô đã nhập'}"
    return answer.error


def after(answer: Answer, target: str, done: str) -> Response:
    """Back to `target` saying `done`, or the API's reason."""
    return back(target, ok=done) if answer.ok else back(target, err=refusal(answer))


def number_of(form: FormData, name: str) -> float | None:
    """A number typed either way (1,5 or 1.5); None when empty or not a number."""
    text = text_of(form, name).replace(",", ".")
    try:
        return float(text) if text else None
    except ValueError:
        return None


def count_of(form: FormData, name: str) -> int | None:
    value = number_of(form, name)
    return int(value) if value is not None and value == int(value) and value >= 0 else None


async def _people(request: Request) -> tuple[dict[str, str], dict[str, str], list[dict[str, Any]]]:
    """Names of staff and units, and the staff in Vietnamese alphabetical order."""
    units, users = await chart(db_of(request))
    staff = sorted(
        (u for u in users if set(u["roles"]) & set(STAFF_ROLES)), key=lambda u: vietnamese_key(u["full_name"])
    )
    return {u["id"]: u["full_name"] for u in users}, {u["id"]: u["name"] for u in units}, staff


def _assignable(who: Acting, staff: list[dict[str, Any]], units: dict[str, str]) -> dict[str, Any]:
    """Whom the person may give a task to: a leader anyone, a unit head the unit's staff."""
    if who.has(LEADER):
        people = [u for u in staff if u["unit_id"] != BOARD]
        unit_ids = [u for u in units if u != BOARD]
    else:
        people = [u for u in staff if u["unit_id"] == who.principal.unit_id and u["id"] != who.principal.id]
        unit_ids = [who.principal.unit_id] if who.principal.unit_id else []
    return {
        "people": people,
        "units": sorted(((u, units[u]) for u in unit_ids if u in units), key=lambda x: vietnamese_key(x[1])),
    }


@router.get("/cong-viec", response_class=HTMLResponse)
async def tasks(request: Request, who: Who, scope: str = "mine") -> HTMLResponse:
    async with Api(request) as api:
        answer = await api.get("/tasks", scope=scope, limit=WHOLE)
    names, units, staff = await _people(request)
    gives = who.has(LEADER, UNIT_HEAD)
    return render(
        request,
        "tasks.html",
        who,
        title="Công việc của tôi" if scope == "mine" else "Công việc",
        tasks=answer.items,
        state=state_of(answer),
        error=answer.error,
        scope=scope,
        gives=gives,
        assignable=_assignable(who, staff, units) if gives else None,
        priorities=PRIORITIES,
        names=names,
    )


@router.post("/cong-viec/giao-viec")
async def give_task(request: Request, who: Who) -> Response:
    """A leader or unit head gives a task to an officer or a unit, with its weight."""
    form = await request.form()
    target = text_of(form, "nguoi_nhan")  # "u:<user>" or "d:<unit>"
    weight = number_of(form, "product_weight")
    deadline = text_of(form, "deadline")
    if not text_of(form, "title") or not target or not deadline:
        return back(HOME, err="Cần ghi nội dung công việc, chọn người hoặc đơn vị xử lý và hạn xử lý")
    if weight is None or not 0 < weight <= 100:
        return back(HOME, err="Hệ số quy đổi phải là số lớn hơn 0 và không quá 100")
    body: dict[str, Any] = {
        "title": text_of(form, "title"),
        "description": text_of(form, "description"),
        "deadline": deadline,
        "priority": text_of(form, "priority") or "Thường",
        "product_weight": weight,
    }
    body["assignee_user_id" if target.startswith("u:") else "assignee_unit_id"] = target[2:]
    async with Api(request) as api:
        answer = await api.post("/tasks", json=body)
    if not answer.ok:
        return back(HOME, err=refusal(answer))
    return back(f"{HOME}/{answer.data['id']}", ok="Đã giao công việc")


def _this_month() -> str:
    return datetime.now(HANOI).strftime("%Y-%m")


def _month_of(text: str) -> tuple[int, int]:
    """The month `2026-11` asks for, else the current one (Hà Nội)."""
    try:
        year, month = (int(x) for x in text.split("-", 1))
    except ValueError:
        year, month = 0, 0
    if 1 <= month <= 12 and 2000 <= year <= 2100:
        return year, month
    now = datetime.now(HANOI)
    return now.year, now.month


def _months(year: int, month: int) -> list[tuple[str, str]]:
    """The months to choose from: two years back from the later of today and the month shown."""
    now = datetime.now(HANOI)
    y, m = max((now.year, now.month), (year, month))
    out = []
    for _ in range(24):
        out.append((f"{y}-{m:02d}", f"Tháng {m:02d}/{y}"))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out


def _previous(year: int, month: int) -> str:
    first = datetime(year, month, 1) - timedelta(days=1)
    return first.strftime("%Y-%m")


def _next(year: int, month: int) -> str:
    return f"{year + 1}-01" if month == 12 else f"{year}-{month + 1:02d}"


@router.get("/cong-viec/bao-cao", response_class=HTMLResponse)
async def report(request: Request, who: Who, thang: str = "", don_vi: str = "") -> HTMLResponse:
    """Urgings of the month per person and type on a unit's tasks, and the monthly workbook."""
    year, month = _month_of(thang or _this_month())
    _, units, _ = await _people(request)
    work_units = sorted(((u, n) for u, n in units.items() if u != BOARD), key=lambda x: vietnamese_key(x[1]))
    unit_id = who.principal.unit_id or ""
    if who.has(LEADER):
        unit_id = don_vi or (work_units[0][0] if work_units else "")
    async with Api(request) as api:
        answer = await api.get(f"/tasks/reports/unit/{unit_id}/urgings", year=year, month=month, limit=WHOLE)
    return render(
        request,
        "tasks_report.html",
        who,
        title=f"Đôn đốc công việc tháng {month:02d}/{year}",
        rows=answer.items,
        state=state_of(answer),
        error=refusal(answer) if not answer.ok else "",
        unit_id=unit_id,
        unit_name=units.get(unit_id, ""),
        units=work_units if who.has(LEADER) else [],
        month=f"{year}-{month:02d}",
        year=year,
        number=month,
        months=_months(year, month),
        previous=_previous(year, month),
        following=_next(year, month),
    )


@router.get("/cong-viec/{task_id}", response_class=HTMLResponse)
async def task(request: Request, task_id: str, who: Who) -> HTMLResponse:
    async with Api(request) as api:
        answer = await api.get(f"/tasks/{task_id}")
        thread = await api.get(f"/tasks/{task_id}/comments") if answer.ok else answer
    if not answer.ok:
        return render(
            request,
            "problem.html",
            who,
            title="Không mở được công việc",
            status_code=answer.status,
            problem=refusal(answer),
            home=HOME,
            home_label="Về danh sách công việc",
        )
    names, units, _ = await _people(request)
    return render(
        request,
        "task.html",
        who,
        title=str(answer.data.get("title", "Công việc")),
        task=answer.data,
        names=names,
        units=units,
        roles=ROLES,
        urging_kinds=URGING_KINDS,
        **thread_of(thread, f"{HOME}/{task_id}/trao-doi"),
    )


@router.post("/cong-viec/{task_id}/bao-cao")
async def task_report(request: Request, task_id: str, who: Who) -> Response:
    """A progress report (text, percent) with its files."""
    form = await request.form()
    files = [
        ("files", (f.filename or "tep", await f.read(), f.content_type or "application/octet-stream"))
        for f in form.getlist("files")
        if isinstance(f, UploadFile) and f.filename
    ]
    data = {"text": text_of(form, "text"), "progress": text_of(form, "progress") or "0"}
    async with Api(request) as api:
        answer = await api.call("POST", f"/tasks/{task_id}/reports", data=data, files=files or None)
    return after(answer, f"{HOME}/{task_id}", "Đã gửi báo cáo tiến độ")


@router.post("/cong-viec/{task_id}/bat-dau")
async def start(request: Request, task_id: str, who: Who) -> Response:
    async with Api(request) as api:
        answer = await api.post(f"/tasks/{task_id}/start")
    return after(answer, f"{HOME}/{task_id}", "Đã bắt đầu xử lý")


@router.post("/cong-viec/{task_id}/hoan-thanh")
async def complete(request: Request, task_id: str, who: Who) -> Response:
    async with Api(request) as api:
        answer = await api.post(f"/tasks/{task_id}/complete")
    return after(answer, f"{HOME}/{task_id}", "Đã hoàn thành công việc")


@router.post("/cong-viec/{task_id}/he-so")
async def set_weight(request: Request, task_id: str, who: Who) -> Response:
    """The assigner sets the product's hệ số quy đổi."""
    weight = number_of(await request.form(), "product_weight")
    if weight is None or not 0 < weight <= 100:
        return back(f"{HOME}/{task_id}", err="Hệ số quy đổi phải là số lớn hơn 0 và không quá 100")
    async with Api(request) as api:
        answer = await api.call("PUT", f"/tasks/{task_id}/weight", json={"product_weight": weight})
    return after(answer, f"{HOME}/{task_id}", f"Đã lưu hệ số quy đổi {weight_text(weight)}")


@router.post("/cong-viec/{task_id}/ly-do-cham")
async def give_delay_reason(request: Request, task_id: str, who: Who) -> Response:
    """The officer explains why the task is late."""
    reason = text_of(await request.form(), "reason")
    if not reason:
        return back(f"{HOME}/{task_id}", err="Cần ghi lý do chậm tiến độ")
    async with Api(request) as api:
        answer = await api.post(f"/tasks/{task_id}/delay-cause", json={"reason": reason[:1000]})
    return after(answer, f"{HOME}/{task_id}", "Đã gửi lý do chậm, chờ người giao xác nhận")


@router.post("/cong-viec/{task_id}/ly-do-cham/quyet-dinh")
async def decide_delay_reason(request: Request, task_id: str, who: Who) -> Response:
    """The assigner or unit head confirms the reason as an objective cause, or rejects it."""
    form = await request.form()
    confirm = text_of(form, "quyet_dinh") == "xac_nhan"
    body = {"confirm": confirm, "note": text_of(form, "note")[:2000]}
    async with Api(request) as api:
        answer = await api.post(f"/tasks/{task_id}/delay-cause/decision", json=body)
    done = "Đã xác nhận nguyên nhân khách quan" if confirm else "Đã không chấp nhận lý do chậm"
    return after(answer, f"{HOME}/{task_id}", done)


@router.post("/cong-viec/{task_id}/danh-gia")
async def judge(request: Request, task_id: str, who: Who) -> Response:
    """The assigner or unit head judges the finished product's quality."""
    form = await request.form()
    errors = count_of(form, "quality_errors")
    excused = count_of(form, "quality_errors_excused") if text_of(form, "quality_errors_excused") else 0
    if errors is None or excused is None:
        return back(f"{HOME}/{task_id}", err="Số lỗi phải là số nguyên từ 0 trở lên")
    decision = {"xac_nhan": True, "khong": False}.get(text_of(form, "ly_do_cham"))
    body = {
        "quality_errors": errors,
        "quality_errors_excused": excused,
        "excused_reason": text_of(form, "excused_reason")[:2000],
        "note": text_of(form, "note")[:2000],
        "confirm_delay_cause": decision,
    }
    async with Api(request) as api:
        answer = await api.post(f"/tasks/{task_id}/assessment", json=body)
    return after(answer, f"{HOME}/{task_id}", "Đã lưu đánh giá chất lượng sản phẩm")


@router.post("/cong-viec/{task_id}/don-doc")
async def urge(request: Request, task_id: str, who: Who) -> Response:
    """Urge the officer in charge (or the unit's head) with a type."""
    form = await request.form()
    kind = text_of(form, "kind")
    if kind not in URGING_KINDS:
        return back(f"{HOME}/{task_id}", err="Chọn hình thức đôn đốc: nhắc nhở, phê bình hoặc tự phê bình")
    body = {"kind": kind, "user_id": text_of(form, "user_id") or None, "note": text_of(form, "note")[:2000]}
    async with Api(request) as api:
        answer = await api.post(f"/tasks/{task_id}/urgings", json=body)
    return after(answer, f"{HOME}/{task_id}", f"Đã đôn đốc ({URGING_KINDS[kind].lower()})")

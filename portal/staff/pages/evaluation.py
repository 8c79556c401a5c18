"""Evaluation (Decree 335/2025 for civil servants, Decree 90/2020 as amended by 48/2023 for public employees).

- `/staff/danh-gia`: my own score with the evidence behind it, and my self-assessment;
- `/staff/danh-gia/don-vi`: the unit head opens a month or a quarter for the unit and reaches its boards;
- `/staff/danh-gia/ky/{cycle}/{group}`: a unit's board (or the unit heads', `quan-ly`): general points,
  task points with their products, the 20 % cap, confirmation;
- `/staff/danh-gia/toan-so`: the director's view of the department, and the decision;
- `/staff/danh-gia/nam`: a unit's year from its periods.
Everything is read and done through the evaluation API (`/api/evaluation`), as the person.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from portal.staff.client import Answer, Api
from portal.staff.kit import TEMPLATES, WHOLE, Who, back, outcome, render, state_of, text_of
from portal.staff.labels import LEVELS

router = APIRouter(prefix="/staff", include_in_schema=False)

HOME = "/staff/danh-gia"
MANAGERS, MANAGERS_PATH = "quan_ly", "quan-ly"
KINDS = {"month": "Tháng", "quarter": "Quý", "year": "Năm"}
STATUS = {"open": "Đang mở", "decided": "Đã có quyết định"}
DISQUALIFICATIONS = {
    "suy_thoai": "Bị kết luận suy thoái về tư tưởng chính trị, đạo đức, lối sống",
    "ky_luat": "Bị kỷ luật từ khiển trách trở lên trong năm",
    "tham_nhung": "Đơn vị phụ trách có vụ việc tham ô, tham nhũng, lãng phí bị xử lý",
}
SCHEMES = {
    "nd335": "Công chức: chấm điểm theo Nghị định 335/2025/NĐ-CP (30 điểm tiêu chí chung, 70 điểm nhiệm vụ)",
    "nd90": "Viên chức: xếp loại theo Nghị định 90/2020/NĐ-CP, sửa đổi bởi Nghị định 48/2023/NĐ-CP",
}
SHORT_LEVELS = {
    "xuat_sac": "Xuất sắc",
    "tot": "Tốt",
    "hoan_thanh": "Hoàn thành",
    "khong_hoan_thanh": "Không hoàn thành",
}
BASIS = {"ca_nhan": "Sản phẩm được giao cho cá nhân", "don_vi": "Sản phẩm của cả đơn vị phụ trách"}


def points(value: Any) -> str:
    """A score or a percentage the Vietnamese way (68,83), a dash when there is none."""
    if value is None or value == "":
        return "—"
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def field_number(value: Any) -> str:
    """A number as a form field holds it (27, 27.5), empty when there is none."""
    if value is None or value == "":
        return ""
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


TEMPLATES.env.filters["diem"] = points
TEMPLATES.env.filters["so"] = field_number


def _state(answer: Answer) -> str:
    """Like `state_of`, but a refusal or an unopened period (403, 404 with a reason) shows its reason."""
    if answer.ok:
        return "ok"
    return "missing" if answer.missing else "error"


def _board_path(cycle_id: str, group: str) -> str:
    return f"{HOME}/ky/{cycle_id}/{MANAGERS_PATH if group == MANAGERS else group}"


def _group_of(segment: str) -> tuple[str, str]:
    """The API path of a board segment: a unit's, or the unit heads' group."""
    return (MANAGERS, "managers") if segment == MANAGERS_PATH else (segment, f"units/{segment}")


def _chosen(mine: list[dict[str, Any]], wanted: str) -> dict[str, Any] | None:
    """The cycle to show in full: the one asked for, else the newest open one, else the newest."""
    for row in mine:
        if row["cycle"]["id"] == wanted:
            return row
    open_ = [r for r in mine if r["cycle"]["status"] == "open"]
    rows = open_ or mine
    return rows[0] if rows else None


@router.get("/danh-gia", response_class=HTMLResponse)
async def evaluation(request: Request, who: Who, ky: str = "") -> HTMLResponse:
    me = who.principal
    async with Api(request) as api:
        mine = await api.get("/evaluation/mine", limit=WHOLE)
        chosen = _chosen(mine.items, ky)
        detail: Answer | None = None
        if chosen is not None:
            detail = await api.get(f"/evaluation/cycles/{chosen['cycle']['id']}/assessments/{me.id}")
    return render(
        request,
        "evaluation.html",
        who,
        title="Đánh giá, xếp loại của tôi",
        mine=mine.items,
        state=state_of(mine),
        error=mine.error,
        chosen=chosen,
        a=detail.data if detail is not None and detail.ok else None,
        detail_error=detail.error if detail is not None else "",
        levels=LEVELS,
        kinds=KINDS,
        status=STATUS,
        basis=BASIS,
        schemes=SCHEMES,
        is_head=who.has("unit_head"),
        is_leader=who.has("leader"),
    )


@router.post("/danh-gia/tu-danh-gia/{cycle_id}")
async def self_assess(request: Request, cycle_id: str, who: Who) -> Response:
    form = await request.form()
    body: dict[str, Any] = {"summary": text_of(form, "summary")}
    if text_of(form, "level"):
        body["level"] = text_of(form, "level")
    if text_of(form, "general_points"):
        number = _number(text_of(form, "general_points"))
        if number is None:
            return back(f"{HOME}?ky={cycle_id}", err="Điểm tiêu chí chung phải là một số từ 0 đến 30")
        body["general_points"] = number
    async with Api(request) as api:
        answer = await api.post(f"/evaluation/cycles/{cycle_id}/self", body)
    return outcome(answer, f"{HOME}?ky={cycle_id}", "Đã gửi phiếu tự đánh giá")


# -- the unit head ---------------------------------------------------------------------------------------


@router.get("/danh-gia/don-vi", response_class=HTMLResponse)
async def unit_page(request: Request, who: Who) -> HTMLResponse:
    me = who.principal
    year = datetime.now(UTC).year
    async with Api(request) as api:
        cycles = await api.get("/evaluation/cycles", limit=WHOLE)
        annual = await api.get(f"/evaluation/years/{year}/units/{me.unit_id}")
    ours = [c for c in cycles.items if me.unit_id in (c.get("unit_ids") or [])]
    return render(
        request,
        "evaluation_unit.html",
        who,
        title="Đánh giá, xếp loại của đơn vị",
        cycles=sorted(ours, key=lambda c: c["period_start"], reverse=True),
        state=state_of(cycles),
        error=cycles.error,
        unit_id=me.unit_id,
        year=year,
        annual=annual.data if annual.ok else None,
        kinds=KINDS,
        status=STATUS,
        months=range(1, 13),
    )


@router.post("/danh-gia/mo-ky")
async def open_period(request: Request, who: Who) -> Response:
    form = await request.form()
    kind = text_of(form, "kind")
    number = text_of(form, "month" if kind == "month" else "quarter")
    body = {"kind": kind, "year": text_of(form, "year"), "number": number}
    async with Api(request) as api:
        answer = await api.post("/evaluation/periods", body)
    if not answer.ok:
        return back(f"{HOME}/don-vi", err=answer.error)
    opened = answer.data
    return back(_board_path(opened["cycle_id"], opened["unit_id"]), ok=f"Đã mở kỳ đánh giá {opened['name']}")


# -- a board: marks, the cap, confirmation ------------------------------------------------------------------


@router.get("/danh-gia/ky/{cycle_id}/{segment}", response_class=HTMLResponse)
async def board(request: Request, cycle_id: str, segment: str, who: Who) -> HTMLResponse:
    _, path = _group_of(segment)
    async with Api(request) as api:
        answer = await api.get(f"/evaluation/cycles/{cycle_id}/{path}")
    data = answer.data if answer.ok else None
    title = f"{data['group_name']} · {data['cycle']['name']}" if data else "Bảng đánh giá của đơn vị"
    return render(
        request,
        "evaluation_board.html",
        who,
        title=title,
        board=data,
        state=_state(answer),
        error=answer.error,
        action=f"{HOME}/ky/{cycle_id}/{segment}",
        levels=LEVELS,
        kinds=KINDS,
        basis=BASIS,
        disqualifications=DISQUALIFICATIONS,
        status_code=200 if answer.ok else answer.status,
    )


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def _marks(form: FormData) -> tuple[list[dict[str, Any]], list[str]]:
    """Each person's marks from the board's form, and the fields that are not numbers."""
    items, wrong = [], []
    for uid in form.getlist("users"):
        if not isinstance(uid, str):
            continue
        mark: dict[str, Any] = {"user_id": uid, "general_note": text_of(form, f"n_{uid}")}
        if text_of(form, f"l_{uid}"):
            mark["level"] = text_of(form, f"l_{uid}")
        for field, key in (("general_points", f"g_{uid}"), ("task_points", f"t_{uid}")):
            raw = text_of(form, key)
            if raw:
                mark[field] = _number(raw)
                if mark[field] is None:
                    wrong.append(raw)
        if mark.get("task_points") is not None:
            mark["task_note"] = text_of(form, f"tn_{uid}")
        if text_of(form, f"d_{uid}"):
            mark["disqualified"] = text_of(form, f"d_{uid}")
        items.append(mark)
    return items, wrong


@router.post("/danh-gia/ky/{cycle_id}/{segment}/diem")
async def save_marks(request: Request, cycle_id: str, segment: str, who: Who) -> Response:
    _, path = _group_of(segment)
    target = f"{HOME}/ky/{cycle_id}/{segment}"
    items, wrong = _marks(await request.form())
    if wrong:
        return back(target, err=f"Điểm phải là số: {', '.join(wrong)}")
    if not items:
        return back(target, err="Không có ai để chấm điểm")
    async with Api(request) as api:
        answer = await api.post(f"/evaluation/cycles/{cycle_id}/{path}/scores", {"items": items})
    return outcome(answer, target, "Đã lưu điểm")


@router.post("/danh-gia/ky/{cycle_id}/{segment}/xac-nhan")
async def confirm(request: Request, cycle_id: str, segment: str, who: Who) -> Response:
    _, path = _group_of(segment)
    async with Api(request) as api:
        answer = await api.post(f"/evaluation/cycles/{cycle_id}/{path}/confirm")
    return outcome(answer, f"{HOME}/ky/{cycle_id}/{segment}", "Đã xác nhận kết quả, áp dụng tỷ lệ xuất sắc")


# -- the director ------------------------------------------------------------------------------------------


@router.get("/danh-gia/toan-so", response_class=HTMLResponse)
async def department(request: Request, who: Who, ky: str = "") -> HTMLResponse:
    async with Api(request) as api:
        cycles = await api.get("/evaluation/cycles", limit=WHOLE)
        ordered = sorted(cycles.items, key=lambda c: c["period_start"], reverse=True)
        chosen = next((c for c in ordered if c["id"] == ky), ordered[0] if ordered else None)
        dept = await api.get(f"/evaluation/cycles/{chosen['id']}/department") if chosen else None
    return render(
        request,
        "evaluation_department.html",
        who,
        title="Đánh giá, xếp loại toàn Sở",
        cycles=ordered,
        chosen=chosen,
        dept=dept.data if dept is not None and dept.ok else None,
        dept_error=dept.error if dept is not None else "",
        state=state_of(cycles),
        error=cycles.error,
        levels=LEVELS,
        short=SHORT_LEVELS,
        kinds=KINDS,
        status=STATUS,
        year=datetime.now(UTC).year,
    )


@router.post("/danh-gia/ky/{cycle_id}/quyet-dinh")
async def decide(request: Request, cycle_id: str, who: Who) -> Response:
    async with Api(request) as api:
        answer = await api.post(f"/evaluation/cycles/{cycle_id}/decide", {})
    return outcome(answer, f"{HOME}/toan-so?ky={cycle_id}", "Đã quyết định kết quả đánh giá, xếp loại")


@router.get("/danh-gia/nam", response_class=HTMLResponse)
async def year_page(request: Request, who: Who, nam: int = 0, don_vi: str = "") -> HTMLResponse:
    year = nam or datetime.now(UTC).year
    unit_id = don_vi or who.principal.unit_id or ""
    async with Api(request) as api:
        answer = await api.get(f"/evaluation/years/{year}/units/{unit_id}")
    return render(
        request,
        "evaluation_year.html",
        who,
        title=f"Kết quả năm {year}",
        annual=answer.data if answer.ok else None,
        state=_state(answer),
        error=answer.error,
        year=year,
        status_code=200 if answer.ok else answer.status,
    )

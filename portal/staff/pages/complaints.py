"""Complaints, denunciations and petitions: the case list (by kind, status, deadline), the case's page
with every step the law allows (classify, accept or refuse with the legal ground, assign, notes and
evidence, extend, the conclusion sent for signing), statistics and the XLSX export.

Each form posts to the complaints API as the person (`client.Api`), so a page does exactly what the API
allows; a case the person may not read answers 404 there and here. Names, never ids, are shown.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from hub.files import stored_file
from hub.orgchart import OFFICER, UNIT_HEAD
from portal.staff import codes
from portal.staff.client import Answer, Api
from portal.staff.kit import WHOLE, Who, back, db_of, file_of, outcome, render, state_of, text_of
from portal.staff.people import chart
from schemas.complaints import KIND_LABELS

router = APIRouter(prefix="/staff", include_in_schema=False)
HOME = "/staff/khieu-nai"
STATUSES = {
    "received": "Chờ thụ lý",
    "accepted": "Đang giải quyết",
    "concluding": "Chờ ký kết luận",
    "issuing": "Chờ ban hành kết luận",
    "concluded": "Đã có kết luận",
    "rejected": "Không thụ lý",
}
DEADLINES = {"overdue": "Quá hạn", "due_soon": "Sắp đến hạn (3 ngày)"}
DEADLINE_LABELS = {
    "overdue": "Quá hạn",
    "due_soon": "Sắp đến hạn",
    "on_time": "Trong hạn",
    "done_on_time": "Xong đúng hạn",
    "done_late": "Xong quá hạn",
}
RESULTS = {"dung": "Đúng", "sai": "Sai", "dung_mot_phan": "Đúng một phần"}
COMPLEXITIES = {"normal": "Thông thường", "complex": "Phức tạp", "very_complex": "Đặc biệt phức tạp"}


def _page_of(case_id: str) -> str:
    return f"{HOME}/{case_id}"


async def _names(request: Request) -> dict[str, Any]:
    units, users = await chart(db_of(request))
    return {
        "unit_names": {u["id"]: u["name"] for u in units},
        "names": {u["id"]: u["full_name"] for u in users},
        "units": [u for u in units if u["id"] != "BGD"],
        "officers": [u for u in users if OFFICER in u["roles"] or UNIT_HEAD in u["roles"]],
    }


@router.get("/khieu-nai", response_class=HTMLResponse)
async def cases(
    request: Request, who: Who, kind: str = "", status: str = "", deadline: str = "", q: str = ""
) -> HTMLResponse:
    """The cases this person may read, with the deadline that runs now in colour."""
    async with Api(request) as api:
        answer, overdue, soon = await _lists(api, kind, status, deadline, q)
    return render(
        request,
        "complaints.html",
        who,
        title="Khiếu nại, tố cáo, phản ánh, kiến nghị",
        rows=answer.items,
        total=answer.total,
        state=state_of(answer),
        error=answer.error,
        overdue=overdue.total,
        soon=soon.total,
        filters={"kind": kind, "status": status, "deadline": deadline, "q": q},
        kinds=KIND_LABELS,
        statuses=STATUSES,
        deadlines=DEADLINES,
        deadline_labels=DEADLINE_LABELS,
        **await _names(request),
    )


async def _lists(api: Api, kind: str, status: str, deadline: str, q: str) -> tuple[Answer, Answer, Answer]:
    wanted = {"kind": kind, "status": status, "deadline": deadline, "q": q}
    answer = await api.get("/complaints/cases", limit=WHOLE, **wanted)
    overdue = await api.get("/complaints/cases", limit=1, deadline="overdue")
    soon = await api.get("/complaints/cases", limit=1, deadline="due_soon")
    return answer, overdue, soon


@router.get("/khieu-nai/thong-ke", response_class=HTMLResponse)
async def statistics(request: Request, who: Who, tu: str = "", den: str = "") -> HTMLResponse:
    """Counts per kind, unit and month of the cases received in a period, with the on-time rate."""
    today = date.today()
    start = tu or date(today.year, 1, 1).isoformat()
    end = den or date(today.year, 12, 31).isoformat()
    async with Api(request) as api:
        answer = await api.get("/complaints/stats", **{"from": start, "to": end})
    if not answer.ok and not answer.missing:
        raise HTTPException(answer.status, answer.error)
    return render(
        request,
        "complaint_stats.html",
        who,
        title="Thống kê đơn khiếu nại, tố cáo, phản ánh, kiến nghị",
        stats=answer.data if answer.ok else None,
        state=state_of(answer),
        tu=start,
        den=end,
        **await _names(request),
    )


@router.get("/khieu-nai/thong-ke.xlsx")
async def statistics_xlsx(request: Request, who: Who, tu: str, den: str) -> Response:
    """The statistics and the case list as an Excel workbook (the API's export)."""
    async with Api(request) as api:
        answer = await api.get("/complaints/stats.xlsx", **{"from": tu, "to": den})
    return _passed_on(answer, f"thong-ke-don-{tu}-{den}.xlsx")


def _passed_on(answer: Answer, filename: str, inline: bool = False) -> Response:
    if not answer.ok:
        raise HTTPException(answer.status, answer.error)
    return stored_file(answer.content, filename, declared=answer.media_type, inline=inline, framed=True)


@router.get("/khieu-nai/{case_id}", response_class=HTMLResponse)
async def case(request: Request, case_id: str, who: Who) -> HTMLResponse:
    """A case with its facts, files, notes and the steps this person may take now."""
    async with Api(request) as api:
        answer = await api.get(f"/complaints/cases/{case_id}")
    if not answer.ok:
        raise HTTPException(answer.status, answer.error)
    found: dict[str, Any] = answer.data
    secret = await codes.state_of(db_of(request), who.principal.id)
    return render(
        request,
        "complaint.html",
        who,
        title=f"Đơn số {found['number']}",
        c=found,
        kinds=KIND_LABELS,
        results=RESULTS,
        complexities=COMPLEXITIES,
        deadline_labels=DEADLINE_LABELS,
        totp_ready=bool(secret and secret.get("active")),
        today=date.today().isoformat(),
        **await _names(request),
    )


async def _step(request: Request, case_id: str, action: str, body: dict[str, Any], done: str) -> Response:
    async with Api(request) as api:
        answer = await api.post(f"/complaints/cases/{case_id}/{action}", body)
    return outcome(answer, _page_of(case_id), done)


@router.post("/khieu-nai/{case_id}/phan-loai")
async def classify(request: Request, case_id: str, who: Who) -> Response:
    form = await request.form()
    body = {"kind": text_of(form, "kind"), "several_places": text_of(form, "several_places") == "1"}
    return await _step(request, case_id, "classify", body, "Đã phân loại đơn")


@router.post("/khieu-nai/{case_id}/thu-ly")
async def accept(request: Request, case_id: str, who: Who) -> Response:
    form = await request.form()
    body = {
        "unit_id": text_of(form, "unit_id"),
        "officer_id": text_of(form, "officer_id") or None,
        "complexity": text_of(form, "complexity") or "normal",
        "decision_known_on": text_of(form, "decision_known_on") or None,
        "limitation_excuse": text_of(form, "limitation_excuse") or None,
    }
    return await _step(request, case_id, "accept", body, "Đã thụ lý và giao đơn vị giải quyết")


@router.post("/khieu-nai/{case_id}/khong-thu-ly")
async def reject(request: Request, case_id: str, who: Who) -> Response:
    form = await request.form()
    body = {
        "reason": text_of(form, "reason"),
        "ground": text_of(form, "ground") or None,
        "forward_to": text_of(form, "forward_to") or None,
    }
    return await _step(request, case_id, "reject", body, "Đã ghi nhận không thụ lý, người gửi được thông báo")


@router.post("/khieu-nai/{case_id}/giao")
async def assign(request: Request, case_id: str, who: Who) -> Response:
    form = await request.form()
    body = {"unit_id": text_of(form, "unit_id"), "officer_id": text_of(form, "officer_id") or None}
    return await _step(request, case_id, "assign", body, "Đã giao lại đơn vị giải quyết")


@router.post("/khieu-nai/{case_id}/ghi-chu")
async def note(request: Request, case_id: str, who: Who) -> Response:
    form = await request.form()
    return await _step(request, case_id, "notes", {"text": text_of(form, "text")}, "Đã ghi chú xác minh")


@router.post("/khieu-nai/{case_id}/chung-cu")
async def evidence(request: Request, case_id: str, who: Who) -> Response:
    """Evidence: a description and its files, stored by the complaints API."""
    form = await request.form()
    uploads = [f for f in form.getlist("files") if not isinstance(f, str) and f.filename]
    if not uploads and file_of(form, "files") is None:
        return back(_page_of(case_id), err="Cần chọn ít nhất một tệp chứng cứ")
    files = [
        ("files", (f.filename or "tep", await f.read(), f.content_type or "application/octet-stream"))
        for f in uploads
    ]
    async with Api(request) as api:
        answer = await api.call(
            "POST", f"/complaints/cases/{case_id}/evidence", data={"text": text_of(form, "text")}, files=files
        )
    return outcome(answer, _page_of(case_id), "Đã lưu chứng cứ")


@router.post("/khieu-nai/{case_id}/gia-han")
async def extend(request: Request, case_id: str, who: Who) -> Response:
    form = await request.form()
    body = {
        "days": text_of(form, "days"),
        "reason": text_of(form, "reason"),
        "complexity": text_of(form, "complexity") or None,
    }
    return await _step(request, case_id, "extend", body, "Đã gia hạn giải quyết, người gửi được thông báo")


@router.post("/khieu-nai/{case_id}/ket-luan")
async def conclude(request: Request, case_id: str, who: Who) -> Response:
    """The conclusion drafted and sent for the signature (the person's one-time code confirms it)."""
    form = await request.form()
    body = {
        "result": text_of(form, "result"),
        "summary": text_of(form, "summary"),
        "signer": text_of(form, "signer"),
        "otp": text_of(form, "otp") or None,
    }
    return await _step(
        request, case_id, "conclude", body, "Đã trình ký kết luận; sau khi ký, văn thư cấp số và ban hành"
    )


@router.get("/khieu-nai/{case_id}/ket-luan.pdf")
async def conclusion_pdf(request: Request, case_id: str, who: Who) -> Response:
    async with Api(request) as api:
        answer = await api.get(f"/complaints/cases/{case_id}/conclusion.pdf")
    return _passed_on(answer, "ket-luan.pdf", inline=True)


def _file_name(found: Answer, index: int, note_id: int | None) -> str:
    """The file's own name, from the case's record."""
    if not found.ok:
        return f"tep-{index + 1}"
    files = found.data.get("attachments", [])
    if note_id is not None:
        notes = [n for n in found.data.get("notes", []) if n.get("id") == note_id]
        files = notes[0]["files"] if notes else []
    named = [f["name"] for f in files if f.get("index") == index]
    return named[0] if named else f"tep-{index + 1}"


@router.get("/khieu-nai/{case_id}/tep/{index}")
async def attachment(request: Request, case_id: str, index: int, who: Who) -> Response:
    """A file the submitter attached."""
    async with Api(request) as api:
        answer = await api.get(f"/complaints/cases/{case_id}/files/{index}")
        found = await api.get(f"/complaints/cases/{case_id}")
    return _passed_on(answer, _file_name(found, index, None))


@router.get("/khieu-nai/{case_id}/ghi-chu/{note_id}/tep/{index}")
async def evidence_file(request: Request, case_id: str, note_id: int, index: int, who: Who) -> Response:
    """An evidence file of a note."""
    async with Api(request) as api:
        answer = await api.get(f"/complaints/cases/{case_id}/notes/{note_id}/files/{index}")
        found = await api.get(f"/complaints/cases/{case_id}")
    return _passed_on(answer, _file_name(found, index, note_id))

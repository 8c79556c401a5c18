"""One-stop dossiers ("Hồ sơ một cửa", the intake module): the counter's list with filters, receiving a
dossier, a dossier's page with its steps (accept, supplement request once listing everything, refuse,
transfer to a unit, result, return), the apology form when late, and the printed forms Mẫu 01 to 06.

Each form posts to the intake API as the person; the API decides who may take which step.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from hub.files import stored_file
from portal.staff.client import Answer, Api
from portal.staff.kit import WHOLE, Who, back, db_of, outcome, render, state_of, text_of
from portal.staff.people import chart

router = APIRouter(prefix="/staff", include_in_schema=False)
HOME = "/staff/mot-cua"
STATUSES = {
    "received": "Mới tiếp nhận",
    "supplement_requested": "Chờ bổ sung",
    "accepted": "Đã tiếp nhận giải quyết",
    "transferred": "Đang giải quyết tại đơn vị",
    "result_ready": "Đã có kết quả",
    "returned": "Đã trả kết quả",
    "refused": "Từ chối",
}
CHANNELS = {"counter": "Tại quầy", "online": "Trực tuyến", "post": "Bưu chính"}
FORMS = {
    "mau-01": ("receipt.pdf", "Mẫu 01 - Giấy tiếp nhận hồ sơ và hẹn trả kết quả"),
    "mau-02": ("supplement.pdf", "Mẫu 02 - Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"),
    "mau-03": ("refusal.pdf", "Mẫu 03 - Phiếu từ chối tiếp nhận giải quyết hồ sơ"),
    "mau-04": ("apology.pdf", "Mẫu 04 - Phiếu xin lỗi và hẹn lại ngày trả kết quả"),
    "mau-05": ("control.pdf", "Mẫu 05 - Phiếu kiểm soát quá trình giải quyết hồ sơ"),
}
ACTIONS = {
    "tiep-nhan": ("accepted", "Đã tiếp nhận giải quyết, hẹn ngày trả kết quả"),
    "bo-sung": ("supplement_requested", "Đã gửi yêu cầu bổ sung (Mẫu 02)"),
    "da-bo-sung": ("received", "Đã nhận hồ sơ bổ sung"),
    "tu-choi": ("refused", "Đã từ chối, lập Phiếu từ chối (Mẫu 03)"),
    "chuyen": ("transferred", "Đã chuyển hồ sơ đến đơn vị giải quyết"),
    "co-ket-qua": ("result_ready", "Đã ghi nhận có kết quả"),
    "tra-ket-qua": ("result_returned", "Đã trả kết quả cho người nộp"),
}


def _page_of(code: str) -> str:
    return f"{HOME}/{quote(code)}"


def _target(answer: Answer, code: str) -> str:
    """Where a step goes back to: the dossier's page, or the list when the dossier is not this person's
    to see (its page would only answer 404)."""
    return HOME if answer.status == 404 else _page_of(code)


async def _names(request: Request) -> dict[str, Any]:
    units, users = await chart(db_of(request))
    return {
        "unit_names": {u["id"]: u["name"] for u in units},
        "names": {u["id"]: u["full_name"] for u in users},
        "units": [u for u in units if u["id"] not in ("BGD",)],
    }


def _due_state(d: dict[str, Any], today: date) -> str | None:
    """The colour of the appointment: overdue, due within 2 days, on time; done on time or late."""
    if d.get("status") in ("result_ready", "returned"):
        return "done_on_time" if d.get("on_time") is not False else "done_late"
    due = d.get("due_date")
    if not due or d.get("status") not in ("accepted", "transferred"):
        return None
    days = (date.fromisoformat(due) - today).days
    return "overdue" if days < 0 else ("due_soon" if days <= 2 else "on_time")


@router.get("/mot-cua", response_class=HTMLResponse)
async def dossiers(
    request: Request,
    who: Who,
    status: str = "",
    unit_id: str = "",
    procedure_code: str = "",
    q: str = "",
    han: str = "",
) -> HTMLResponse:
    """The counter's dossiers, newest first, by status, unit, procedure, words and deadline."""
    wanted = {"status": status, "unit_id": unit_id, "procedure_code": procedure_code, "q": q}
    flags = {"at_risk": "true"} if han == "sap-het" else ({"overdue": "true"} if han == "qua-han" else {})
    async with Api(request) as api:
        answer = await api.get("/intake/dossiers", limit=WHOLE, **wanted, **flags)
        procedures = await api.get("/intake/procedures", limit=WHOLE)
    today = date.today()
    rows = [{**d, "due_state": _due_state(d, today)} for d in answer.items]
    return render(
        request,
        "onestop.html",
        who,
        title="Hồ sơ một cửa",
        rows=rows,
        total=answer.total,
        state=state_of(answer),
        error=answer.error,
        filters={**wanted, "han": han},
        statuses=STATUSES,
        procedures=procedures.items,
        year_start=date(today.year, today.month, 1).isoformat(),
        today=today.isoformat(),
        **await _names(request),
    )


@router.get("/mot-cua/so-theo-doi.pdf")
async def register_pdf(request: Request, who: Who, tu: str, den: str) -> Response:
    """Mẫu 06: the register of the dossiers received in the period."""
    async with Api(request) as api:
        answer = await api.get("/intake/register.pdf", **{"from": tu, "to": den})
    return _passed_on(answer, "so-theo-doi-ho-so.pdf")


def _passed_on(answer: Answer, filename: str, inline: bool = True) -> Response:
    if not answer.ok:
        raise HTTPException(answer.status, answer.error)
    return stored_file(answer.content, filename, declared=answer.media_type, inline=inline, framed=True)


@router.get("/mot-cua/moi", response_class=HTMLResponse)
async def new_form(request: Request, who: Who) -> HTMLResponse:
    """Receive a dossier at the counter: procedure, applicant, scanned documents."""
    async with Api(request) as api:
        procedures = await api.get("/intake/procedures", limit=WHOLE)
    return render(
        request, "onestop_new.html", who, title="Tiếp nhận hồ sơ tại quầy", procedures=procedures.items
    )


@router.post("/mot-cua/moi")
async def receive(request: Request, who: Who) -> Response:
    """Store the scans, then receive the dossier (accepted at once when complete)."""
    form = await request.form()
    applicant = {
        key: text_of(form, key) or None for key in ("name", "id_number", "phone", "email", "address")
    }
    async with Api(request) as api:
        documents = []
        for f in form.getlist("files"):
            if isinstance(f, UploadFile) and f.filename:
                stored = await api.call(
                    "POST",
                    f"/intake/files?name={quote(f.filename)}",
                    content=await f.read(),
                    headers={"content-type": f.content_type or "application/octet-stream"},
                )
                if not stored.ok:
                    return back(f"{HOME}/moi", err=stored.error)
                documents.append(stored.data)
        body = {
            "procedure_code": text_of(form, "procedure_code"),
            "applicant": applicant,
            "channel": "counter",
            "documents": documents,
            "accept": text_of(form, "accept") == "1",
            "note": text_of(form, "note"),
        }
        answer = await api.post("/intake/dossiers", body)
    if not answer.ok:
        return back(f"{HOME}/moi", err=answer.error)
    return back(_page_of(answer.data["code"]), ok=f"Đã tiếp nhận hồ sơ, mã {answer.data['code']}")


@router.get("/mot-cua/{code}", response_class=HTMLResponse)
async def dossier(request: Request, code: str, who: Who) -> HTMLResponse:
    """A dossier: its facts, documents, steps (Mẫu 05) and what this person may do now."""
    async with Api(request) as api:
        answer = await api.get(f"/intake/dossiers/{quote(code)}")
    if not answer.ok:
        raise HTTPException(answer.status, answer.error)
    d: dict[str, Any] = answer.data
    today = date.today()
    return render(
        request,
        "onestop_dossier.html",
        who,
        title=f"Hồ sơ {d['code']}",
        d={**d, "due_state": _due_state(d, today)},
        forms=_forms_of(d),
        channels=CHANNELS,
        today=today.isoformat(),
        **await _names(request),
    )


def _forms_of(d: dict[str, Any]) -> list[tuple[str, str]]:
    """The printed forms this dossier has: (link key, title)."""
    steps = {s["action"] for s in d.get("steps", [])}
    have = {
        "mau-01": d.get("original_due_date") is not None,
        "mau-02": d.get("supplement_requested_on") is not None,
        "mau-03": d.get("status") == "refused",
        "mau-04": "apology" in steps,
        "mau-05": True,
    }
    return [(key, FORMS[key][1]) for key, present in have.items() if present]


@router.get("/mot-cua/{code}/{form}.pdf")
async def printed(request: Request, code: str, form: str, who: Who) -> Response:
    """One of the dossier's printed forms (Mẫu 01 to 05) inline."""
    if form not in FORMS:
        raise HTTPException(404, "Không có mẫu này")
    async with Api(request) as api:
        answer = await api.get(f"/intake/dossiers/{quote(code)}/{FORMS[form][0]}")
    return _passed_on(answer, f"{form}.pdf")


@router.get("/mot-cua/{code}/tai-lieu/{index}")
async def document_file(request: Request, code: str, index: int, who: Who) -> Response:
    """One document of the dossier."""
    async with Api(request) as api:
        answer = await api.get(f"/intake/dossiers/{quote(code)}/files/{index}")
    return _passed_on(answer, f"tai-lieu-{index + 1}", inline=False)


@router.post("/mot-cua/{code}/xin-loi")
async def apology(request: Request, code: str, who: Who) -> Response:
    """Mẫu 04: apology and new appointment (once, at the latest one day before the deadline)."""
    form = await request.form()
    body = {"reason": text_of(form, "reason"), "new_due_date": text_of(form, "new_due_date")}
    async with Api(request) as api:
        answer = await api.post(f"/intake/dossiers/{quote(code)}/apology", body)
    return outcome(answer, _target(answer, code), "Đã lập Phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)")


@router.post("/mot-cua/{code}/{step}")
async def act(request: Request, code: str, step: str, who: Who) -> Response:
    """One step of the dossier (the words of the URL are Vietnamese, the API's actions are not)."""
    if step not in ACTIONS:
        raise HTTPException(404, "Không có thao tác này")
    action, done = ACTIONS[step]
    form = await request.form()
    items = [line.strip(" -•\t") for line in text_of(form, "items").splitlines() if line.strip(" -•\t")]
    body = {"note": text_of(form, "note"), "unit_id": text_of(form, "unit_id") or None, "items": items}
    async with Api(request) as api:
        answer = await api.post(f"/intake/dossiers/{quote(code)}/actions/{action}", body)
    return outcome(answer, _target(answer, code), done)

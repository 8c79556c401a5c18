"""Work dossiers (hồ sơ công việc): the list with its filters, the count per account and the yearly
index; a dossier's page with its entries, a note, closing and the hand-over to the archive."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from portal.staff.client import Api
from portal.staff.kit import HANOI, WHOLE, Who, back, outcome, render, state_of, text_of

router = APIRouter(prefix="/staff", include_in_schema=False)
HOME = "/staff/ho-so"
STATUSES = {"open": "Đang mở", "closed": "Đã đóng", "archived": "Đã nộp lưu"}


@router.get("/ho-so", response_class=HTMLResponse)
async def dossiers(
    request: Request,
    who: Who,
    q: str = "",
    status: str = "",
    year: str = "",
    creator: str = "",
    nop_luu: str = "",
) -> HTMLResponse:
    day = datetime.now(HANOI).date()
    this_year = day.year
    chosen = int(year) if year.isdigit() else None
    wanted = {
        "q": q,
        "status": status if status in STATUSES else "",
        "year": chosen or "",
        "creator": creator,
        "transfer": "true" if nop_luu == "1" else "",
    }
    params = {k: v for k, v in wanted.items() if v}
    async with Api(request) as api:
        listed, counted = await api.many(
            f"/documents/dossiers?{urlencode({**params, 'limit': WHOLE})}",
            f"/documents/dossiers/counts?{urlencode({'year': chosen} if chosen else {})}",
        )
    return render(
        request,
        "dossiers.html",
        who,
        title="Hồ sơ công việc",
        rows=listed.items,
        total=listed.data.get("total", 0) if listed.ok else 0,
        state=state_of(listed),
        error=listed.error,
        counts=counted.data if counted.ok and isinstance(counted.data, list) else [],
        filters={"q": q, "status": status, "year": year, "creator": creator, "nop_luu": nop_luu == "1"},
        today=day.isoformat(),
        soon=(day + timedelta(days=30)).isoformat(),
        statuses=STATUSES,
        years=list(range(this_year, this_year - 6, -1)),
        index_year=chosen or this_year,
    )


@router.get("/ho-so/{dossier_id}", response_class=HTMLResponse)
async def dossier(request: Request, dossier_id: str, who: Who) -> HTMLResponse:
    async with Api(request) as api:
        answer = await api.get(f"/documents/dossiers/{dossier_id}")
    if not answer.ok:
        raise HTTPException(answer.status, answer.error)
    return render(request, "dossier.html", who, title=answer.data["title"], dossier=answer.data)


@router.post("/ho-so")
async def dossier_create(request: Request, who: Who) -> Response:
    """A new dossier, from the list or from a document (which then goes in it)."""
    form = await request.form()
    body = {
        "title": text_of(form, "title"),
        "notation": text_of(form, "notation"),
        "description": text_of(form, "description"),
        "maintenance": text_of(form, "maintenance"),
    }
    async with Api(request) as api:
        answer = await api.post("/documents/dossiers", body)
        if answer.ok and text_of(form, "document_id"):
            await api.post(
                f"/documents/dossiers/{answer.data['id']}/items",
                {"document_id": text_of(form, "document_id")},
            )
    if not answer.ok:
        return back(text_of(form, "back") or HOME, err=answer.error)
    return back(f"{HOME}/{answer.data['id']}", ok="Đã lập hồ sơ")


@router.post("/ho-so/{dossier_id}/ghi-chu")
async def dossier_note(request: Request, dossier_id: str, who: Who) -> Response:
    form = await request.form()
    async with Api(request) as api:
        answer = await api.post(f"/documents/dossiers/{dossier_id}/items", {"note": text_of(form, "note")})
    return outcome(answer, f"{HOME}/{dossier_id}", "Đã thêm ghi chú vào hồ sơ")


@router.post("/ho-so/{dossier_id}/dong")
async def dossier_close(request: Request, dossier_id: str, who: Who) -> Response:
    async with Api(request) as api:
        answer = await api.post(f"/documents/dossiers/{dossier_id}/close")
    return outcome(answer, f"{HOME}/{dossier_id}", "Đã đóng hồ sơ")


@router.post("/ho-so/{dossier_id}/nop-luu")
async def dossier_archive(request: Request, dossier_id: str, who: Who) -> Response:
    form = await request.form()
    async with Api(request) as api:
        answer = await api.post(
            f"/documents/dossiers/{dossier_id}/archive", {"retention": text_of(form, "retention")}
        )
    return outcome(answer, f"{HOME}/{dossier_id}", "Đã nhận hồ sơ vào lưu trữ cơ quan")


@router.post("/van-ban/{doc_id}/vao-ho-so")
async def document_into_dossier(request: Request, doc_id: str, who: Who) -> Response:
    """Put a document in one of the open dossiers (the same document may sit in several, never copied)."""
    form = await request.form()
    async with Api(request) as api:
        answer = await api.post(
            f"/documents/dossiers/{text_of(form, 'dossier_id')}/items", {"document_id": doc_id}
        )
    return outcome(answer, f"/staff/van-ban/{doc_id}", "Đã đưa văn bản vào hồ sơ")

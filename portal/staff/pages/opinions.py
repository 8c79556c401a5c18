"""Requests for opinions on a document (xin ý kiến, góp ý): asked from the document's page, answered
by the people asked (Đồng ý, Không đồng ý, Ý kiến khác), extended or closed by the asker; each form
posts to the documents API and comes back to the document's page."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from portal.staff.client import Api
from portal.staff.kit import Who, back, db_of, document_page, outcome, render, text_of, texts_of
from portal.staff.people import people_by_unit

router = APIRouter(prefix="/staff", include_in_schema=False)
CHOICES = ("agree", "disagree", "other")


@router.get("/van-ban/{doc_id}/xin-y-kien", response_class=HTMLResponse)
async def ask_form(request: Request, doc_id: str, who: Who) -> HTMLResponse:
    """The form: what to ask, by when, which units and people (the document must be readable)."""
    async with Api(request) as api:
        answer = await api.get(f"/documents/{doc_id}")
    if not answer.ok:
        raise HTTPException(answer.status, answer.error)
    return render(
        request,
        "opinion_ask.html",
        who,
        title="Xin ý kiến về văn bản",
        doc=answer.data,
        directory=await people_by_unit(db_of(request), who.principal.id),
        today=date.today().isoformat(),
    )


@router.post("/van-ban/{doc_id}/xin-y-kien")
async def ask(request: Request, doc_id: str, who: Who) -> Response:
    form = await request.form()
    page = document_page(doc_id)
    question, deadline = text_of(form, "question"), text_of(form, "deadline")
    people, units = texts_of(form, "to"), texts_of(form, "unit")
    form_page = f"{page}/xin-y-kien"
    if not question:
        return back(form_page, err="Cần ghi nội dung xin ý kiến")
    if not deadline:
        return back(form_page, err="Cần chọn hạn góp ý")
    if not people and not units:
        return back(form_page, err="Chọn ít nhất một cán bộ hoặc một đơn vị để xin ý kiến")
    body = {"question": question, "deadline": deadline, "user_ids": people, "unit_ids": units}
    async with Api(request) as api:
        answer = await api.post(f"/documents/{doc_id}/opinions", body)
    if not answer.ok:
        return back(form_page, err=answer.error)
    return back(page, ok="Đã gửi xin ý kiến; người được hỏi nhận được thông báo")


def _page_of(form_doc: str) -> str:
    return document_page(form_doc) if form_doc else "/staff/"


@router.post("/y-kien/{request_id}/tra-loi")
async def reply(request: Request, request_id: str, who: Who) -> Response:
    form = await request.form()
    page = _page_of(text_of(form, "document_id"))
    choice = text_of(form, "answer")
    if choice not in CHOICES:
        return back(page, err="Chọn Đồng ý, Không đồng ý hoặc Ý kiến khác")
    body = {"answer": choice, "comment": text_of(form, "comment")}
    async with Api(request) as api:
        answer = await api.post(f"/documents/opinions/{request_id}/answer", body)
    return outcome(answer, page, "Đã gửi ý kiến của bạn")


@router.post("/y-kien/{request_id}/gia-han")
async def extend(request: Request, request_id: str, who: Who) -> Response:
    form = await request.form()
    page = _page_of(text_of(form, "document_id"))
    deadline = text_of(form, "deadline")
    if not deadline:
        return back(page, err="Cần chọn hạn mới")
    async with Api(request) as api:
        answer = await api.post(f"/documents/opinions/{request_id}/extend", {"deadline": deadline})
    return outcome(answer, page, "Đã gia hạn góp ý; người chưa trả lời được báo")


@router.post("/y-kien/{request_id}/ket-thuc")
async def close(request: Request, request_id: str, who: Who) -> Response:
    form = await request.form()
    page = _page_of(text_of(form, "document_id"))
    async with Api(request) as api:
        answer = await api.post(f"/documents/opinions/{request_id}/close", {})
    return outcome(answer, page, "Đã kết thúc lấy ý kiến")

"""Incoming documents: a scanned paper registered by the clerk, the electronic ones the axes refused,
then register or reject, assign,
officers, processing and completion (each a form posted to the documents API)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from portal.staff.client import Api
from portal.staff.kit import (
    WHOLE,
    Who,
    act_on_document,
    back,
    document_page,
    file_of,
    outcome,
    render,
    state_of,
    text_of,
    texts_of,
)
from portal.staff.labels import CONFIDENTIALITY, DOC_TYPES, ORDINARY, PRIORITIES
from portal.staff.pages.documents import start_own_tasks

router = APIRouter(prefix="/staff", include_in_schema=False)
PAPER_FORM = "/staff/van-ban-giay"


@router.get("/van-ban-bi-tu-choi", response_class=HTMLResponse)
async def refused(request: Request, who: Who, ngay: int = 30) -> HTMLResponse:
    """Electronic documents the axes' intake refused (clerks and leaders; the API refuses others)."""
    days = ngay if ngay in (7, 30, 90, 365) else 30
    async with Api(request) as api:
        answer = await api.get("/documents/incoming/refused", days=days, limit=WHOLE)
    return render(
        request,
        "refusals.html",
        who,
        title="Văn bản điện tử bị từ chối tiếp nhận",
        rows=answer.items,
        total=answer.total,
        days=days,
        state=state_of(answer),
        error=answer.error,
    )


@router.get("/van-ban-giay", response_class=HTMLResponse)
async def paper_form(request: Request, who: Who) -> HTMLResponse:
    return render(
        request,
        "paper.html",
        who,
        title="Vào sổ văn bản giấy",
        priorities=PRIORITIES,
        levels=CONFIDENTIALITY,
        types=DOC_TYPES,
    )


def _paper_metadata(form: FormData) -> dict[str, Any]:
    return {
        "subject": text_of(form, "subject"),
        "from_agency": text_of(form, "from_agency"),
        "code": text_of(form, "code") or None,
        "issued_date": text_of(form, "issued_date") or None,
        "document_type": text_of(form, "document_type") or None,
        "priority": text_of(form, "priority") or ORDINARY,
        "confidentiality": text_of(form, "confidentiality") or ORDINARY,
        "due_date": text_of(form, "due_date") or None,
        "allow_duplicate": text_of(form, "allow_duplicate") == "1",
    }


@router.post("/van-ban-giay")
async def paper_submit(request: Request, who: Who) -> Response:
    form = await request.form()
    file = file_of(form, "file")
    if file is None:
        return back(PAPER_FORM, err="Cần chọn tệp bản quét (PDF)")
    data = await file.read()
    async with Api(request) as api:
        answer = await api.call(
            "POST",
            "/documents/incoming/paper",
            data={"metadata": json.dumps(_paper_metadata(form), ensure_ascii=False)},
            files={"file": (file.filename or "scan.pdf", data, file.content_type or "application/pdf")},
        )
    if not answer.ok:
        return back(PAPER_FORM, err=answer.error)
    return back(document_page(answer.data["id"]), ok=f"Đã vào sổ, số đến {answer.data['number']}")


@router.post("/van-ban/{doc_id}/vao-so")
async def register(request: Request, doc_id: str, who: Who) -> Response:
    form = await request.form()
    body = {"allow_duplicate": text_of(form, "allow_duplicate") == "1"}
    return await act_on_document(request, doc_id, "register", body, "Đã vào sổ văn bản đến")


@router.post("/van-ban/{doc_id}/tu-choi")
async def reject(request: Request, doc_id: str, who: Who) -> Response:
    form = await request.form()
    reason = text_of(form, "reason")
    if not reason:
        return back(document_page(doc_id), err="Cần ghi lý do từ chối")
    return await act_on_document(request, doc_id, "reject", {"reason": reason}, "Đã từ chối văn bản")


@router.post("/van-ban/{doc_id}/giao")
async def assign(request: Request, doc_id: str, who: Who) -> Response:
    form = await request.form()
    body = {
        "lead_unit_id": text_of(form, "lead_unit_id"),
        "coordinating_unit_ids": texts_of(form, "coordinating_unit_ids"),
        "deadline": text_of(form, "deadline") or None,
        "instruction": text_of(form, "instruction"),
    }
    if not body["lead_unit_id"]:
        return back(document_page(doc_id), err="Cần chọn đơn vị chủ trì")
    return await act_on_document(request, doc_id, "assign", body, "Đã giao xử lý văn bản")


@router.post("/van-ban/{doc_id}/phan-cong")
async def handlers(request: Request, doc_id: str, who: Who) -> Response:
    form = await request.form()
    officers = texts_of(form, "officer_ids")
    body = {
        "officer_ids": officers,
        "lead_officer_id": text_of(form, "lead_officer_id") or (officers[0] if officers else None),
        "deadline": text_of(form, "deadline") or None,
    }
    return await act_on_document(request, doc_id, "handlers", body, "Đã phân công chuyên viên")


@router.post("/van-ban/{doc_id}/xu-ly")
async def processing(request: Request, doc_id: str, who: Who) -> Response:
    """The officer starts handling the document, and her tasks of it start with it (the two agree)."""
    form = await request.form()
    body = {"note": text_of(form, "note")}
    async with Api(request) as api:
        answer = await api.post(f"/documents/{doc_id}/processing", body)
        if answer.ok:
            await start_own_tasks(api, doc_id, who.principal.id)
    return outcome(answer, document_page(doc_id), "Đã nhận xử lý văn bản")


@router.post("/van-ban/{doc_id}/hoan-thanh")
async def complete(request: Request, doc_id: str, who: Who) -> Response:
    form = await request.form()
    body = {"note": text_of(form, "note")}
    return await act_on_document(request, doc_id, "complete", body, "Đã hoàn thành xử lý")

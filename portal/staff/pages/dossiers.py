"""Dossiers of a matter: open one from a document, and its page with the exports."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from portal.staff.client import Api
from portal.staff.kit import Who, back, render, text_of

router = APIRouter(prefix="/staff", include_in_schema=False)


@router.get("/ho-so/{dossier_id}", response_class=HTMLResponse)
async def dossier(request: Request, dossier_id: str, who: Who) -> HTMLResponse:
    async with Api(request) as api:
        answer = await api.get(f"/documents/dossiers/{dossier_id}")
    if not answer.ok:
        raise HTTPException(answer.status, answer.error)
    return render(request, "dossier.html", who, title=answer.data["title"], dossier=answer.data)


@router.post("/ho-so")
async def dossier_create(request: Request, who: Who) -> Response:
    """A new dossier; the document it was opened from goes in it."""
    form = await request.form()
    body = {
        "title": text_of(form, "title"),
        "notation": text_of(form, "notation"),
        "description": text_of(form, "description"),
    }
    async with Api(request) as api:
        answer = await api.post("/documents/dossiers", body)
        if answer.ok and text_of(form, "document_id"):
            await api.post(
                f"/documents/dossiers/{answer.data['id']}/items",
                {"document_id": text_of(form, "document_id")},
            )
    if not answer.ok:
        return back(text_of(form, "back") or "/staff/", err=answer.error)
    return back(f"/staff/ho-so/{answer.data['id']}", ok="Đã lập hồ sơ")

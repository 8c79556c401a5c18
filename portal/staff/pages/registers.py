"""The registers (sổ văn bản) of a year: choose a register, search, print, XLSX and PDF export links;
and, for the clerk or an administrator, the management of the registers and of the notation's
abbreviations (`/staff/so-van-ban/quan-ly`), through the documents API."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from portal.staff.client import Api
from portal.staff.kit import HANOI, Who, back, db_of, outcome, render, state_of, text_of, texts_of
from portal.staff.labels import DOC_TYPES
from portal.staff.people import chart

router = APIRouter(prefix="/staff", include_in_schema=False)
MANAGE = "/staff/so-van-ban/quan-ly"
PAGE = 200  # rows of a register per page
ALL_TYPES = [
    *DOC_TYPES,
    "Nghị quyết",
    "Chỉ thị",
    "Quy chế",
    "Quy định",
    "Hướng dẫn",
    "Chương trình",
    "Biên bản",
]


def _chosen(books: list[dict[str, Any]], code: str, kind: str) -> dict[str, Any] | None:
    """The register asked for by code, else the default one of the direction asked for."""
    found = [b for b in books if b["code"] == code] or [
        b for b in books if b["direction"] == kind and b["default"]
    ]
    return found[0] if found else None


@router.get("/so-van-ban", response_class=HTMLResponse)
async def registers(
    request: Request, who: Who, q: str = "", kind: str = "in", year: int = 0, so: str = "", trang: int = 1
) -> HTMLResponse:
    year = year or datetime.now(HANOI).year
    page = max(1, trang)
    async with Api(request) as api:
        listed = await api.get("/documents/registers", year=year)
        books = listed.data if listed.ok and isinstance(listed.data, list) else []
        book = _chosen(books, so, kind)
        kind = book["direction"] if book else kind
        answer = await api.get(
            "/documents",
            q=q,
            direction=kind,
            year=year,
            register=book["code"] if book else None,
            order="number",
            limit=PAGE,
            offset=(page - 1) * PAGE,
        )
    rows = [d for d in answer.items if d.get("number") is not None]
    pages = max(1, -(-answer.total // PAGE))
    here = {"q": q, "kind": kind, "year": year, "so": book["code"] if book else so}
    return render(
        request,
        "registers.html",
        who,
        title="Sổ văn bản",
        rows=rows,
        state=state_of(answer),
        error=answer.error,
        q=q,
        kind=kind,
        year=year,
        books=books,
        book=book,
        page=page,
        pages=pages,
        total=answer.total,
        previous=f"/staff/so-van-ban?{urlencode({**here, 'trang': page - 1})}" if page > 1 else "",
        next=f"/staff/so-van-ban?{urlencode({**here, 'trang': page + 1})}" if page < pages else "",
        report_from=datetime.now(HANOI).date().replace(day=1).isoformat(),
        report_to=datetime.now(HANOI).date().isoformat(),
    )


@router.get("/so-van-ban/quan-ly", response_class=HTMLResponse)
async def manage(request: Request, who: Who) -> HTMLResponse:
    async with Api(request) as api:
        listed, notation = await api.many("/documents/registers", "/documents/notation")
    units = await _units(request)
    return render(
        request,
        "registers_manage.html",
        who,
        title="Quản lý sổ văn bản và ký hiệu",
        books=listed.data if listed.ok and isinstance(listed.data, list) else [],
        state=state_of(listed),
        error=listed.error,
        notation=notation.data if notation.ok else {"agency": "", "units": {}},
        units=units,
        types=ALL_TYPES,
        manager=who.has("clerk", "admin"),
    )


async def _units(request: Request) -> dict[str, str]:
    found, _users = await chart(db_of(request))
    return {str(u["id"]): str(u["name"]) for u in found}


@router.post("/so-van-ban/quan-ly/mo-so")
async def open_register(request: Request, who: Who) -> Response:
    form = await request.form()
    body = {
        "code": text_of(form, "code"),
        "name": text_of(form, "name"),
        "direction": text_of(form, "direction"),
        "document_types": texts_of(form, "types"),
        "confidential": text_of(form, "confidential") == "1",
    }
    if not body["code"] or not body["name"]:
        return back(MANAGE, err="Cần mã sổ và tên sổ")
    async with Api(request) as api:
        answer = await api.post("/documents/registers", body)
    return outcome(answer, MANAGE, f"Đã mở sổ «{body['name']}»; sổ đánh số từ 01 mỗi năm")


@router.post("/so-van-ban/quan-ly/so/{code}")
async def change_register(request: Request, code: str, who: Who) -> Response:
    form = await request.form()
    body: dict[str, Any] = {"name": text_of(form, "name") or None, "active": text_of(form, "active") == "1"}
    if text_of(form, "direction") == "out":
        body["document_types"] = texts_of(form, "types")
    async with Api(request) as api:
        answer = await api.call("PATCH", f"/documents/registers/{code}", json=body)
    return outcome(answer, MANAGE, "Đã lưu sổ; số đã cấp giữ nguyên")


@router.post("/so-van-ban/quan-ly/ky-hieu")
async def change_notation(request: Request, who: Who) -> Response:
    form = await request.form()
    units = {key.removeprefix("unit-"): str(value) for key, value in form.items() if key.startswith("unit-")}
    body = {"agency": text_of(form, "agency"), "units": units}
    async with Api(request) as api:
        answer = await api.call("PUT", "/documents/notation", json=body)
    return outcome(answer, MANAGE, "Đã lưu chữ viết tắt; áp dụng cho số cấp từ nay")


@router.get("/so-van-ban/bao-cao")
async def handling_report(request: Request, who: Who, kind: str = "incoming", fmt: str = "pdf") -> Response:
    """The report form's answer: the report of that kind and period (`from`, `to`), from the documents API."""
    kind = kind if kind in ("incoming", "outgoing") else "incoming"
    fmt = fmt if fmt in ("pdf", "xlsx") else "pdf"
    start, end = request.query_params.get("from", ""), request.query_params.get("to", "")
    return RedirectResponse(
        f"/api/documents/reports/{kind}.{fmt}?{urlencode({'from': start, 'to': end})}", status_code=303
    )

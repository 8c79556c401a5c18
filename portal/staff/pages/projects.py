"""Investment projects ("Dự án đầu tư", the projects module's registry): the list with filters (funding,
sector, district, status, year), statistics with charts, the XLSX import (every bad row named) and
export, and a project's page with the versions of its adjustments, investor reports and documents.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from portal.staff.client import Answer, Api
from portal.staff.kit import WHOLE, Who, back, file_of, render, state_of
from schemas.projects import FUNDING_LABELS, STATUS_LABELS

router = APIRouter(prefix="/staff", include_in_schema=False)
HOME = "/staff/du-an"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DIMENSIONS = {
    "funding": "Nguồn vốn",
    "year": "Năm cấp lần đầu",
    "district": "Quận, huyện",
    "sector": "Ngành",
    "country": "Quốc gia của nhà đầu tư chính",
    "status": "Trạng thái",
}
CHART_ROWS = 12  # the longest charts show the largest values; the table below lists them all


def vnd(value: int | float | None) -> str:
    """An amount in VND as the department writes it: 1.234.567 (dots between thousands)."""
    return f"{int(value or 0):,}".replace(",", ".")


def billions(value: int | float | None) -> str:
    """An amount in tỷ đồng with one decimal (1.234,5)."""
    whole = f"{(value or 0) / 1e9:,.1f}"
    return whole.replace(",", " ").replace(".", ",").replace(" ", ".")


def key_label(by: str, key: Any) -> str:
    """The words for a statistics key: a funding source or status in Vietnamese, else the value."""
    if key is None or key == "":
        return "Không rõ"
    if by == "funding":
        return FUNDING_LABELS.get(str(key), str(key))
    if by == "status":
        return STATUS_LABELS.get(str(key), str(key))
    return str(key)


def chart(report: dict[str, Any] | None, by: str) -> dict[str, Any] | None:
    """Rows of one statistics report with their labels and bar lengths (share of the largest capital)."""
    if not report:
        return None
    rows = report.get("rows", [])
    if by == "year":
        rows = sorted(rows, key=lambda r: str(r["key"]))
    top = max((r["capital_vnd"] for r in rows), default=0) or 1
    shown = [
        {
            **r,
            "label": key_label(by, r["key"]),
            "bar": round(100 * r["capital_vnd"] / top, 1),
            "capital": billions(r["capital_vnd"]),
            "usd": vnd(r["capital_usd"]),
            "land": vnd(r["land_area_m2"]),
        }
        for r in rows
    ]
    return {
        "by": by,
        "title": DIMENSIONS[by],
        "rows": shown,
        "chart": shown if by == "year" else shown[:CHART_ROWS],
        "projects": report.get("projects", 0),
        "capital": billions(report.get("capital_vnd", 0)),
        "usd": vnd(report.get("capital_usd", 0)),
    }


def _row(p: dict[str, Any]) -> dict[str, Any]:
    return {
        **p,
        "funding_label": FUNDING_LABELS.get(p["funding"], p["funding"]),
        "status_label": STATUS_LABELS.get(p["status"], p["status"]),
        "capital": billions(p.get("capital_vnd")),
    }


@router.get("/du-an", response_class=HTMLResponse)
async def projects(
    request: Request,
    who: Who,
    q: str = "",
    funding: str = "",
    sector: str = "",
    district: str = "",
    status: str = "",
    year: str = "",
) -> HTMLResponse:
    """Projects, latest certificate first, by funding, sector, district, status, year and words."""
    wanted = {"q": q, "funding": funding, "sector": sector, "district": district, "status": status}
    if year.isdigit():
        wanted["year"] = year
    async with Api(request) as api:
        answer = await api.get("/projects", limit=WHOLE, **wanted)
        choices = await api.many(
            "/projects/stats?by=district", "/projects/stats?by=sector", "/projects/stats?by=year"
        )
    return _list_page(request, who, answer, choices, {**wanted, "year": year})


def _list_page(
    request: Request,
    who: Who,
    answer: Answer,
    choices: list[Answer],
    filters: dict[str, str],
    import_errors: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    keys = [
        sorted(str(r["key"]) for r in c.data.get("rows", []) if r["key"]) if c.ok else [] for c in choices
    ]
    rows = [_row(p) for p in answer.items]
    return render(
        request,
        "projects.html",
        who,
        title="Dự án đầu tư",
        status_code=status_code,
        rows=rows,
        total=answer.total,
        capital=billions(sum(p.get("capital_vnd", 0) for p in answer.items)),
        state=state_of(answer),
        error=answer.error,
        filters=filters,
        fundings=FUNDING_LABELS,
        statuses=STATUS_LABELS,
        districts=keys[0],
        sectors=keys[1],
        years=sorted(keys[2], reverse=True),
        import_errors=import_errors or [],
        export_query=f"?funding={quote(filters.get('funding', ''))}" if filters.get("funding") else "",
    )


@router.get("/du-an/thong-ke", response_class=HTMLResponse)
async def statistics(request: Request, who: Who, funding: str = "", status: str = "") -> HTMLResponse:
    """Projects and capital by funding source, year, district, sector and country, charted."""
    order = ["funding", "year", "district", "sector", "country"]
    async with Api(request) as api:
        answers = [await api.get("/projects/stats", by=by, funding=funding, status=status) for by in order]
    if not answers[0].ok and not answers[0].missing:
        raise HTTPException(answers[0].status, answers[0].error)
    charts = [chart(a.data if a.ok else None, by) for a, by in zip(answers, order, strict=True)]
    return render(
        request,
        "project_stats.html",
        who,
        title="Thống kê dự án đầu tư",
        charts=[c for c in charts if c],
        state=state_of(answers[0]),
        filters={"funding": funding, "status": status},
        fundings=FUNDING_LABELS,
        statuses=STATUS_LABELS,
    )


@router.get("/du-an/xuat.xlsx")
async def export(request: Request, who: Who, funding: str = "") -> Response:
    """Every project (of a funding source) as an Excel file in the import layout."""
    async with Api(request) as api:
        answer = await api.get("/projects/export.xlsx", funding=funding)
    if not answer.ok:
        raise HTTPException(answer.status, answer.error)
    return Response(
        answer.content,
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="du-an-dau-tu.xlsx"'},
    )


@router.post("/du-an/nhap", response_class=HTMLResponse)
async def import_file(request: Request, who: Who) -> Response:
    """Import an Excel file: all or nothing; a refused file lists every bad row on the page."""
    form = await request.form()
    upload = file_of(form, "file")
    if upload is None or not upload.filename:
        return back(HOME, err="Cần chọn tệp Excel (.xlsx)")
    data = await upload.read()
    async with Api(request) as api:
        answer = await api.call("POST", "/projects/import", content=data, headers={"content-type": XLSX})
        if answer.ok:
            r = answer.data
            return back(
                HOME,
                ok=f"Đã nhập {r['rows']} dòng: {r['registered']} dự án mới, {r['adjusted']} điều chỉnh, "
                f"{r['unchanged']} không thay đổi",
            )
        errors = _import_errors(answer)
        listing = await api.get("/projects", limit=WHOLE)
        choices = await api.many(
            "/projects/stats?by=district", "/projects/stats?by=sector", "/projects/stats?by=year"
        )
    # 422: bad rows; 403: the file holds projects the caller's unit does not manage (the reason shown)
    return _list_page(request, who, listing, choices, {}, import_errors=errors, status_code=answer.status)


def _import_errors(answer: Answer) -> list[str]:
    detail = answer.data.get("detail") if isinstance(answer.data, dict) else None
    if isinstance(detail, dict) and isinstance(detail.get("errors"), list):
        return [str(e) for e in detail["errors"]]
    return [answer.error]


@router.get("/du-an/{code}", response_class=HTMLResponse)
async def project(request: Request, code: str, who: Who) -> HTMLResponse:
    """A project: the certificate's content, every version, investor reports, linked documents."""
    async with Api(request) as api:
        answer = await api.get(f"/projects/{quote(code)}")
        if not answer.ok:
            raise HTTPException(answer.status, answer.error)
        history = await api.get(f"/projects/{quote(code)}/history", limit=WHOLE)
    p: dict[str, Any] = answer.data
    return render(
        request,
        "project.html",
        who,
        title=p["name"],
        p=_row(p),
        versions=list(reversed(history.items)),
        vnd=vnd,
        billions=billions,
    )

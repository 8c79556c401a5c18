"""The citizens' dossier look-up (`router`), mounted under /public without login.

- `GET /public/tra-cuu-ho-so?ma=`: the page (phone first): status, appointment, a rescheduled date,
  and what a supplement request asks for; nothing about the applicant.
- `GET /public/intake/lookup/{code}`: the same in JSON (status and dates).

Look-ups are rate-limited per client IP, counted in the database so every process shares the counts
(429 with `Retry-After` and a Vietnamese message).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel

from handlers.intake import IntakeModule, service
from handlers.intake.lifecycle import STATUS_LABELS, public_status, vn
from handlers.intake.models import Dossier
from hub.errors import NotFound
from hub.web import HubDep, hub_of, module_of
from kit.ratelimit import retry_header, vn_wait

router = APIRouter(tags=["public"])
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
TEMPLATES.env.filters["vndate"] = vn
EXPLAIN = {
    "received": "Hồ sơ đã được tiếp nhận, đang kiểm tra thành phần hồ sơ.",
    "supplement_requested": "Hồ sơ cần bổ sung, hoàn thiện các nội dung dưới đây trước khi được giải quyết.",
    "refused": "Hồ sơ không được tiếp nhận giải quyết; Ông/Bà đã được gửi phiếu từ chối nêu rõ lý do.",
    "accepted": "Hồ sơ đang được giải quyết.",
    "transferred": "Hồ sơ đã chuyển đến đơn vị chuyên môn, đang được giải quyết.",
    "result_ready": "Hồ sơ đã có kết quả. Mời Ông/Bà đến Bộ phận tiếp nhận và trả kết quả để nhận.",
    "returned": "Kết quả đã được trả.",
    "overdue": "Hồ sơ đã quá ngày hẹn trả kết quả. Cơ quan sẽ gửi phiếu xin lỗi và hẹn lại ngày trả.",
}


class PublicDossier(BaseModel):
    """What anyone holding the code may see: no name, no contact, no documents."""

    code: str
    procedure_name: str
    status: str
    status_label: str
    received_on: date
    appointment_date: date | None
    rescheduled: bool
    result_ready_on: date | None
    returned_on: date | None


def _intake(request: Request) -> IntakeModule:
    return module_of(request, "intake", IntakeModule)


def public_dossier(d: Dossier, today: date) -> PublicDossier:
    shown = public_status(d, today)
    return PublicDossier(
        code=d.code,
        procedure_name=d.procedure_name,
        status=shown,
        status_label=STATUS_LABELS[shown],
        received_on=d.received_on,
        appointment_date=d.due_date,
        rescheduled=d.original_due_date is not None and d.due_date != d.original_due_date,
        result_ready_on=d.result_ready_on,
        returned_on=d.returned_on,
    )


async def _find(request: Request, code: str) -> Dossier | float:
    """The dossier (NotFound when none), or the seconds to wait when the client looked up too often."""
    intake = _intake(request)
    hub = hub_of(request)
    client = request.client.host if request.client else "unknown"
    wait = await intake.limiter(hub.db).hit(client)
    if wait > 0:
        return wait
    async with hub.db.session() as s:
        return await service.lookup(s, code)


@router.get("/intake/lookup/{code}", response_model=PublicDossier)
async def lookup(code: str, request: Request, hub: HubDep) -> Response | PublicDossier:
    """Look a dossier up by its code (tra cứu hồ sơ): status and dates only."""
    found = await _find(request, code)
    if isinstance(found, float):  # rate limiting is the web edge's business, not a domain refusal
        return JSONResponse(
            {"detail": f"Quá nhiều lượt tra cứu, vui lòng thử lại sau {vn_wait(found)}"},
            status_code=429,
            headers={"Retry-After": retry_header(found)},
        )
    return public_dossier(found, _intake(request).today())


def _page(request: Request, status_code: int = 200, **context: Any) -> HTMLResponse:
    hub = hub_of(request)
    response = TEMPLATES.TemplateResponse(
        request,
        "public/lookup.html",
        {
            "agency_name": hub.settings.agency_name,
            "title": "Tra cứu hồ sơ thủ tục hành chính",
            "complaints": any(m.name == "complaints" for m in hub.modules),
            **context,
        },
        status_code=status_code,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/tra-cuu-ho-so", response_class=HTMLResponse)
async def lookup_page(request: Request, ma: str = "") -> HTMLResponse:
    """The look-up page: the form, and the dossier's status when a code is given."""
    code = ma.strip()
    if not code:
        return _page(request, code="")
    try:
        found = await _find(request, code)
    except NotFound:
        return _page(
            request,
            code=code,
            error=f"Không tìm thấy hồ sơ mã {code}. Hãy kiểm tra lại mã in trên giấy tiếp nhận.",
            status_code=404,
        )
    if isinstance(found, float):
        response = _page(
            request,
            code=code,
            error="Ông/Bà đã tra cứu quá nhiều lần trong thời gian ngắn. "
            f"Vui lòng thử lại sau {vn_wait(found)}.",
            status_code=429,
        )
        response.headers["Retry-After"] = retry_header(found)
        return response
    view = public_dossier(found, _intake(request).today())
    supplement = found.supplement_items if found.status == "supplement_requested" else []
    return _page(
        request,
        code=code,
        dossier=view,
        explain=EXPLAIN.get(view.status, ""),
        supplement=supplement,
        supplement_on=found.supplement_requested_on,
    )

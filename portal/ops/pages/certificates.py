"""USB token certificates bound to the people who sign with them (admin only), through the signing
service's API: bind one from its certificate file, see who holds which, end a binding."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from hub.auth import Principal
from hub.web import hub_of
from portal.ops import orgchart
from portal.ops.pages.kit import ADMIN, render, see_other
from portal.staff.client import Api

router = APIRouter(include_in_schema=False)
PAGE = "/signing-certificates"


def _back(**query: str) -> Response:
    return see_other(f"{PAGE}?{urlencode(query)}")


def _reason(detail: object, fallback: str) -> str:
    return detail if isinstance(detail, str) and detail else fallback


@router.get(PAGE, response_class=HTMLResponse)
async def page(request: Request, principal: Principal = ADMIN) -> HTMLResponse:
    async with Api(request) as api:
        answer = await api.get("/signing/certificates")
    people = [p for p in await orgchart.list_people(hub_of(request)) if p["active"]]
    return render(
        request,
        "certificates.html",
        principal,
        bound=answer.data if answer.ok and isinstance(answer.data, list) else [],
        signing_off=answer.status == 404,
        people=people,
        error=request.query_params.get("error", ""),
        done=request.query_params.get("done", ""),
    )


@router.post(PAGE, response_model=None)
async def bind(request: Request, principal: Principal = ADMIN) -> Response:
    form = await request.form()
    upload = form.get("file")
    user_id = str(form.get("user_id") or "")
    if not isinstance(upload, UploadFile) or not upload.filename or not user_id:
        return _back(error="Cần chọn người ký và tệp chứng thư số của token")
    data = await upload.read(64 * 1024 + 1)
    async with Api(request) as api:
        answer = await api.call(
            "POST",
            "/signing/certificates",
            data={"user_id": user_id},
            files={"file": (upload.filename, data)},
        )
    if not answer.ok:
        detail = answer.data.get("detail") if isinstance(answer.data, dict) else None
        return _back(error=_reason(detail, "Chưa gán được chứng thư số"))
    return _back(done="certificate_bound")


@router.post(PAGE + "/{binding_id}/unbind", response_model=None)
async def unbind(request: Request, binding_id: int, principal: Principal = ADMIN) -> Response:
    async with Api(request) as api:
        answer = await api.call("DELETE", f"/signing/certificates/{binding_id}")
    if not answer.ok:
        detail = answer.data.get("detail") if isinstance(answer.data, dict) else None
        return _back(error=_reason(detail, "Chưa bỏ gán được chứng thư số"))
    return _back(done="certificate_unbound")

"""Security: turn on one-time codes (TOTP, RFC 6238) for signing, through the signing API.

The secret is made, kept (encrypted) and checked by the hub (`hub.otp`, `/api/signing/otp`); the page
shows it only while it waits for its first code, and replacing an active secret needs a current code.
"""

from __future__ import annotations

from typing import Any

import segno
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from portal.staff.client import Answer, Api
from portal.staff.kit import Who, back, render, text_of

router = APIRouter(prefix="/staff", include_in_schema=False)
PAGE = "/staff/bao-mat"
OTP_API = "/signing/otp"


def _problem(answer: Answer) -> str:
    if answer.missing:
        return "Dịch vụ ký số chưa được nạp trên máy chủ này"
    return answer.error


def _qr(uri: str) -> Markup:
    """The otpauth address as a QR code (inline SVG, no script, no style) for the authenticator app."""
    if not uri:
        return Markup("")
    code = segno.make(uri, error="m")
    # segno draws the address as path data; the only text is our own title: nothing of the user's is markup
    return Markup(  # noqa: S704
        code.svg_inline(
            scale=5, border=4, dark="#000", light="#fff", title="Mã QR để quét bằng ứng dụng xác thực"
        )
    )


@router.get("/bao-mat", response_class=HTMLResponse)
async def security(request: Request, who: Who) -> HTMLResponse:
    async with Api(request) as api:
        answer = await api.get(OTP_API)
    state: dict[str, Any] = answer.data if answer.ok and isinstance(answer.data, dict) else {}
    secret = state.get("secret")
    return render(
        request,
        "security.html",
        who,
        title="Bảo mật: mã xác thực một lần",
        enrolled=bool(state.get("active")),
        pending={"secret": secret} if secret else None,
        uri=state.get("uri") or "",
        qr=_qr(state.get("uri") or "") if secret else "",
        problem="" if answer.ok else _problem(answer),
    )


@router.post("/bao-mat/tao")
async def enrol(request: Request, who: Who) -> Response:
    """A new secret; replacing an active one needs a code of the current one."""
    form = await request.form()
    async with Api(request) as api:
        answer = await api.post(f"{OTP_API}/enrol", {"otp": text_of(form, "otp") or None})
    if not answer.ok:
        return back(PAGE, err=_problem(answer))
    return back(PAGE, ok="Đã tạo khóa bí mật; nhập mã từ ứng dụng để kích hoạt")


@router.post("/bao-mat/kich-hoat")
async def activate(request: Request, who: Who) -> Response:
    """Activate the secret with a first code from the person's app (that code is then used)."""
    form = await request.form()
    async with Api(request) as api:
        answer = await api.post(f"{OTP_API}/activate", {"otp": text_of(form, "otp")})
    if not answer.ok:
        return back(PAGE, err=_problem(answer))
    return back(PAGE, ok="Đã kích hoạt mã xác thực một lần")

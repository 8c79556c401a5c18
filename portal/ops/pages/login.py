"""Log in (the form, with its own CSRF cookie), log out, and switch the interface language."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from hub.auth import CSRF_COOKIE, SESSION_COOKIE, Authenticator, Principal, authenticate, log_out
from hub.orgchart import ROLE_LABELS, User
from hub.web import hub_of
from portal.ops import queries
from portal.ops.i18n import LANG_COOKIE, LANGS, lang_of, translate
from portal.ops.pages.kit import STAFF_HOME, render, see_other, staff_mounted
from portal.ops.security import LOGIN_CSRF_COOKIE, OPS_READ, new_login_token, safe_next

router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str = "/") -> HTMLResponse:
    token = new_login_token()
    response = render(
        request,
        "login.html",
        None,
        next=safe_next(next),
        login_csrf=token,
        error="",
        demo=await demo_accounts(request),
    )
    auth: Authenticator = request.app.state.authenticator
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, max_age=1800, httponly=True, samesite="strict", secure=auth.secure_cookies
    )
    return response


DEMO_PASSWORD_FILE = "demo-password.txt"  # noqa: S105 - a file name, written by the demo seed of `lienthong up`


async def demo_accounts(request: Request) -> dict[str, object] | None:
    """On a demo office (its seed wrote the shared password file), who can log in, as what, and where
    the password is; None on a real office."""
    hub = hub_of(request)
    password_file = hub.settings.data_dir / DEMO_PASSWORD_FILE
    if not await asyncio.to_thread(password_file.exists):
        return None
    async with hub.db.session() as s:
        users = (await s.execute(select(User).where(User.active.is_(True)).order_by(User.username))).scalars()
        accounts = [
            (u.username, u.full_name, ", ".join(ROLE_LABELS.get(r, r) for r in u.roles or [])) for u in users
        ]
    return {"accounts": accounts[:30], "password_file": str(password_file)}


@router.post("/login", response_model=None)
async def login_submit(
    request: Request,
    username: str = Form(...),
    password: str = Form(...),
    csrf_token: str = Form(""),
    next: str = Form("/"),
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or csrf_token != expected:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Thiếu hoặc sai mã chống giả mạo (CSRF)")
    try:
        user = await authenticate(request, username.strip(), password)
    except HTTPException as exc:
        return await _refused(request, exc, username, expected, next)
    auth: Authenticator = request.app.state.authenticator
    response = see_other(_landing(request, user, next))
    auth.set_cookies(response, auth.issue(user))
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    await queries.record_audit(hub_of(request).db, user.username, "portal.login", "portal")
    return response


async def _refused(
    request: Request, exc: HTTPException, username: str, login_csrf: str, next: str
) -> Response:
    """The form again with the reason (wrong name or password, or wait: too many attempts); audited.

    A throttled attempt shows the throttle's own words (how long to wait), the same for any name."""
    throttled = exc.status_code == status.HTTP_429_TOO_MANY_REQUESTS
    key = "throttled" if throttled else "login_failed"
    await queries.record_audit(
        hub_of(request).db, username.strip()[:120] or "?", "portal.login_failed", "portal", reason=key
    )
    response = render(
        request,
        "login.html",
        None,
        status_code=exc.status_code,
        next=safe_next(next),
        login_csrf=login_csrf,
        error=str(exc.detail) if throttled else translate(lang_of(request), key),
    )
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def _landing(request: Request, user: User, next: str) -> str:
    """Where to go after logging in: the asked page; staff without an ops role land on their own pages."""
    target = safe_next(next)
    if target == "/" and not Principal.of(user).has(*OPS_READ) and staff_mounted(request):
        return STAFF_HOME
    return target


@router.post("/logout")
async def logout(request: Request) -> RedirectResponse:
    """End every session of the person (all devices) and drop this browser's cookies."""
    await log_out(request)
    response = see_other("/login")
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
    return response


@router.get("/lang/{code}")
async def language(code: str, next: str = "/") -> RedirectResponse:
    response = see_other(safe_next(next))
    if code in LANGS:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="lax")
    return response

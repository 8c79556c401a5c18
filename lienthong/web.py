"""The portal's ASGI app: health, metrics, the modules' REST APIs and the ops pages.

Access: every page and API needs a login except `/healthz`, the login form and the modules' public
routers (`module.public_router()`, e.g. the citizens' dossier look-up), mounted under `/public`.
`/metrics` answers a Prometheus scraper presenting `Authorization: Bearer $LIENTHONG_METRICS_TOKEN`,
or a logged-in ops account; when no token is configured, scrapes from the loopback interface are
allowed without one.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import structlog
from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.auth import Authenticator, Principal, auth_router, current_principal, load_secret
from hub.bodylimit import BodyLimit, portal_limits
from hub.forwarded import TrustedProxies
from hub.runtime import Hub
from hub.web import install_error_handler
from kit.ratelimit import parse_networks
from portal.ops import api, pages
from portal.ops.health import health
from portal.ops.metrics import render as render_metrics
from portal.ops.pages.kit import render as render_page
from portal.ops.security import OPS_READ, LoginRequired

log = structlog.get_logger(__name__)
METRICS_TOKEN_ENV = "LIENTHONG_METRICS_TOKEN"  # noqa: S105 - the name of a variable
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
JSON_PREFIXES = ("/api/", "/healthz", "/metrics")
PUBLIC_PREFIX = "/public"  # modules' public routers (citizens' look-ups), mounted without login
# every HTML page: scripts and styles only from our own static files, never inline, never framed
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    # the leader's USB token answers through the signing agent on their own machine (loopback)
    "connect-src 'self' http://127.0.0.1:* http://localhost:*; "
    "frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'"
)
OPS_STATIC = Path(__file__).parents[1] / "portal" / "ops" / "static"
PUBLIC_STATIC = Path(__file__).with_name("static") / "public"


def create_app(hub: Hub) -> FastAPI:
    """Build the app around a running hub."""
    app = FastAPI(title="Lienthong", version="0.1.0", docs_url="/api/docs", openapi_url="/api/openapi.json")
    app.state.hub = hub
    # the ops and public pages' own CSS and script (no login: the login page and citizens need them)
    app.mount("/static/ops", StaticFiles(directory=OPS_STATIC), name="ops-static")
    app.mount(PUBLIC_PREFIX + "/static", StaticFiles(directory=PUBLIC_STATIC), name="public-static")
    secret = hub.settings.secret_key.get_secret_value() if hub.settings.secret_key else None
    app.state.authenticator = Authenticator(
        load_secret(hub.settings.data_dir, secret), hub.settings.cookies_secure
    )
    app.include_router(auth_router, prefix="/api")

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> JSONResponse:
        report = await health(hub)
        return JSONResponse(report, status_code=200 if report["ok"] else 503)

    @app.get("/metrics", tags=["ops"], response_class=PlainTextResponse)
    async def metrics(request: Request) -> PlainTextResponse:
        await _metrics_access(request)
        return PlainTextResponse(
            await render_metrics(hub), media_type="text/plain; version=0.0.4; charset=utf-8"
        )

    app.include_router(api.router)
    app.include_router(pages.router)
    app.state.staff = _mount_staff(app)

    # The docs of the REST API are part of the portal: behind login like the rest.
    _guard_docs(app)

    for module in hub.modules:
        router = module.router()
        if router is not None:
            app.include_router(router, prefix="/api", dependencies=[Depends(current_principal)])
        public = getattr(module, "public_router", None)
        if callable(public):
            open_router = public()
            if open_router is not None:
                app.include_router(open_router, prefix=PUBLIC_PREFIX)

    _install_handlers(app)
    # bodies bounded before they are read; the client's address taken from trusted proxies only
    app.add_middleware(BodyLimit, limits=portal_limits(hub.settings.upload_max_bytes))
    app.add_middleware(TrustedProxies, proxies=parse_networks(hub.settings.trusted_proxies))
    return app


def _mount_staff(app: FastAPI) -> bool:
    """Include the staff web interface (portal.staff, /staff) when it is present and loads."""
    try:
        from portal.staff import router as staff_router

        app.include_router(staff_router())
    except Exception as exc:  # another contributor's package: never let it take the ops portal down
        log.warning("portal.staff_not_mounted", error=f"{type(exc).__name__}: {exc}")
        return False
    return True


async def _metrics_access(request: Request) -> None:
    token = os.environ.get(METRICS_TOKEN_ENV, "")
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and secrets.compare_digest(header[7:], token):
        return
    if not token and request.client is not None and request.client.host in LOOPBACK:
        return
    principal = await current_principal(request)
    if not principal.has(*OPS_READ):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Cần quyền xem vận hành")


def _guard_docs(app: FastAPI) -> None:
    guarded = {"/api/docs", "/api/openapi.json", "/api/docs/oauth2-redirect"}

    @app.middleware("http")
    async def docs_need_login(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.url.path in guarded:
            try:
                await current_principal(request)
            except HTTPException as exc:
                if request.url.path == "/api/docs":
                    return RedirectResponse("/login?next=/api/docs", status_code=303)
                return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        response = await call_next(request)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        html = response.headers.get("content-type", "").startswith("text/html")
        if html and request.url.path not in guarded:  # the API docs page is FastAPI's, inline script
            response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
        return response


def _install_handlers(app: FastAPI) -> None:
    install_error_handler(app)

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(exc.location, status_code=status.HTTP_303_SEE_OTHER)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        path = request.url.path
        if path.startswith(JSON_PREFIXES) or "text/html" not in request.headers.get("accept", "text/html"):
            return await http_exception_handler(request, exc)
        if path == PUBLIC_PREFIX or path.startswith(PUBLIC_PREFIX + "/"):
            return _public_error(request, exc)
        principal: Any = getattr(request.state, "principal", None)
        return render_page(
            request,
            "error.html",
            principal if isinstance(principal, Principal) else None,
            status_code=exc.status_code,
            code=exc.status_code,
            detail=exc.detail,
        )


def _public_error(request: Request, exc: StarletteHTTPException) -> Response:
    """A citizen's browser that asked for a page the public site does not have: the public site's own
    look, in Vietnamese, with the way back to its home page (never a raw JSON error)."""
    from handlers.complaints.api_public import TEMPLATES

    hub: Hub = request.app.state.hub
    if exc.status_code == status.HTTP_404_NOT_FOUND:
        title = "Không tìm thấy trang"
        message = (
            "Địa chỉ này không có trên cổng dịch vụ công của Sở. "
            "Ông/Bà có thể gửi đơn hoặc tra cứu từ trang chủ."
        )
    else:
        title = "Chưa thực hiện được yêu cầu"
        message = f"Yêu cầu chưa thực hiện được (mã lỗi {exc.status_code}). Vui lòng thử lại từ trang chủ."
    return TEMPLATES.TemplateResponse(
        request,
        "public/message.html",
        {"agency_name": hub.settings.agency_name, "intake_lookup": False, "title": title, "message": message},
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )

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
from typing import Any

import structlog
from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub.auth import Authenticator, Principal, auth_router, current_principal, load_secret
from hub.runtime import Hub
from portal import api, pages
from portal.health import health
from portal.metrics import render as render_metrics
from portal.security import OPS_READ, LoginRequired

log = structlog.get_logger(__name__)
METRICS_TOKEN_ENV = "LIENTHONG_METRICS_TOKEN"  # noqa: S105 - the name of a variable
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
JSON_PREFIXES = ("/api/", "/healthz", "/metrics", "/public/")
PUBLIC_PREFIX = "/public"  # modules' public routers (citizens' look-ups), mounted without login


def create_app(hub: Hub) -> FastAPI:
    """Build the app around a running hub."""
    app = FastAPI(title="Lienthong", version="0.1.0", docs_url="/api/docs", openapi_url="/api/openapi.json")
    app.state.hub = hub
    secret = hub.settings.secret_key.get_secret_value() if hub.settings.secret_key else None
    app.state.authenticator = Authenticator(
        load_secret(hub.settings.data_dir, secret), hub.settings.secure_cookies
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

    app.include_router(api.build_router())
    app.include_router(pages.build_router())
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
        return response


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(exc.location, status_code=status.HTTP_303_SEE_OTHER)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        path = request.url.path
        if path.startswith(JSON_PREFIXES) or "text/html" not in request.headers.get("accept", "text/html"):
            return await http_exception_handler(request, exc)
        principal: Any = getattr(request.state, "principal", None)
        return pages.render(
            request,
            "error.html",
            principal if isinstance(principal, Principal) else None,
            status_code=exc.status_code,
            code=exc.status_code,
            detail=exc.detail,
        )

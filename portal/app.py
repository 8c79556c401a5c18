"""The portal's ASGI app: health, the modules' REST APIs and the ops pages."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse, JSONResponse

from hub.auth import Authenticator, auth_router, current_principal, load_secret
from hub.runtime import Hub
from portal.health import health


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

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index() -> str:
        return (
            "<!doctype html><html lang='vi'><meta charset='utf-8'><title>Lienthong</title>"
            "<h1>Trục liên thông Lienthong</h1><p>Cổng vận hành đang chạy. "
            "<a href='/healthz'>Tình trạng</a> · <a href='/api/docs'>API</a></p></html>"
        )

    for module in hub.modules:
        router = module.router()
        if router is not None:
            app.include_router(router, prefix="/api", dependencies=[Depends(current_principal)])
    return app

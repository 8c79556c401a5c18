"""The webhook attendance devices post to, on the adapter's own port: authenticated batches of punches.

`POST /attendance/v1/devices/{device_id}/events` with `X-Lt-Signature: sha256=<HMAC of the body>`:
401 for an unknown device or a wrong MAC, 413 over 1 MB, 422 for a body that is not a batch
(a domain error, answered by the app's handler), else `{accepted, device_id}`. `GET /healthz`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, FastAPI, HTTPException, Request, status
from pydantic import BaseModel

from adapters.attendance import service
from adapters.attendance.hmac_auth import MAC_HEADER, DeviceRefused, authenticate
from adapters.attendance.mapping import batch_of
from hub.web import HubDep, install_error_handler, module_of

if TYPE_CHECKING:
    from hub.runtime import Hub

MAX_BODY = 1_000_000

router = APIRouter(tags=["attendance-webhook"])


class Health(BaseModel):
    ok: bool


class BatchAccepted(BaseModel):
    accepted: int
    device_id: str


def _devices(request: Request) -> dict[str, str]:
    from adapters.attendance import AttendanceModule

    return module_of(request, "attendance", AttendanceModule).settings.devices


@router.get("/healthz")
async def healthz() -> Health:
    return Health(ok=True)


@router.post("/attendance/v1/devices/{device_id}/events")
async def receive(device_id: str, request: Request, hub: HubDep) -> BatchAccepted:
    """Authenticate the device by HMAC over the body, then put each event on the bus."""
    devices = _devices(request)
    if device_id not in devices:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"unknown device {device_id!r}")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"body over {MAX_BODY} bytes")
    try:
        authenticate(devices, device_id, body, request.headers.get(MAC_HEADER, ""))
    except DeviceRefused as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc)) from None
    accepted = await service.accept_batch(hub, device_id, batch_of(body))
    return BatchAccepted(accepted=accepted, device_id=device_id)


def create_app(hub: Hub | None) -> FastAPI:
    """A small app serving only the webhook, for the adapter's own listener."""
    app = FastAPI(title="Lienthong attendance webhook", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.hub = hub
    app.include_router(router)
    install_error_handler(app)
    return app

"""The webhook the one-stop system calls, served on the adapter's own port (outside the staff portal).

`POST /onestop/webhook`: a dossier event authenticated by HMAC (`hmac_auth.py`) with a delivery id;
answered 202 with the bus message id. Unauthenticated requests get 401, bodies that break the contract
422 (domain errors, answered by the app's handler). A request without the signature headers is refused
before its body is read, and the body is read bounded (`WEBHOOK_MAX_BYTES`, else 413) before its HMAC
is checked: a stranger cannot make the adapter hold a large body in memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog
from fastapi import APIRouter, FastAPI, HTTPException, Request, status
from pydantic import BaseModel

from adapters.onestop import service
from adapters.onestop.hmac_auth import DELIVERY_HEADER, MAC_HEADER, TIMESTAMP_HEADER, HmacRefused, verify
from hub.bodylimit import WEBHOOK_BYTES, BodyLimit, fixed_limit, read_bounded
from hub.web import HubDep, install_error_handler, module_of

if TYPE_CHECKING:
    from hub.runtime import Hub

log = structlog.get_logger(__name__)

router = APIRouter(tags=["onestop-webhook"])
WEBHOOK_MAX_BYTES = WEBHOOK_BYTES  # a dossier event is a few kilobytes; attachments travel by link


class Accepted(BaseModel):
    accepted: bool
    message_id: str


def _secret(request: Request) -> str:
    from adapters.onestop import OnestopModule

    secret = module_of(request, "onestop", OnestopModule).settings.secret
    if secret is None:  # the listener only runs with a secret; this guards a misuse of the router
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the one-stop adapter has no secret")
    return secret.get_secret_value()


@router.post("/onestop/webhook", status_code=202)
async def webhook(request: Request, hub: HubDep) -> Accepted:
    """Receive one authenticated dossier event; the delivery id makes redeliveries harmless."""
    secret = _secret(request)
    if not request.headers.get(MAC_HEADER) or not request.headers.get(TIMESTAMP_HEADER):
        log.warning("onestop.webhook_rejected", reason="unsigned")
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, f"missing {MAC_HEADER} or {TIMESTAMP_HEADER} header"
        )
    body = await read_bounded(request, WEBHOOK_MAX_BYTES)
    try:
        verify(secret, dict(request.headers), body)
    except HmacRefused as exc:
        log.warning("onestop.webhook_rejected", reason=str(exc))
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc)) from None
    delivery = request.headers.get(DELIVERY_HEADER.lower(), "")
    if not delivery:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"missing {DELIVERY_HEADER} header")
    env = await service.accept_webhook(hub, body, delivery)
    return Accepted(accepted=True, message_id=str(env.id))


def create_app(hub: Hub) -> FastAPI:
    """A small app serving only the webhook, for the adapter's own listener."""
    app = FastAPI(title="Lienthong one-stop webhook", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.hub = hub
    app.include_router(router)
    install_error_handler(app)
    app.add_middleware(BodyLimit, limits=fixed_limit(WEBHOOK_MAX_BYTES))
    return app

"""The webhook endpoint the one-stop system calls: verify, then publish `onestop.dossier_event`."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import structlog
from fastapi import APIRouter, FastAPI, HTTPException, Request, status
from pydantic import ValidationError

from adapters.onestop.signature import DELIVERY_HEADER, SignatureError, verify
from schemas.intake import OnestopDossierEvent

if TYPE_CHECKING:
    from hub.runtime import Hub

log = structlog.get_logger(__name__)
_NS = uuid.UUID("0b0c3f0e-5a52-4c8e-9a77-1f6f3c0d2e11")


def build_webhook_router(hub: Hub, secret: str) -> APIRouter:
    router = APIRouter(tags=["onestop-webhook"])

    @router.post("/onestop/webhook", status_code=202)
    async def webhook(request: Request) -> dict[str, Any]:
        """Receive one signed dossier event; the delivery id makes redeliveries harmless."""
        body = await request.body()
        try:
            verify(secret, dict(request.headers), body)
        except SignatureError as exc:
            log.warning("onestop.webhook_rejected", reason=str(exc))
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc)) from None
        delivery = request.headers.get(DELIVERY_HEADER.lower(), "")
        if not delivery:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, f"missing {DELIVERY_HEADER} header")
        try:
            event = OnestopDossierEvent.model_validate_json(body)
        except ValidationError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, exc.errors(include_url=False)) from None
        env = await hub.publish(
            "onestop.dossier_event",
            event,
            source="onestop",
            issue=event.code or event.external_id,
            id=uuid.uuid5(_NS, delivery),
        )
        return {"accepted": True, "message_id": str(env.id)}

    return router


def build_webhook_app(hub: Hub, secret: str) -> FastAPI:
    """A small app serving only the webhook (its own port, outside the staff portal)."""
    app = FastAPI(title="Lienthong one-stop webhook", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(build_webhook_router(hub, secret))
    return app

"""The webhook endpoint the one-stop system calls: verify, then publish `onestop.dossier_event`."""

from __future__ import annotations

import base64
import binascii
import json
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
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
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
            raw = json.loads(body)
            if not isinstance(raw, dict):
                raise ValueError("the body must be a JSON object")
            raw["documents"] = [await _store(hub, i, f) for i, f in enumerate(raw.get("documents") or [])]
            event = OnestopDossierEvent.model_validate(raw)
        except ValueError as exc:
            if not isinstance(exc, ValidationError):
                raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, exc.errors(include_url=False)
            ) from None
        env = await hub.publish(
            "onestop.dossier_event",
            event,
            source="onestop",
            issue=event.code or event.external_id,
            id=uuid.uuid5(_NS, delivery),
        )
        return {"accepted": True, "message_id": str(env.id)}

    return router


async def _store(hub: Hub, index: int, item: Any) -> Any:
    """Move an inline document (content_base64) to the Object Store; the event carries its claim check."""
    if not isinstance(item, dict) or "content_base64" not in item:
        return item
    try:
        data = base64.b64decode(item.pop("content_base64"), validate=True)
    except (binascii.Error, TypeError):
        raise ValueError(f"documents[{index}].content_base64 is not valid base64") from None
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValueError(f"documents[{index}] is {len(data)} bytes; the limit is {MAX_DOCUMENT_BYTES}")
    media = item.get("content_type") or "application/octet-stream"
    item["claim"] = (await hub.claims.put(data, media_type=media)).model_dump(mode="json")
    return item


def build_webhook_app(hub: Hub, secret: str) -> FastAPI:
    """A small app serving only the webhook (its own port, outside the staff portal)."""
    app = FastAPI(title="Lienthong one-stop webhook", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(build_webhook_router(hub, secret))
    return app

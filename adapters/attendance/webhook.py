"""The HTTP webhook attendance devices post to: signed batches of check-ins and check-outs."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Literal

import structlog
from fastapi import FastAPI, HTTPException, Request, status
from pydantic import BaseModel, Field, ValidationError

from schemas.timekeeping import AttendancePunched

log = structlog.get_logger(__name__)

SIGNATURE_HEADER = "X-Lt-Signature"
DEVICE_TZ = timezone(timedelta(hours=7), "ICT")
MAX_BODY = 1_000_000
_NS = uuid.UUID("0b8f3a3e-4a61-4f6e-9a43-2c1e6f7a9d15")

Publisher = Callable[[AttendancePunched, uuid.UUID], Awaitable[None]]


class DeviceEvent(BaseModel):
    """One event as the device reports it."""

    id: str = Field(min_length=1, max_length=80, description="Event id, unique on the device")
    user_code: str = Field(min_length=1, max_length=80, description="Enrolment code of the person")
    time: datetime = Field(description="ISO 8601; without an offset it is the device's local time (UTC+7)")
    type: Literal["in", "out", "check"] = "check"


class DeviceBatch(BaseModel):
    """What a device posts."""

    events: list[DeviceEvent] = Field(min_length=1, max_length=2000)


def sign(secret: str, body: bytes) -> str:
    """The signature header value for a body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def to_punch(device_id: str, event: DeviceEvent) -> AttendancePunched:
    moment = event.time if event.time.tzinfo else event.time.replace(tzinfo=DEVICE_TZ)
    return AttendancePunched(
        punch_id=f"{device_id}:{event.id}",
        employee_code=event.user_code,
        at=moment,
        direction="unknown" if event.type == "check" else event.type,
        source="device",
        device_id=device_id,
    )


def message_id(punch: AttendancePunched) -> uuid.UUID:
    """A stable id, so a batch the device re-sends is de-duplicated on the bus."""
    return uuid.uuid5(_NS, punch.punch_id)


def create_webhook_app(devices: Mapping[str, str], publish: Publisher) -> FastAPI:
    """The webhook: authenticate the device by HMAC over the body, then put each event on the bus."""
    app = FastAPI(title="Lienthong attendance webhook", docs_url=None, redoc_url=None)

    @app.get("/healthz")
    async def healthz() -> dict[str, bool]:
        return {"ok": True}

    @app.post("/attendance/v1/devices/{device_id}/events")
    async def receive(device_id: str, request: Request) -> dict[str, object]:
        secret = devices.get(device_id)
        if secret is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"unknown device {device_id!r}")
        body = await request.body()
        if len(body) > MAX_BODY:
            raise HTTPException(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, f"body over {MAX_BODY} bytes")
        sent = request.headers.get(SIGNATURE_HEADER, "")
        if not sent or not hmac.compare_digest(sent, sign(secret, body)):
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"missing or wrong {SIGNATURE_HEADER} header")
        try:
            batch = DeviceBatch.model_validate(json.loads(body))
        except json.JSONDecodeError as exc:
            raise HTTPException(422, f"body is not JSON: {exc}") from None
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:10]
            )
            raise HTTPException(422, f"invalid batch: {problems}") from None
        for event in batch.events:
            punch = to_punch(device_id, event)
            await publish(punch, message_id(punch))
        log.info("attendance.batch_accepted", device=device_id, events=len(batch.events))
        return {"accepted": len(batch.events), "device_id": device_id}

    return app

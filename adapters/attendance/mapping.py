"""The devices' wire format -> bus payloads: a posted batch of events becomes `attendance.punched`."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from hub.errors import Invalid
from schemas.timekeeping import AttendancePunched

DEVICE_TZ = timezone(timedelta(hours=7), "ICT")
_NS = uuid.UUID("0b8f3a3e-4a61-4f6e-9a43-2c1e6f7a9d15")


class DeviceEvent(BaseModel):
    """One event as the device reports it."""

    id: str = Field(min_length=1, max_length=80, description="Event id, unique on the device")
    user_code: str = Field(min_length=1, max_length=80, description="Enrolment code of the person")
    time: datetime = Field(description="ISO 8601; without an offset it is the device's local time (UTC+7)")
    type: Literal["in", "out", "check"] = "check"


class DeviceBatch(BaseModel):
    """What a device posts."""

    events: list[DeviceEvent] = Field(min_length=1, max_length=2000)


def batch_of(body: bytes) -> DeviceBatch:
    """The posted batch; a refusal saying what is wrong when the body is not one."""
    try:
        return DeviceBatch.model_validate(json.loads(body))
    except json.JSONDecodeError as exc:
        raise Invalid(f"body is not JSON: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:10])
        raise Invalid(f"invalid batch: {problems}") from None


def to_punch(device_id: str, event: DeviceEvent) -> AttendancePunched:
    """The bus payload of one device event."""
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

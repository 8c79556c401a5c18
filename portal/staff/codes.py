"""Whether the person has one-time codes for signing; `hub.otp` keeps them (the secret encrypted) and the
documents service checks them. The pages only show the state and enrol through the signing API."""

from __future__ import annotations

from typing import Any

from hub import otp
from hub.db import Database


async def state_of(db: Database, user_id: str) -> dict[str, Any] | None:
    """`{"active": bool}` once the person has enrolled (never the secret), None before."""
    async with db.session() as s:
        found = await otp.status(s, user_id)
    return {"active": found.active, "locked_until": found.locked_until} if found.enrolled else None

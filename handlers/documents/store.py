"""What the documents service keeps outside its tables: file content in the Object Store (read and
written with a time limit) and the ids of new rows."""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING

from hub.errors import TransientError

if TYPE_CHECKING:
    from hub.runtime import Hub
    from schemas.envelope import ClaimCheck

CLAIM_TIMEOUT = 30.0


def new_id() -> str:
    """A fresh row id."""
    return str(uuid.uuid4())


async def read_claim(hub: Hub, claim: ClaimCheck, timeout: float = CLAIM_TIMEOUT) -> bytes:
    """Object Store content with a time limit: a read that hangs becomes a retry, never a held lock."""
    try:
        return await asyncio.wait_for(hub.claims.get(claim), timeout)
    except TimeoutError:
        raise TransientError(f"reading {claim.key} from the Object Store took over {timeout:.0f} s") from None


async def put_claim(hub: Hub, data: bytes, media_type: str, timeout: float = CLAIM_TIMEOUT) -> ClaimCheck:
    """Store content with a time limit (see read_claim)."""
    try:
        return await asyncio.wait_for(hub.claims.put(data, media_type=media_type), timeout)
    except TimeoutError:
        raise TransientError(
            f"storing {len(data)} bytes in the Object Store took over {timeout:.0f} s"
        ) from None

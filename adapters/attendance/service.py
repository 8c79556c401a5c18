"""The attendance adapter's logic: each event of an authenticated batch goes on the bus."""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog

from adapters.attendance.mapping import DeviceBatch, message_id, to_punch
from hub.adapter_health import observed

if TYPE_CHECKING:
    from hub.runtime import Hub

log = structlog.get_logger(__name__)


async def accept_batch(hub: Hub, device_id: str, batch: DeviceBatch) -> int:
    """Publish one `attendance.punched` per event (stable ids: a re-sent batch is de-duplicated).

    Each batch counts as one exchange in the devices' health record.
    """
    async with observed(hub, "attendance"):
        for event in batch.events:
            punch = to_punch(device_id, event)
            await hub.publish(
                "attendance.punched",
                punch,
                source="attendance",
                id=message_id(punch),
                issue=f"punch:{punch.punch_id}",
            )
    log.info("attendance.batch_accepted", device=device_id, events=len(batch.events))
    return len(batch.events)

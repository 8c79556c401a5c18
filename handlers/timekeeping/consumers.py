"""Bus consumers of the timekeeping module: punches from devices, kiosks and the web (`attendance.punched`).

Transactional: the stored punch and the inbox row commit together, so a re-sent punch is stored once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.timekeeping import service

if TYPE_CHECKING:
    from hub.runtime import Delivery, Hub


def setup(hub: Hub) -> None:
    """Register the module's consumers on the hub."""

    @hub.consumer("timekeeping-punches", "lt.attendance.evt.punched", transactional=True)
    async def on_punched(d: Delivery) -> None:
        """Store a check-in or check-out (an unknown employee code is dead-lettered with the code)."""
        await service.record_punch(d, d.payload)

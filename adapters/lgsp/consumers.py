"""Bus glue of the city-axis adapter.

| consumer | subject | what it does |
|---|---|---|
| `lgsp-send` | `lt.axis.cmd.lgsp` (`axis.send` routed by the dispatcher) | SendDocument or a partner queue |
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.axis.service import LGSP_SUBJECT

if TYPE_CHECKING:
    from adapters.lgsp.service import LgspService
    from hub.runtime import Delivery, Hub

SEND_CONSUMER = "lgsp-send"


def setup(hub: Hub, service: LgspService) -> None:
    """Register the send consumer; it waits out an axis outage of hours before dead-lettering."""

    @hub.consumer(
        SEND_CONSUMER,
        LGSP_SUBJECT,
        types=["axis.send"],
        description="send over LGSP",
        max_deliver=service.settings.send_max_deliver,
    )
    async def send(d: Delivery) -> None:
        """Send one axis.send command to its city-axis recipients and push partners."""
        await service.send(d)

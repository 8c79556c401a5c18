"""Bus glue of the national axis: the `vdxp-send` consumer of the commands the dispatcher routes here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.adapter_health import observed

if TYPE_CHECKING:
    from adapters.vdxp import VdxpModule
    from hub.runtime import Delivery, Hub

SEND_CONSUMER = "vdxp-send"
SEND_SUBJECT = "lt.axis.cmd.vdxp"


def setup(hub: Hub, module: VdxpModule) -> None:
    """Register the send consumer; it sends with the module's client once the module has started."""

    @hub.consumer(
        SEND_CONSUMER,
        SEND_SUBJECT,
        types=["axis.send"],
        batch=8,
        max_deliver=module.settings.send_max_deliver,
        description="send over VDXP",
    )
    async def send(d: Delivery) -> None:
        """Send edXML documents and statuses through the national axis."""
        async with observed(hub, "vdxp", circuit=lambda: module.client.breaker.state.value):
            await module.sender.handle(d)

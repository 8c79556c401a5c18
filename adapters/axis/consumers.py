"""Bus glue of the axis dispatcher: the one consumer of `lt.axis.cmd.send`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.axis import service

if TYPE_CHECKING:
    from hub.runtime import Hub

DISPATCH_CONSUMER = "axis-dispatch"


def setup(hub: Hub) -> None:
    """`lt.axis.cmd.send` is a work-queue subject: exactly one consumer, this one, splits it."""
    hub.consumer(
        DISPATCH_CONSUMER,
        service.SEND_SUBJECT,
        types=["axis.send"],
        transactional=True,
        description="split axis.send between the city and the national axis",
    )(service.dispatch)

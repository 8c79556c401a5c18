"""The shared piece of the two axis adapters: the dispatcher, the intake and the edXML mapping.

`service.py` splits each `axis.send` by recipient between the city axis (LGSP) and the national axis
(VDXP); `intake.py` turns what either axis delivers into bus events or a refusal; `mapping.py` maps
edXML to the axis-neutral payloads of `schemas/axis.py` and builds outgoing edXML from typed commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.module import Module

if TYPE_CHECKING:
    from hub.runtime import Hub

__all__ = ["AxisDispatchModule", "module"]


class AxisDispatchModule(Module):
    """The one consumer of `lt.axis.cmd.send`."""

    name = "axis"

    def setup(self, hub: Hub) -> None:
        from adapters.axis import consumers

        consumers.setup(hub)


module = AxisDispatchModule()

"""Axis dispatch: one `axis.send` command, split by recipient between the national and the city axis."""

from adapters.axis.service import AxisDispatchModule

module = AxisDispatchModule()

__all__ = ["AxisDispatchModule", "module"]

"""Bus glue of the projects module: it consumes nothing.

The registry is changed through its REST API only; its changes leave as `project.*` events through the
outbox (see README.md). `setup()` exists so that the module has the same shape as the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hub.runtime import Hub


def setup(hub: Hub) -> None:
    """Register nothing: no message asks the registry to do anything."""

"""Bus glue of internal messaging: none.

Messaging consumes nothing from the bus; it only emits (`message.sent`, `notify.requested`) from the
API's transactions. `setup` exists so the module has the same shape as every other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hub.runtime import Hub


def setup(hub: Hub) -> None:
    """Register the module's consumers: there are none."""

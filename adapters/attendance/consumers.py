"""Bus glue of the attendance adapter: none. Devices push to the webhook; the adapter consumes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hub.runtime import Hub


def setup(hub: Hub) -> None:
    """Register nothing: the adapter only publishes `attendance.punched` (see service.py)."""

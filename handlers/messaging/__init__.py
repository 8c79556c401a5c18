"""Internal messaging: direct messages, unit and group broadcasts, leadership notices with read receipts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import schemas.messaging
import schemas.notify  # noqa: F401  (message types emitted here)
from handlers.messaging.module import MessagingModule

if TYPE_CHECKING:
    from hub.module import Module

module: Module = MessagingModule()

__all__ = ["MessagingModule", "module"]

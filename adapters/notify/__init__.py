"""Notification channels: in-app (server-sent events), e-mail (SMTP/TLS), SMS gateway and Zalo OA."""

from __future__ import annotations

from typing import TYPE_CHECKING

import schemas.documents
import schemas.notify
import schemas.tasks  # noqa: F401  (message types consumed here)
from adapters.notify.module import NotifyModule

if TYPE_CHECKING:
    from hub.module import Module

module: Module = NotifyModule()

__all__ = ["NotifyModule", "module"]

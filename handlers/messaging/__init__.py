"""Internal messaging: direct messages, unit and group broadcasts, leadership notices with read receipts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import schemas.messaging
import schemas.notify  # noqa: F401  (registers the message types emitted here)
from handlers.messaging import consumers
from handlers.messaging.settings import MessagingSettings
from hub.module import Module

if TYPE_CHECKING:
    from fastapi import APIRouter

    from hub.runtime import Hub


class MessagingModule(Module):
    """Internal messages, stored and searchable, with unread counts and read receipts."""

    name = "messaging"

    def __init__(self, settings: MessagingSettings | None = None) -> None:
        self._settings = settings

    @property
    def settings(self) -> MessagingSettings:
        if self._settings is None:
            self._settings = MessagingSettings()
        return self._settings

    def setup(self, hub: Hub) -> None:
        """Register the consumers (there are none: messaging only emits)."""
        consumers.setup(hub)

    def router(self) -> APIRouter:
        """The REST API under /api/messages."""
        from handlers.messaging.api import router

        return router


module = MessagingModule()

__all__ = ["MessagingModule", "module"]

"""The messaging module: a REST API only (it emits message.sent and notify.requested)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.module import Module

if TYPE_CHECKING:
    from fastapi import APIRouter


class MessagingModule(Module):
    """Internal messages, stored and searchable, with unread counts and read receipts."""

    name = "messaging"

    def router(self) -> APIRouter:
        from handlers.messaging.api import router

        return router

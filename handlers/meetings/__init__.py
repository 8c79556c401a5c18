"""Meeting schedule: registration, review, weekly publication, changes, iCalendar feeds, PDF and XLSX."""

from __future__ import annotations

from typing import TYPE_CHECKING

import schemas.meetings
import schemas.notify
import schemas.timekeeping  # noqa: F401  (registers the message types this module uses)
from handlers.meetings.settings import MeetingsSettings
from hub.module import Module

if TYPE_CHECKING:
    from fastapi import APIRouter

    from hub.runtime import Hub


class MeetingsModule(Module):
    """The leadership's weekly schedule (lịch công tác tuần)."""

    name = "meetings"

    def __init__(self, settings: MeetingsSettings | None = None) -> None:
        self._settings = settings

    @property
    def settings(self) -> MeetingsSettings:
        if self._settings is None:
            self._settings = MeetingsSettings()
        return self._settings

    def setup(self, hub: Hub) -> None:
        """Register the consumers (leave learnt from timekeeping)."""
        from handlers.meetings import consumers

        consumers.setup(hub, self.settings)

    def router(self) -> APIRouter:
        """The REST API under /api/meetings."""
        from handlers.meetings.api import router

        return router

    def public_router(self) -> APIRouter:
        """The personal calendar addresses under /public (calendar apps cannot log in)."""
        from handlers.meetings import api_public

        return api_public.router


module = MeetingsModule()

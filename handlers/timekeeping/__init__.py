"""Timekeeping: check-in/out from devices and the web, shift rules, leave, corrections, timesheets."""

from __future__ import annotations

from typing import TYPE_CHECKING

import schemas.notify
import schemas.timekeeping  # noqa: F401  (registers the message types this module uses)
from handlers.timekeeping.settings import TimekeepingSettings
from hub.module import Module

if TYPE_CHECKING:
    from fastapi import APIRouter

    from hub.runtime import Hub


class TimekeepingModule(Module):
    """Attendance punches, shift rules, leave, corrections and the monthly timesheet."""

    name = "timekeeping"

    def __init__(self, settings: TimekeepingSettings | None = None) -> None:
        self._settings = settings

    @property
    def settings(self) -> TimekeepingSettings:
        if self._settings is None:
            self._settings = TimekeepingSettings()
        return self._settings

    def setup(self, hub: Hub) -> None:
        """Register the consumers (punches off the bus)."""
        from handlers.timekeeping import consumers

        consumers.setup(hub)

    def router(self) -> APIRouter:
        """The REST API under /api/timekeeping."""
        from handlers.timekeeping import api

        return api.router


module = TimekeepingModule()

"""Investment project registry: FDI, state-budget and other projects, versions, reports, statistics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import schemas.projects  # noqa: F401  (registers the message types)
from handlers.projects.settings import ProjectsSettings
from hub.module import Module

if TYPE_CHECKING:
    from fastapi import APIRouter

    from hub.runtime import Hub

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def vn_now() -> datetime:
    return datetime.now(VN)


class ProjectsModule(Module):
    """REST-only module (it consumes nothing); its changes go out as events through the outbox."""

    name = "projects"
    migrations = Path(__file__).with_name("migrations")

    def __init__(
        self, settings: ProjectsSettings | None = None, *, clock: Callable[[], datetime] = vn_now
    ) -> None:
        self.settings = settings or ProjectsSettings()
        self.clock = clock

    def now(self) -> datetime:
        return self.clock().astimezone(VN)

    def today(self) -> date:
        return self.now().date()

    def setup(self, hub: Hub) -> None:
        """Register the consumers (there are none: see consumers.py)."""
        from handlers.projects import consumers

        consumers.setup(hub)

    def router(self) -> APIRouter:
        """The REST API under /api/projects."""
        from handlers.projects import api

        return api.router


module = ProjectsModule()

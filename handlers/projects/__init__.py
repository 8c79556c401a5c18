"""Investment project registry: FDI, state-budget and other projects, versions, reports, statistics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import schemas.projects  # noqa: F401  (registers the message types)
from hub.module import Module

if TYPE_CHECKING:
    from fastapi import APIRouter

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def vn_now() -> datetime:
    return datetime.now(VN)


class ProjectsModule(Module):
    """REST-only module; its changes go out as events through the outbox."""

    name = "projects"
    migrations = Path(__file__).with_name("migrations")

    def __init__(self, clock: Callable[[], datetime] = vn_now) -> None:
        self.clock = clock

    def now(self) -> datetime:
        return self.clock().astimezone(VN)

    def today(self) -> date:
        return self.now().date()

    def router(self) -> APIRouter:
        from handlers.projects.api import build_router

        return build_router(self)


module = ProjectsModule()

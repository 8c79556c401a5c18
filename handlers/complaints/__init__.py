"""Complaints, denunciations and petitions: intake, legal deadlines, extensions, signed conclusions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import schemas.complaints
import schemas.documents
import schemas.signing
import schemas.tasks  # noqa: F401  (registers the message types this module uses)
from handlers.common.ratelimit import RateLimiter
from hub.module import Module

if TYPE_CHECKING:
    from fastapi import APIRouter

    from hub.runtime import Hub

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def vn_now() -> datetime:
    return datetime.now(VN)


class ComplaintsModule(Module):
    """The complaints module; the clock is injectable for tests."""

    name = "complaints"
    migrations = Path(__file__).with_name("migrations")

    def __init__(
        self,
        clock: Callable[[], datetime] = vn_now,
        intake_unit: str = "TTr",
        form_limit: int = 5,
        form_window: float = 3600.0,
    ) -> None:
        self.clock = clock
        self.intake_unit = intake_unit
        self.limiter = RateLimiter(form_limit, form_window)

    def now(self) -> datetime:
        return self.clock().astimezone(VN)

    def today(self) -> date:
        return self.now().date()

    def setup(self, hub: Hub) -> None:
        from handlers.complaints.consumers import register

        register(hub, self)

    def router(self) -> APIRouter:
        from handlers.complaints.api import build_router

        return build_router(self)

    def public_router(self) -> APIRouter:
        """Router of the public web form (mount WITHOUT login, e.g. under /public)."""
        from handlers.complaints.public import build_public_router

        return build_public_router(self)


module = ComplaintsModule()

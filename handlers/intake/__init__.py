"""One-stop desk intake: dossier codes, appointments, hand-over to units, apology form, public look-up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import schemas.documents
import schemas.intake
import schemas.tasks  # noqa: F401  (registers the message types this module emits)
from handlers.intake.ratelimit import RateLimiter
from hub.module import Module

if TYPE_CHECKING:
    from fastapi import APIRouter

    from hub.runtime import Hub

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def vn_now() -> datetime:
    return datetime.now(VN)


class IntakeModule(Module):
    """The intake module; `clock` and the look-up rate limit are injectable for tests."""

    name = "intake"
    migrations = Path(__file__).with_name("migrations")

    def __init__(
        self, clock: Callable[[], datetime] = vn_now, lookup_limit: int = 30, lookup_window: float = 60.0
    ) -> None:
        self.clock = clock
        self.limiter = RateLimiter(lookup_limit, lookup_window)

    def now(self) -> datetime:
        return self.clock().astimezone(VN)

    def today(self) -> date:
        return self.now().date()

    def setup(self, hub: Hub) -> None:
        from handlers.intake.consumers import register

        register(hub, self)

    def router(self) -> APIRouter:
        from handlers.intake.api import build_router

        return build_router(self)

    def public_router(self) -> APIRouter:
        """Router of the public look-up (mount WITHOUT login, e.g. under /public)."""
        from handlers.intake.public import build_public_router

        return build_public_router(self)


module = IntakeModule()

"""One-stop desk intake: dossier codes, appointments, hand-over to units, apology form, public look-up."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import structlog

import schemas.documents
import schemas.intake
import schemas.notify
import schemas.tasks  # noqa: F401  (registers the message types this module emits)
from handlers.common.ratelimit import RateLimiter
from hub.module import Module

log = structlog.get_logger(__name__)

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
        self,
        clock: Callable[[], datetime] = vn_now,
        lookup_limit: int = 30,
        lookup_window: float = 60.0,
        scan_every: float = 3600.0,
    ) -> None:
        self.clock = clock
        self.limiter = RateLimiter(lookup_limit, lookup_window)
        self.scan_every = scan_every
        self._watch: asyncio.Task[None] | None = None

    def now(self) -> datetime:
        return self.clock().astimezone(VN)

    def today(self) -> date:
        return self.now().date()

    def setup(self, hub: Hub) -> None:
        from handlers.intake.consumers import register

        register(hub, self)

    async def scan(self, hub: Hub) -> dict[str, int]:
        """Run the appointment watch once for today (the background loop calls this)."""
        from handlers.intake.watch import scan

        return await scan(hub, self.today())

    async def start(self, hub: Hub) -> None:
        if self.scan_every > 0:
            self._watch = asyncio.create_task(self._loop(hub), name="intake-watch")

    async def stop(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
            self._watch = None

    async def _loop(self, hub: Hub) -> None:
        while True:
            try:
                await self.scan(hub)
            except Exception as exc:  # the watch must outlive a database hiccup
                log.warning("intake.scan_failed", error=str(exc))
            await asyncio.sleep(self.scan_every)

    def router(self) -> APIRouter:
        from handlers.intake.api import build_router

        return build_router(self)

    def public_router(self) -> APIRouter:
        """Router of the public look-up (mount WITHOUT login, e.g. under /public)."""
        from handlers.intake.public import build_public_router

        return build_public_router(self)


module = IntakeModule()

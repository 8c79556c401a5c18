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
from handlers.intake.settings import IntakeSettings
from hub.module import Module
from kit.ratelimit import RateLimiter

log = structlog.get_logger(__name__)

if TYPE_CHECKING:
    from fastapi import APIRouter

    from handlers.intake.deadline_watch import ScanCounts
    from hub.db import Database
    from hub.runtime import Hub

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def vn_now() -> datetime:
    return datetime.now(VN)


class IntakeModule(Module):
    """The intake module; `clock` is injectable for tests, and so are the settings' values one by one."""

    name = "intake"
    migrations = Path(__file__).with_name("migrations")

    def __init__(
        self,
        settings: IntakeSettings | None = None,
        *,
        clock: Callable[[], datetime] = vn_now,
        lookup_limit: int | None = None,
        lookup_window: float | None = None,
        scan_every: float | None = None,
    ) -> None:
        base = settings or IntakeSettings()
        overrides = {"lookup_limit": lookup_limit, "lookup_window": lookup_window, "scan_every": scan_every}
        self.settings = base.model_copy(update={k: v for k, v in overrides.items() if v is not None})
        self.clock = clock
        self._limiter: RateLimiter | None = None
        self._watch: asyncio.Task[None] | None = None

    def limiter(self, db: Database) -> RateLimiter:
        """The public look-up's rate limit per client IP, counted in `intake_rate_counts` (every process
        on the database shares the counts)."""
        if self._limiter is None:
            from handlers.intake.models import RateCount
            from hub.ratecount import DatabaseCounter

            self._limiter = RateLimiter(
                self.settings.lookup_limit,
                self.settings.lookup_window,
                DatabaseCounter(db, RateCount),
                scope="intake.lookup",
                clock=lambda: self.clock().timestamp(),
            )
        return self._limiter

    def now(self) -> datetime:
        return self.clock().astimezone(VN)

    def today(self) -> date:
        return self.now().date()

    def setup(self, hub: Hub) -> None:
        """Register the consumers (one-stop events, finished tasks)."""
        from handlers.intake import consumers

        consumers.setup(hub, self.now)

    async def scan(self, hub: Hub) -> ScanCounts:
        """Run the appointment watch once for today (the background loop calls this)."""
        from handlers.intake.deadline_watch import scan

        return await scan(hub, self.today())

    async def start(self, hub: Hub) -> None:
        """Start the appointment watch, every `settings.scan_every` seconds (0: never)."""
        if self.settings.scan_every > 0:
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
            await asyncio.sleep(self.settings.scan_every)

    def router(self) -> APIRouter:
        """The staff API under /api/intake."""
        from handlers.intake import api

        return api.router

    def public_router(self) -> APIRouter:
        """The public dossier look-up (page and JSON), mounted WITHOUT login under /public."""
        from handlers.intake import api_public

        return api_public.router


module = IntakeModule()

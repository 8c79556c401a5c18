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
from handlers.complaints.settings import ComplaintsSettings
from hub.module import Module
from kit.ratelimit import RateLimiter

if TYPE_CHECKING:
    from fastapi import APIRouter

    from hub.db import Database
    from hub.runtime import Hub

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def vn_now() -> datetime:
    return datetime.now(VN)


class ComplaintsModule(Module):
    """The complaints module; the clock is injectable for tests, keywords override the settings."""

    name = "complaints"
    migrations = Path(__file__).with_name("migrations")

    def __init__(
        self,
        clock: Callable[[], datetime] = vn_now,
        settings: ComplaintsSettings | None = None,
        *,
        intake_unit: str | None = None,
        form_limit: int | None = None,
        form_window: float | None = None,
        lookup_limit: int | None = None,
    ) -> None:
        self.clock = clock
        self._given = settings
        given = {
            "intake_unit": intake_unit,
            "form_limit": form_limit,
            "form_window": form_window,
            "lookup_limit": lookup_limit,
        }
        self._overrides = {k: v for k, v in given.items() if v is not None}
        self._settings: ComplaintsSettings | None = None
        self._limiters: dict[str, RateLimiter] = {}

    @property
    def settings(self) -> ComplaintsSettings:
        """The settings (read from the environment on first use), with the constructor's overrides."""
        if self._settings is None:
            base = self._given or ComplaintsSettings()
            self._settings = base.model_copy(update=self._overrides)
        return self._settings

    def limiter(self, db: Database, scope: str) -> RateLimiter:
        """The rate limiter of a public page (`form` or `lookup`), per client IP, counted in the database.

        The counters are rows of `cmp_rate_counts`: every process on the database shares them.
        """
        if scope not in self._limiters:
            from handlers.complaints.models import RateCount
            from hub.ratecount import DatabaseCounter

            limit, window = {
                "form": (self.settings.form_limit, self.settings.form_window),
                "lookup": (self.settings.lookup_limit, self.settings.lookup_window),
            }[scope]
            self._limiters[scope] = RateLimiter(
                limit,
                window,
                DatabaseCounter(db, RateCount),
                scope=f"complaints.{scope}",
                clock=self.wall_clock,
            )
        return self._limiters[scope]

    def wall_clock(self) -> float:
        """The module's clock as epoch seconds (the rate limits' time, shared by every process)."""
        return self.clock().timestamp()

    def now(self) -> datetime:
        return self.clock().astimezone(VN)

    def today(self) -> date:
        return self.now().date()

    def setup(self, hub: Hub) -> None:
        """Register the consumers (submissions off the bus, signing outcomes)."""
        from handlers.complaints import consumers

        consumers.setup(hub, self)

    def router(self) -> APIRouter:
        """The staff REST API under /api/complaints."""
        from handlers.complaints import api

        return api.router

    def public_router(self) -> APIRouter:
        """The citizens' pages (start page, form, look-up), mounted WITHOUT login under /public."""
        from handlers.complaints import api_public

        return api_public.router


module = ComplaintsModule()

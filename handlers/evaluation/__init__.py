"""Staff evaluation: Decree 335/2025 scores for civil servants, Decree 90/2020 levels for public employees."""

from __future__ import annotations

from typing import TYPE_CHECKING

import schemas.evaluation
import schemas.notify
import schemas.tasks
import schemas.timekeeping  # noqa: F401  (registers the message types this module uses)
from handlers.evaluation.settings import EvaluationSettings
from hub.module import Module

if TYPE_CHECKING:
    from fastapi import APIRouter

    from hub.runtime import Hub


class EvaluationModule(Module):
    """Staff evaluation (Decree 335/2025; Decree 90/2020 as amended by 48/2023), with evidence off the bus."""

    name = "evaluation"

    def __init__(self, settings: EvaluationSettings | None = None) -> None:
        self._settings = settings

    @property
    def settings(self) -> EvaluationSettings:
        if self._settings is None:
            self._settings = EvaluationSettings()
        return self._settings

    def setup(self, hub: Hub) -> None:
        """Register the consumers (task facts, closed timesheets)."""
        from handlers.evaluation import consumers

        consumers.setup(hub)

    def router(self) -> APIRouter:
        """The REST API under /api/evaluation."""
        from handlers.evaluation.api import router

        return router


module = EvaluationModule()

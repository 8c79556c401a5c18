"""Bus glue of the intake module: one-stop system events and finished unit tasks, handed to the service."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.intake import service

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from hub.runtime import Delivery, Hub
    from schemas.intake import OnestopDossierEvent
    from schemas.tasks import TaskCompleted


def setup(hub: Hub, now: Callable[[], datetime]) -> None:
    """Register the consumers; `now` is the module's clock (Vietnam time)."""

    @hub.consumer("intake-onestop", "lt.onestop.evt.dossier_event", transactional=True)
    async def on_onestop(d: Delivery) -> None:
        """Apply a one-stop system event to the dossier it concerns."""
        event: OnestopDossierEvent = d.payload
        await service.apply_onestop_event(d, event, now())

    @hub.consumer("intake-task-completed", "lt.task.evt.completed", transactional=True)
    async def on_task_completed(d: Delivery) -> None:
        """A unit finished the task of a dossier: the result is ready."""
        done: TaskCompleted = d.payload
        await service.take_task_result(d, done, now())

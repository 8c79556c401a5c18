"""Work tracking: tasks from document assignments and direct instructions, reminders, dashboards."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import schemas.documents
import schemas.notify
import schemas.tasks  # noqa: F401  (registers the message types this module consumes and emits)
from handlers.tasks import consumers
from handlers.tasks.service import TaskContext
from hub.module import Module

if TYPE_CHECKING:
    from fastapi import APIRouter

    from hub.runtime import Hub


class TasksModule(Module):
    """Tasks, their deadlines on the working calendar, durable reminders and escalation."""

    name = "tasks"

    def __init__(self, ctx: TaskContext | None = None) -> None:
        self.ctx = ctx or TaskContext()

    def setup(self, hub: Hub) -> None:
        """Register the consumers (task commands, document events, fired reminders)."""
        consumers.setup(hub, self.ctx)

    def router(self) -> APIRouter:
        """The REST API under /api/tasks."""
        from handlers.tasks.api import router

        return router

    def describe(self) -> dict[str, Any]:
        return {"policy": self.ctx.settings.model_dump()}


module = TasksModule()

__all__ = ["TaskContext", "TasksModule", "module"]

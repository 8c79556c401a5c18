"""Work tracking: tasks from document assignments and direct instructions, reminders, dashboards."""

from __future__ import annotations

from typing import TYPE_CHECKING

import schemas.documents
import schemas.notify
import schemas.tasks  # noqa: F401
from handlers.tasks.module import TasksModule

if TYPE_CHECKING:
    from hub.module import Module

module: Module = TasksModule()

__all__ = ["TasksModule", "module"]

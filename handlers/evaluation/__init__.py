"""Staff evaluation: cycles, self-assessment, review, decision, suggested level from tasks and attendance."""

from __future__ import annotations

import schemas.evaluation
import schemas.notify
import schemas.tasks
import schemas.timekeeping  # noqa: F401
from handlers.evaluation.service import EvaluationModule

module = EvaluationModule()

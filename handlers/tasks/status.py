"""Status taxonomy of a task: state x timeliness, plus 'due today' and 'due soon'."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel

from handlers.tasks.clock import local_date
from handlers.tasks.models import DONE, IN_PROGRESS, NOT_STARTED, Task
from kit.workcal import WorkingCalendar

LABELS = {
    "not_started_on_time": "Chưa xử lý - trong hạn",
    "not_started_overdue": "Chưa xử lý - quá hạn",
    "in_progress_on_time": "Đang xử lý - trong hạn",
    "in_progress_overdue": "Đang xử lý - quá hạn",
    "done_on_time": "Hoàn thành đúng hạn",
    "done_overdue": "Hoàn thành quá hạn",
    "due_today": "Đến hạn hôm nay",
    "due_soon": "Sắp đến hạn",
}
STATUSES = tuple(LABELS)


@dataclass(frozen=True)
class TaskStatus:
    """Where a task stands on a given day."""

    code: str  # one of the six state_timeliness codes
    overdue: bool
    due_today: bool
    due_soon: bool
    working_days_left: int

    @property
    def label(self) -> str:
        return LABELS[self.code]

    @property
    def flags(self) -> list[str]:
        """The flags raised ('due_today', 'due_soon'), in that order."""
        return [f for f in ("due_today", "due_soon") if getattr(self, f)]


class DocumentStatus(BaseModel):
    """A document's status from its tasks (`code` None while no task was given)."""

    code: str | None
    label: str
    due_today: bool = False
    due_soon: bool = False


def classify(
    state: str,
    deadline: date,
    today: date,
    cal: WorkingCalendar,
    *,
    completed_on: date | None = None,
    due_soon_days: int = 3,
) -> TaskStatus:
    """Classify a task's state against its deadline as of `today` (local date)."""
    if state not in (NOT_STARTED, IN_PROGRESS, DONE):
        raise ValueError(f"unknown task state {state!r}")
    if state == DONE:
        finished = completed_on or today
        late = finished > deadline
        return TaskStatus(f"done_{'overdue' if late else 'on_time'}", late, False, False, 0)
    left = cal.working_days_between(today, deadline)
    overdue = today > deadline
    due_today = today == deadline
    due_soon = not overdue and not due_today and 0 < left <= due_soon_days
    code = f"{state}_{'overdue' if overdue else 'on_time'}"
    return TaskStatus(code, overdue, due_today, due_soon, left)


def status_of(task: Task, today: date, cal: WorkingCalendar, due_soon_days: int = 3) -> TaskStatus:
    """Status of a stored task."""
    completed_on = local_date(task.completed_at) if task.completed_at else None
    return classify(
        task.state, task.deadline, today, cal, completed_on=completed_on, due_soon_days=due_soon_days
    )


def aggregate(statuses: list[TaskStatus]) -> DocumentStatus:
    """Status of a document from its tasks: done when all are done, overdue when any is late."""
    if not statuses:
        return DocumentStatus(code=None, label="Chưa giao xử lý")
    codes = [s.code for s in statuses]
    overdue = any(s.overdue for s in statuses)
    if all(c.startswith("done_") for c in codes):
        code = "done_overdue" if overdue else "done_on_time"
    else:
        started = any(not c.startswith("not_started") for c in codes)
        code = f"{'in_progress' if started else 'not_started'}_{'overdue' if overdue else 'on_time'}"
    return DocumentStatus(
        code=code,
        label=LABELS[code],
        due_today=any(s.due_today for s in statuses),
        due_soon=any(s.due_soon for s in statuses),
    )

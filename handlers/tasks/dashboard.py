"""Dashboards as data: counts by status, on-time rate, overdue list and workload."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from handlers.common.workcal import WorkingCalendar
from handlers.tasks.models import DONE, Task
from handlers.tasks.status import LABELS, STATUSES, status_of


def task_row(task: Task, today: date, cal: WorkingCalendar, due_soon_days: int = 3) -> dict[str, Any]:
    """A task as the API shows it, with its status as of today."""
    return {
        "id": task.id,
        "title": task.title,
        "assignee_user_id": task.assignee_user_id,
        "unit_id": task.unit_id,
        "assigner": task.assigner,
        "deadline": task.deadline.isoformat(),
        "original_deadline": task.original_deadline.isoformat(),
        "priority": task.priority,
        "source": task.source,
        "external_ref": task.external_ref,
        "document_id": task.document_id,
        "role": task.role,
        "parent_id": task.parent_id,
        "state": task.state,
        "progress": task.progress,
        "completed_by": task.completed_by,
        "on_time": task.on_time,
        "status": status_of(task, today, cal, due_soon_days).as_dict(),
    }


def summarize(tasks: list[Task], today: date, cal: WorkingCalendar, due_soon_days: int = 3) -> dict[str, Any]:
    """Counts by status, on-time rate of finished tasks, overdue list and open workload."""
    counts: Counter[str] = Counter(dict.fromkeys(STATUSES, 0))
    overdue: list[dict[str, Any]] = []
    workload: Counter[str] = Counter()
    done = on_time = 0
    for task in tasks:
        st = status_of(task, today, cal, due_soon_days)
        counts[st.code] += 1
        if st.due_today:
            counts["due_today"] += 1
        if st.due_soon:
            counts["due_soon"] += 1
        if task.state == DONE:
            done += 1
            on_time += 1 if st.code == "done_on_time" else 0
            continue
        workload[task.assignee_user_id or f"unit:{task.unit_id}"] += 1
        if st.overdue:
            row = task_row(task, today, cal, due_soon_days)
            row["working_days_overdue"] = -st.working_days_left
            overdue.append(row)
    overdue.sort(key=lambda r: (r["deadline"], r["id"]))
    return {
        "as_of": today.isoformat(),
        "total": len(tasks),
        "open": len(tasks) - done,
        "done": done,
        "counts": dict(counts),
        "labels": LABELS,
        "on_time_rate": round(on_time / done, 4) if done else None,
        "overdue": overdue,
        "workload": [{"owner": k, "open_tasks": v} for k, v in workload.most_common()],
    }

"""Dashboards as data: counts by status, on-time rate, overdue list and workload."""

from __future__ import annotations

from collections import Counter
from datetime import date

from handlers.tasks.models import DONE, Task
from handlers.tasks.status import LABELS, STATUSES, status_of
from handlers.tasks.views import OverdueTask, Summary, Workload, task_view
from kit.workcal import WorkingCalendar


def summarize(tasks: list[Task], today: date, cal: WorkingCalendar, due_soon_days: int = 3) -> Summary:
    """Counts by status, on-time rate of finished tasks, overdue list and open workload."""
    counts: Counter[str] = Counter(dict.fromkeys(STATUSES, 0))
    overdue: list[OverdueTask] = []
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
            view = task_view(task, today, cal, due_soon_days)
            overdue.append(OverdueTask(**dict(view), working_days_overdue=-st.working_days_left))
    overdue.sort(key=lambda r: (r.deadline, r.id))
    return Summary(
        as_of=today,
        total=len(tasks),
        open=len(tasks) - done,
        done=done,
        counts=dict(counts),
        labels=LABELS,
        on_time_rate=round(on_time / done, 4) if done else None,
        overdue=overdue,
        workload=[Workload(owner=k, open_tasks=v) for k, v in workload.most_common()],
    )

"""Who may see and act on a task, and the refusals when they may not (hub.errors domain errors)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.tasks.models import Task
from hub.errors import Forbidden, NotFound
from hub.orgchart import LEADER, UNIT_HEAD

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from hub.auth import Principal


def can_see(p: Principal, task: Task) -> bool:
    """A leader, the task's officer, assigner or finisher, or the head of its unit."""
    if p.has(LEADER) or p.id in (task.assignee_user_id, task.assigner, task.completed_by):
        return True
    return bool(p.has(UNIT_HEAD) and task.unit_id is not None and task.unit_id == p.unit_id)


def can_manage(p: Principal, task: Task) -> bool:
    """The assigner, a leader, or the head of the task's unit."""
    if p.has(LEADER) or p.id == task.assigner:
        return True
    return p.has(UNIT_HEAD) and task.unit_id == p.unit_id


def can_judge(p: Principal, task: Task) -> bool:
    """The assigner or the head of the task's unit, never the officer whose product it is.

    They set the product's quality and confirm or reject the objective cause of its delay.
    """
    if p.id == (task.assignee_user_id or task.completed_by):
        return False
    return p.id == task.assigner or (
        p.has(UNIT_HEAD) and task.unit_id is not None and task.unit_id == p.unit_id
    )


def in_charge_or_manager(p: Principal, task: Task) -> bool:
    """The officer in charge, or someone who manages the task."""
    return p.id == task.assignee_user_id or can_manage(p, task)


def require(allowed: bool, message: str) -> None:
    """Refuse with `message` (403) unless `allowed`."""
    if not allowed:
        raise Forbidden(message)


async def visible_task(session: AsyncSession, p: Principal, task_id: str) -> Task:
    """The task `task_id` if the person may see it; otherwise 404, as if it did not exist.

    Every step on a task starts here, so a person outside the task's walls learns nothing of it
    (neither a read nor a change tells them it exists); the step's own rule then answers 403.
    """
    task = await session.get(Task, task_id)
    if task is None or not can_see(p, task):
        raise NotFound(f"Không tìm thấy nhiệm vụ {task_id} hoặc bạn không có quyền xem")
    return task

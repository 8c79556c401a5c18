"""Who may see and decide what in timekeeping: a person's own month and leave, their unit's managers.

- a person sees their own month and leave requests;
- the head of a unit sees and decides the leave of the unit's staff, and sees the unit's timesheet;
- leaders see everything and decide the leave of unit heads (and of staff of a unit without a head);
- clerks see every timesheet and leave request (they file leave on someone's behalf), but decide none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, or_

from handlers.timekeeping.models import Leave
from hub.orgchart import CLERK, LEADER, UNIT_HEAD, Unit, User

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from hub.auth import Principal

LEAVE_STATUS_LABELS = {
    "pending": "Chờ duyệt",
    "approved": "Đã duyệt",
    "rejected": "Không duyệt",
    "cancelled": "Đã hủy",
}


def status_label(status: str) -> str:
    return LEAVE_STATUS_LABELS.get(status, status)


async def manages(session: AsyncSession, actor: Principal, unit_id: str | None) -> bool:
    """Leaders manage every unit; a unit head manages their own unit."""
    if actor.has(LEADER):
        return True
    if unit_id is None or not actor.has(UNIT_HEAD):
        return False
    unit = await session.get(Unit, unit_id)
    return actor.unit_id == unit_id or (unit is not None and unit.head_user_id == actor.id)


def visible_leaves(actor: Principal) -> ColumnElement[bool] | None:
    """Own leave, plus the unit's for unit heads; None (everything) for leaders and clerks."""
    if actor.has(LEADER, CLERK):
        return None
    if actor.has(UNIT_HEAD):
        return or_(Leave.user_id == actor.id, Leave.unit_id == actor.unit_id)
    return Leave.user_id == actor.id


def sees_leave(actor: Principal, leave: Leave) -> bool:
    """The same rule as `visible_leaves`, for one request."""
    if actor.has(LEADER, CLERK) or leave.user_id == actor.id:
        return True
    return actor.has(UNIT_HEAD) and leave.unit_id is not None and leave.unit_id == actor.unit_id


async def decider_refusal(session: AsyncSession, actor: Principal, leave: Leave) -> str | None:
    """Why the actor may not approve or refuse this leave now, or None when they may."""
    if leave.status != "pending":
        return f"Đơn nghỉ đã được xử lý ({status_label(leave.status).lower()})"
    if leave.user_id == actor.id:
        return "Không tự duyệt đơn nghỉ của mình"
    requester = await session.get(User, leave.user_id)
    head_of_unit = requester is not None and UNIT_HEAD in (requester.roles or [])
    allowed = actor.has(LEADER) if head_of_unit else await manages(session, actor, leave.unit_id)
    if not allowed:
        return "Đơn nghỉ do trưởng đơn vị của người xin nghỉ duyệt (của trưởng đơn vị: lãnh đạo Sở duyệt)"
    return None


async def may_cancel(session: AsyncSession, actor: Principal, leave: Leave) -> bool:
    """The requester or a manager of the unit may withdraw a pending or approved leave."""
    if leave.status not in ("pending", "approved"):
        return False
    return leave.user_id == actor.id or await manages(session, actor, leave.unit_id)


async def sees_month_of(session: AsyncSession, actor: Principal, user: User) -> bool:
    """A person's own month; their unit's head, a leader or a clerk."""
    return user.id == actor.id or actor.has(CLERK) or await manages(session, actor, user.unit_id)

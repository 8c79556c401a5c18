"""Urging (đôn đốc) of the people answering for a task, typed as Decree 30 reports count it.

A leader, the assigner or the unit's head urges the officer in charge (or, for a unit's task not yet
dispatched, the unit's head) with a reminder (nhắc nhở), a criticism (phê bình) or a request for
self-criticism (tự phê bình). Each urging is kept per person (the reports count them per person and
type, Decree 30/2020 Appendix VI I.III.1.l–m), told to the person and published as task.urged.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from handlers.tasks.access import can_manage, require, visible_task
from handlers.tasks.models import DONE, Task, TaskUrging
from handlers.tasks.service import facts, head_of
from hub.errors import Conflict, Invalid
from schemas.notify import NotifyRequested, Urgency
from schemas.tasks import URGING_LABELS, TaskUrged, UrgingKind

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from hub.auth import Principal
    from hub.runtime import Work

NOTICE_TITLES: dict[str, str] = {
    "reminder": "Nhắc nhở",
    "criticism": "Phê bình",
    "self_criticism": "Yêu cầu tự phê bình",
}
URGENCY: dict[str, Urgency] = {"reminder": "thuong", "criticism": "khan", "self_criticism": "khan"}


async def who_may_be_urged(session: AsyncSession, task: Task) -> list[str]:
    """The people answering for a task: its officer in charge and the head of its unit."""
    return [u for u in dict.fromkeys([task.assignee_user_id, await head_of(session, task.unit_id)]) if u]


async def urge(
    work: Work, actor: Principal, task_id: str, *, kind: UrgingKind, user_id: str | None, note: str
) -> TaskUrging:
    """Urge a person answering for an open task; kept, told to them, published (task.urged)."""
    s = work.session
    task = await visible_task(s, actor, task_id)
    require(
        can_manage(actor, task), "Chỉ người giao, lãnh đạo Sở hoặc trưởng đơn vị được đôn đốc nhiệm vụ này"
    )
    if task.state == DONE:
        raise Conflict("Nhiệm vụ đã hoàn thành, không cần đôn đốc")
    if kind not in URGING_LABELS:
        raise Invalid("Hình thức đôn đốc phải là nhắc nhở, phê bình hoặc tự phê bình", field="kind")
    answering = [u for u in await who_may_be_urged(s, task) if u != actor.id]
    target = user_id or (answering[0] if answering else None)
    if target is None:
        raise Conflict("Nhiệm vụ chưa có người xử lý để đôn đốc")
    if target not in answering:
        raise Invalid(
            "Chỉ đôn đốc được cán bộ xử lý hoặc trưởng đơn vị của nhiệm vụ (không tự đôn đốc mình)",
            field="user_id",
        )
    now = datetime.now(UTC)
    row = TaskUrging(
        task_id=task.id,
        kind=kind,
        user_id=target,
        unit_id=task.unit_id,
        by_user_id=actor.id,
        note=note.strip(),
        created_at=now,
    )
    s.add(row)
    await s.flush()
    issue = task.document_id or task.id
    await work.emit(
        "task.urged",
        TaskUrged(
            **facts(task), kind=kind, urged_user_id=target, urged_by=actor.id, note=row.note, urged_at=now
        ),
        issue=issue,
    )
    await work.emit(
        "notify.requested",
        NotifyRequested(
            recipients=[target],
            title=f"{NOTICE_TITLES[kind]}: {task.title}"[:300],
            body=f"{actor.full_name} đôn đốc ({URGING_LABELS[kind].lower()}). Hạn xử lý: "
            f"{task.deadline:%d/%m/%Y}. {row.note}".strip(),
            urgency=URGENCY[kind],
            link=f"/tasks/{task.id}",
            dedup_key=f"task.urged:{row.id}",
            source_type="task.urged",
            issue=task.id,
        ),
    )
    return row

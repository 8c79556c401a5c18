"""A task's comment thread (trao đổi): whoever may see the task reads and writes it; the officer, the
assigner, the unit's head and those already in the thread are told of a new comment."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.tasks.access import visible_task
from handlers.tasks.models import Task, TaskComment
from handlers.tasks.service import head_of
from hub import comments
from hub.comments import CommentView
from schemas.notify import NotifyRequested, urgency_of

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from hub.auth import Principal
    from hub.runtime import Work

KEY = "task_id"


async def thread_of(session: AsyncSession, actor: Principal, task_id: str) -> list[CommentView]:
    """The thread, oldest first (404 to who may not see the task)."""
    await visible_task(session, actor, task_id)
    return await comments.thread(session, TaskComment, KEY, task_id, actor.id)


async def _concerned(session: AsyncSession, task: Task, author: str) -> list[str]:
    """The active people on the task or already in its thread, not the author."""
    wanted = {task.assignee_user_id, task.assigner, task.completed_by, await head_of(session, task.unit_id)}
    wanted |= await comments.commenters(session, TaskComment, KEY, task.id)
    return await comments.concerned(session, wanted, author)


async def post(work: Work, actor: Principal, task_id: str, text: str) -> TaskComment:
    """Add the caller's comment to the task's thread and tell the people concerned."""
    task = await visible_task(work.session, actor, task_id)
    row: TaskComment = comments.new_comment(TaskComment, KEY, task.id, actor.id, text)
    work.session.add(row)
    people = await _concerned(work.session, task, actor.id)
    if people:
        notice = NotifyRequested(
            recipients=people,
            title=" ".join(f"Trao đổi mới về công việc: {task.title}".split())[:300],
            body=f"{actor.full_name or 'Cán bộ'}: {row.body[:300]}",
            urgency=urgency_of(task.priority),
            link=f"/staff/cong-viec/{task.id}#trao-doi",
            dedup_key=f"task.comment:{row.id}",
            source_type="task.commented",
            issue=task.document_id or task.id,
        )
        await work.emit("notify.requested", notice, issue=task.document_id or task.id)
    return row

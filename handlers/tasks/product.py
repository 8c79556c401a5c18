"""The product of a task as Decree 335/2025 counts it: its weight, the cause of a delay, its quality.

- The assigner sets the product's hệ số quy đổi (weight) until the task is done (task.updated).
- The officer whose product it is gives the reason of a delay once the task is late; the assigner or
  the unit's head confirms it as an objective cause or rejects it. A confirmed cause is final and
  travels with task.completed (or with the next judgement when the task is already done).
- After completion the assigner or the unit's head judges the product: major content errors, and how
  many of them an objective cause excuses (task.product_assessed; the latest judgement counts).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from handlers.tasks.access import can_judge, require, visible_task
from handlers.tasks.clock import aware, local_today
from handlers.tasks.models import CONFIRMED, DONE, PENDING, REJECTED, Task, TaskAssessment, TaskDelayCause
from handlers.tasks.service import confirmed_cause, emit_updated, facts, head_of, product_officer
from hub.errors import Conflict, Invalid
from schemas.notify import NotifyRequested
from schemas.tasks import TaskProductAssessed

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from hub.auth import Principal
    from hub.runtime import Work

JUDGES = "Chỉ người giao nhiệm vụ hoặc trưởng đơn vị được"


def is_late(task: Task) -> bool:
    """Done after its deadline, or still open past it (Hà Nội dates)."""
    if task.state == DONE:
        return task.on_time is False
    return local_today() > task.deadline


async def latest_cause(session: AsyncSession, task_id: str) -> TaskDelayCause | None:
    row: TaskDelayCause | None = await session.scalar(
        select(TaskDelayCause)
        .where(TaskDelayCause.task_id == task_id)
        .order_by(TaskDelayCause.id.desc())
        .limit(1)
    )
    return row


async def latest_assessment(session: AsyncSession, task_id: str) -> TaskAssessment | None:
    row: TaskAssessment | None = await session.scalar(
        select(TaskAssessment)
        .where(TaskAssessment.task_id == task_id)
        .order_by(TaskAssessment.id.desc())
        .limit(1)
    )
    return row


async def _tell(
    work: Work, task: Task, recipients: list[str | None], title: str, body: str, key: str
) -> None:
    told = [r for r in dict.fromkeys(recipients) if r]
    if not told:
        return
    await work.emit(
        "notify.requested",
        NotifyRequested(
            recipients=told,
            title=f"{title}: {task.title}"[:300],
            body=body,
            urgency="thuong",
            link=f"/tasks/{task.id}",
            dedup_key=key[:200],
            source_type="task.product",
            issue=task.id,
        ),
    )


# -- the weight ----------------------------------------------------------------------------------------


async def set_weight(work: Work, actor: Principal, task_id: str, weight: float) -> Task:
    """The assigner sets the product's hệ số quy đổi; the bus hears it (task.updated)."""
    task = await visible_task(work.session, actor, task_id)
    require(actor.id == task.assigner, "Chỉ người giao nhiệm vụ được sửa hệ số quy đổi")
    if task.state == DONE:
        raise Conflict("Nhiệm vụ đã hoàn thành: hệ số quy đổi không sửa được nữa")
    if not 0 < weight <= 100:
        raise Invalid("Hệ số quy đổi phải lớn hơn 0 và không quá 100", field="product_weight")
    if task.product_weight != weight:
        task.product_weight = weight
        await emit_updated(work, task, "product_weight", actor.id)
    return task


# -- the cause of a delay ------------------------------------------------------------------------------


async def give_delay_cause(work: Work, actor: Principal, task_id: str, reason: str) -> TaskDelayCause:
    """The officer whose product it is says why the task is late; the assigner and unit head are told."""
    s = work.session
    task = await visible_task(s, actor, task_id)
    require(actor.id == product_officer(task), "Chỉ cán bộ xử lý được giải trình lý do chậm")
    if not is_late(task):
        raise Conflict("Nhiệm vụ chưa bị chậm: nếu cần thêm thời gian, hãy đề nghị gia hạn")
    last = await latest_cause(s, task_id)
    if last is not None and last.status == PENDING:
        raise Conflict("Lý do chậm đã gửi đang chờ người giao xác nhận")
    if last is not None and last.status == CONFIRMED:
        raise Conflict("Lý do chậm đã được xác nhận là nguyên nhân khách quan")
    reason = reason.strip()
    if not reason:
        raise Invalid("Cần ghi lý do chậm tiến độ", field="reason")
    row = TaskDelayCause(
        task_id=task.id,
        reason=reason,
        given_by=actor.id,
        given_at=datetime.now(UTC),
        status=PENDING,
        decision_note="",
    )
    s.add(row)
    await s.flush()
    await _tell(
        work,
        task,
        [r for r in (task.assigner, await head_of(s, task.unit_id)) if r != actor.id],
        "Giải trình lý do chậm",
        f"{actor.full_name}: {reason}",
        f"task.delay_cause:{row.id}",
    )
    return row


async def decide_delay_cause(
    work: Work, actor: Principal, task_id: str, *, confirm: bool, note: str
) -> TaskDelayCause:
    """The assigner or unit head confirms the reason as an objective cause, or rejects it."""
    s = work.session
    task = await visible_task(s, actor, task_id)
    require(can_judge(actor, task), f"{JUDGES} xác nhận lý do chậm")
    row = await latest_cause(s, task_id)
    if row is None or row.status != PENDING:
        raise Conflict("Không có lý do chậm nào đang chờ xác nhận")
    judged = await latest_assessment(s, task_id) if task.state == DONE else None
    if confirm and task.state == DONE and judged is None:
        raise Conflict(
            "Nhiệm vụ đã hoàn thành: hãy xác nhận lý do chậm cùng lúc đánh giá chất lượng sản phẩm"
        )
    _decide(row, actor, confirm, note)
    await _tell_decision(work, task, row)
    if judged is not None:  # the judgement goes out again, with the cause now confirmed or not
        await _publish(work, task, judged)
    return row


def _decide(row: TaskDelayCause, actor: Principal, confirm: bool, note: str) -> None:
    row.status = CONFIRMED if confirm else REJECTED
    row.decided_by = actor.id
    row.decided_at = datetime.now(UTC)
    row.decision_note = note.strip()


async def _tell_decision(work: Work, task: Task, row: TaskDelayCause) -> None:
    verdict = "Lý do chậm được xác nhận" if row.status == CONFIRMED else "Lý do chậm không được chấp nhận"
    body = row.decision_note or (
        "Chậm do nguyên nhân khách quan: không trừ điểm tiến độ."
        if row.status == CONFIRMED
        else "Chậm tiến độ không có lý do khách quan."
    )
    await _tell(work, task, [row.given_by], verdict, body, f"task.delay_cause_decided:{row.id}")


# -- the quality judgement -----------------------------------------------------------------------------


async def assess(
    work: Work,
    actor: Principal,
    task_id: str,
    *,
    quality_errors: int,
    quality_errors_excused: int,
    excused_reason: str,
    note: str,
    confirm_delay_cause: bool | None,
) -> TaskAssessment:
    """Judge a finished product (task.product_assessed), deciding a pending delay reason with it."""
    s = work.session
    task = await visible_task(s, actor, task_id)
    require(can_judge(actor, task), f"{JUDGES} đánh giá chất lượng sản phẩm")
    if task.state != DONE:
        raise Conflict("Chỉ đánh giá chất lượng sản phẩm khi nhiệm vụ đã hoàn thành")
    if quality_errors < 0 or quality_errors_excused < 0:
        raise Invalid("Số lỗi không được âm", field="quality_errors")
    if quality_errors_excused and not excused_reason.strip():
        raise Invalid("Cần ghi nguyên nhân khách quan của các lỗi không trừ điểm", field="excused_reason")
    if confirm_delay_cause is not None:
        pending = await latest_cause(s, task_id)
        if pending is None or pending.status != PENDING:
            raise Conflict("Không có lý do chậm nào đang chờ xác nhận")
        _decide(pending, actor, confirm_delay_cause, "")
        await _tell_decision(work, task, pending)
    row = TaskAssessment(
        task_id=task.id,
        quality_errors=quality_errors,
        quality_errors_excused=quality_errors_excused,
        excused_reason=excused_reason.strip(),
        note=note.strip(),
        assessed_by=actor.id,
        assessed_at=datetime.now(UTC),
    )
    s.add(row)
    await s.flush()
    await _publish(work, task, row)
    errors = f"{quality_errors} lỗi lớn về nội dung" if quality_errors else "Không có lỗi lớn về nội dung"
    await _tell(
        work,
        task,
        [product_officer(task)],
        "Kết quả đánh giá sản phẩm",
        f"{errors}. {row.note}".strip(),
        f"task.product_assessed:{row.id}",
    )
    return row


async def _publish(work: Work, task: Task, row: TaskAssessment) -> None:
    cause = await confirmed_cause(work.session, task) if task.on_time is False else None
    await work.emit(
        "task.product_assessed",
        TaskProductAssessed(
            **{**facts(task), "officer_id": product_officer(task)},
            quality_errors=row.quality_errors,
            quality_errors_excused=row.quality_errors_excused,
            delay_cause=cause,
            assessed_by=row.assessed_by,
            assessed_at=aware(row.assessed_at),
        ),
        issue=task.document_id or task.id,
    )

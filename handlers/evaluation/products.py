"""A period's products (Decree 335/2025) from the task facts heard on the bus.

Each task may have been heard as created, completed, overdue and assessed, in any order. The facts of
the latest stage win (completed, then assessed, then overdue, then created): a task handed over or
given a new deadline is the new officer's, due on the new day. The assigner's assessment of the
product outranks the quality given at completion.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.evaluation.models import TaskEvidence
from handlers.evaluation.score import Product

FACTS_ORDER = ("completed", "assessed", "overdue", "created")
QUALITY_ORDER = ("assessed", "completed")


def merged(kinds: dict[str, TaskEvidence], today: date) -> Product:
    """One task from its rows: who owns it, when it is due, whether and how it was done."""
    facts = next(kinds[k] for k in FACTS_ORDER if k in kinds)
    done, overdue = kinds.get("completed"), kinds.get("overdue")
    judged = next(
        (kinds[k] for k in QUALITY_ORDER if k in kinds and kinds[k].quality_errors is not None), None
    )
    caused = next((kinds[k] for k in QUALITY_ORDER if k in kinds and kinds[k].delay_cause), None)
    weight = next(
        (kinds[k].product_weight for k in FACTS_ORDER if k in kinds and kinds[k].product_weight), None
    )
    return Product(
        task_id=facts.task_id,
        title=facts.title,
        deadline=facts.deadline,
        officer_id=facts.user_id,
        unit_id=facts.unit_id,
        weight=weight,
        done=done is not None,
        on_time=bool(done.on_time) if done is not None else True,
        completed_at=done.completed_at.isoformat() if done is not None and done.completed_at else None,
        past_due=done is None and (overdue is not None or facts.deadline < today),
        quality_errors=judged.quality_errors if judged is not None else None,
        quality_errors_excused=judged.quality_errors_excused if judged is not None else 0,
        delay_cause=caused.delay_cause if caused is not None else None,
        delay_confirmed_by=caused.delay_confirmed_by if caused is not None else None,
        source=facts.source,
        external_ref=facts.external_ref,
        document_id=next(
            (kinds[k].document_id for k in FACTS_ORDER if k in kinds and kinds[k].document_id), None
        ),
    )


async def _rows_of(s: AsyncSession, task_ids: Iterable[str]) -> dict[str, dict[str, TaskEvidence]]:
    ids = sorted(set(task_ids))
    by_task: dict[str, dict[str, TaskEvidence]] = defaultdict(dict)
    if ids:
        for row in (await s.execute(select(TaskEvidence).where(TaskEvidence.task_id.in_(ids)))).scalars():
            by_task[row.task_id][row.kind] = row
    return by_task


async def products_of(
    s: AsyncSession,
    start: date,
    end: date,
    today: date,
    *,
    user_id: str | None = None,
    unit_id: str | None = None,
) -> list[Product]:
    """The products due in the period of a person (or of a unit, for its head), as last heard."""
    query = select(TaskEvidence.task_id)
    if user_id is not None:
        query = query.where(TaskEvidence.user_id == user_id)
    if unit_id is not None:
        query = query.where(TaskEvidence.unit_id == unit_id)
    by_task = await _rows_of(s, (await s.execute(query)).scalars())
    products = [merged(kinds, today) for kinds in by_task.values()]
    return [
        p
        for p in products
        if start <= p.deadline <= end
        and (user_id is None or p.officer_id == user_id)
        and (unit_id is None or p.unit_id == unit_id)
    ]

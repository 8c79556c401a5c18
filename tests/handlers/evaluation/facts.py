"""Work tracking's facts as it publishes them on the bus, and extra staff for a unit of realistic size."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hub.auth import hash_password
from hub.orgchart import OFFICER, User
from hub.runtime import Hub
from schemas.tasks import ObjectiveCause, TaskCompleted, TaskCreated, TaskProductAssessed


async def created(
    hub: Hub, task_id: str, officer: str, unit: str, deadline: date, weight: float | None = 1
) -> None:
    await hub.publish(
        "task.created",
        TaskCreated(
            task_id=task_id,
            title=f"Nhiệm vụ {task_id}",
            officer_id=officer,
            unit_id=unit,
            assigner="giamdoc",
            deadline=deadline,
            product_weight=weight,
        ),
        source="tasks",
        issue=task_id,
    )


async def done(
    hub: Hub,
    task_id: str,
    officer: str,
    unit: str,
    deadline: date,
    on: date,
    *,
    weight: float | None = 1,
    errors: int | None = 0,
    cause: str | None = None,
) -> None:
    await hub.publish(
        "task.completed",
        TaskCompleted(
            task_id=task_id,
            title=f"Nhiệm vụ {task_id}",
            officer_id=officer,
            unit_id=unit,
            assigner="giamdoc",
            deadline=deadline,
            completed_at=datetime(on.year, on.month, on.day, 9, tzinfo=UTC),
            on_time=on <= deadline,
            product_weight=weight,
            quality_errors=errors,
            delay_cause=ObjectiveCause(reason=cause, confirmed_by="giamdoc") if cause else None,
            source="document",
            external_ref=task_id.rsplit("-", 1)[-1],
            document_id=f"vb-{task_id.lower()}",
        ),
        source="tasks",
        issue=task_id,
    )


async def assessed(hub: Hub, task_id: str, officer: str, unit: str, deadline: date, errors: int) -> None:
    await hub.publish(
        "task.product_assessed",
        TaskProductAssessed(
            task_id=task_id,
            title=f"Nhiệm vụ {task_id}",
            officer_id=officer,
            unit_id=unit,
            assigner="giamdoc",
            deadline=deadline,
            quality_errors=errors,
            assessed_by="giamdoc",
            assessed_at=datetime(2026, 10, 1, 9, tzinfo=UTC),
        ),
        source="tasks",
        issue=task_id,
    )


async def add_officers(hub: Hub, unit: str, count: int, password: str, prefix: str = "cv") -> list[str]:
    """`count` more officers in the unit (cv01, cv02, ...), able to log in with `password`."""
    ids = [f"{prefix}{n:02d}" for n in range(1, count + 1)]
    hashed = hash_password(password)
    async with hub.db.session() as s:
        for n, uid in enumerate(ids, start=1):
            s.add(
                User(
                    id=uid,
                    username=uid,
                    full_name=f"Chuyên viên {n:02d}",
                    position="Chuyên viên",
                    unit_id=unit,
                    roles=[OFFICER],
                    password_hash=hashed,
                )
            )
    return ids

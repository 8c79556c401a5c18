"""Durable reminders on JetStream message scheduling: they survive a hub restart; overdue escalation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from adapters.notify import NotifyModule
from adapters.notify.models import NotifyDelivery
from adapters.notify.settings import NotifySettings
from adapters.notify.simulator import ChannelSimulator
from handlers.tasks import TasksModule
from handlers.tasks import reminders as rem
from handlers.tasks.clock import LOCAL_TZ, local_time
from handlers.tasks.models import Task
from hub.core import module as core
from hub.embedded import NatsServer
from hub.orgchart import User
from hub.runtime import Delivery, Hub, wait_for
from kit.workcal import default_calendar
from schemas.envelope import Envelope
from tests.adapters.notify.harness import hubs
from tests.support.fn_module import FnModule

WAIT = 60.0
PACKAGES = ["handlers.tasks", "adapters.notify"]


async def deliveries(hub: Hub, prefix: str) -> list[NotifyDelivery]:
    async with hub.db.session() as s:
        q = select(NotifyDelivery).where(NotifyDelivery.dedup_key.startswith(prefix))
        return list((await s.execute(q.order_by(NotifyDelivery.id))).scalars())


async def one_task(hub: Hub, **where: Any) -> Task | None:
    async with hub.db.session() as s:
        q = select(Task)
        for k, v in where.items():
            q = q.where(getattr(Task, k) == v)
        return (await s.execute(q)).scalars().first()


async def test_reminder_scheduled_before_a_hub_restart_fires_after_it(
    nats: NatsServer, tmp_path: Path
) -> None:
    inapp_only = NotifySettings(poll_seconds=0.3, retry_base_seconds=0.2, embed_simulators=False)
    async with hubs(nats.url, tmp_path) as start:
        hub = await start([TasksModule(), NotifyModule(inapp_only)], PACKAGES)
        await hub.publish(
            "task.create_requested",
            {
                "title": "Rà soát danh mục dự án kêu gọi đầu tư năm 2027",
                "assignee_user_id": "chuyenvien",
                "assigner": "phogiamdoc",
                "duration_working_days": 15,
                "source": "meeting",
                "external_ref": "KL-HOP-2026-31",
            },
            source="meetings",
        )

        async def created() -> bool:
            return await one_task(hub, external_ref="KL-HOP-2026-31") is not None

        assert await wait_for(created, timeout=WAIT)
        task = await one_task(hub, external_ref="KL-HOP-2026-31")
        assert task is not None
        assert task.deadline == default_calendar().add_working_days(datetime.now(LOCAL_TZ).date(), 15)
        # a reminder due in a few seconds, scheduled durably (outbox -> SCHEDULES stream)
        fire_at = datetime.now(UTC) + timedelta(seconds=8)
        async with hub.transaction(source="tasks") as tx:
            rem.schedule_in(
                tx.session, task.id, task.deadline, rem.PlannedReminder("before", fire_at, "before-3", 3)
            )
        assert hub.js is not None
        subject = rem.schedule_subject(task.id, "before-3")

        async def scheduled() -> bool:
            assert hub.js is not None
            try:
                msg = await hub.js.get_last_msg("SCHEDULES", subject)
            except Exception:
                return False
            return bool(msg.headers and msg.headers.get("Nats-Schedule", "").startswith("@at "))

        assert await wait_for(scheduled, timeout=WAIT)
        await start.stop(hub)  # type: ignore[attr-defined]
        if datetime.now(UTC) < fire_at:  # (on a very slow machine the stop itself may outlast the delay)
            assert await deliveries(hub, f"task.reminder:{task.id}:before") == []  # not fired before restart

        hub2 = await start([TasksModule(), NotifyModule(inapp_only)], PACKAGES)

        async def reminded() -> bool:
            rows = await deliveries(hub2, f"task.reminder:{task.id}:before")
            return len(rows) == 1 and rows[0].status == "sent"

        assert await wait_for(reminded, timeout=WAIT)
        row = (await deliveries(hub2, f"task.reminder:{task.id}:before"))[0]
        assert row.recipient == "chuyenvien" and row.channel == "inapp"
        assert row.title.startswith("Nhắc hạn: còn ") and "Rà soát danh mục dự án" in row.title


async def test_overdue_task_is_marked_and_escalated_to_unit_head_and_assigner_by_sms(
    nats: NatsServer, tmp_path: Path
) -> None:
    sms = await ChannelSimulator("sms").start()
    events: dict[str, list[dict[str, Any]]] = {"overdue": [], "escalated": []}

    def capture(hub: Hub) -> None:
        for name in events:

            @hub.consumer(f"test-task-{name}", f"lt.task.evt.{name}")
            async def got(d: Delivery, name: str = name) -> None:
                events[name].append(d.envelope.payload)

    try:
        cfg = NotifySettings(
            sms_url=sms.url, sms_api_key=sms.secret, poll_seconds=0.3, retry_base_seconds=0.2
        )
        async with hubs(nats.url, tmp_path) as start:
            hub = await start(
                [core, TasksModule(), NotifyModule(cfg), FnModule("capture", capture)], PACKAGES
            )
            async with hub.db.session() as s:
                for uid, phone in (("truongphongth", "0912000111"), ("phogiamdoc", "0912000222")):
                    user = await s.get(User, uid)
                    assert user is not None
                    user.phone = phone
            deadline = default_calendar().subtract_working_days(datetime.now(LOCAL_TZ).date(), 6)
            await hub.publish(
                "task.create_requested",
                {
                    "title": "Tổng hợp báo cáo giám sát đầu tư quý III",
                    "assignee_user_id": "chuyenvien",
                    "assigner": "phogiamdoc",
                    "deadline": deadline.isoformat(),
                    "priority": "Khẩn",
                    "source": "direct",
                },
                source="tasks-test",
            )

            async def escalated_by_sms() -> bool:
                return len(sms.received) == 2 and bool(events["overdue"]) and bool(events["escalated"])

            assert await wait_for(escalated_by_sms, timeout=WAIT)
            assert sorted(m["to"] for m in sms.received) == ["84912000111", "84912000222"]
            assert all("Tổng hợp báo cáo giám sát đầu tư quý III" in m["text"] for m in sms.received)
            assert all(m["text"].startswith("Nhiệm vụ quá hạn") for m in sms.received)
            escalation = events["escalated"][0]
            assert escalation["escalate_to"] == ["truongphongth", "phogiamdoc"]
            today = datetime.now(LOCAL_TZ).date()
            assert escalation["days_overdue"] == default_calendar().working_days_between(deadline, today)
            assert escalation["officer_id"] == "chuyenvien"
            assert events["overdue"][0]["deadline"] == deadline.isoformat()

            async def officer_told() -> bool:
                rows = await deliveries(hub, "task.reminder:")
                return any(
                    r.recipient == "chuyenvien" and r.title.startswith("Nhiệm vụ quá hạn") for r in rows
                )

            assert await wait_for(officer_told, timeout=WAIT)
            # while it stays overdue the next reminder is already scheduled, one working day on
            task = await one_task(hub, title="Tổng hợp báo cáo giám sát đầu tư quý III")
            assert task is not None and hub.js is not None
            nxt = await hub.js.get_last_msg("SCHEDULES", rem.schedule_subject(task.id, "overdue"))
            body = Envelope.model_validate_json(nxt.data).payload
            assert body["kind"] == "overdue" and body["sequence"] == 2
            again = default_calendar().add_working_days(today, 1)
            assert nxt.headers is not None
            assert nxt.headers["Nats-Schedule"] == f"@at {local_time(again, 8):%Y-%m-%dT%H:%M:%SZ}"
    finally:
        await sms.stop()

"""Notifications over real servers: nats-server, TLS SMTP (aiosmtpd), SMS and Zalo simulators, SSE."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from adapters.notify import NotifyModule
from adapters.notify.models import NotifyDelivery
from adapters.notify.settings import NotifySettings
from adapters.notify.simulator import ChannelSimulator
from handlers.tasks import TasksModule
from hub.core import module as core
from hub.embedded import NatsServer
from hub.orgchart import User
from hub.runtime import Hub, wait_for
from tests.adapters.notify.harness import Mailbox, SmtpServer, hubs, login, portal

WAIT = 60.0


async def set_contacts(hub: Hub, contacts: dict[str, tuple[str | None, str | None]]) -> None:
    async with hub.db.session() as s:
        for user_id, (phone, zalo_id) in contacts.items():
            user = await s.get(User, user_id)
            assert user is not None
            user.phone, user.zalo_id = phone, zalo_id


async def rows(hub: Hub, **where: Any) -> list[NotifyDelivery]:
    async with hub.db.session() as s:
        q = select(NotifyDelivery)
        for k, v in where.items():
            q = q.where(getattr(NotifyDelivery, k) == v)
        return list((await s.execute(q.order_by(NotifyDelivery.id))).scalars())


async def read_sse(response: httpx.Response, events: list[dict[str, Any]], hello: asyncio.Event) -> None:
    kind = ""
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: "):
            data = json.loads(line[6:])
            if kind == "hello":
                hello.set()
            elif kind == "notification":
                events.append(data)


async def test_hoa_toc_document_assigned_goes_out_by_sms_zalo_and_live_in_app(
    nats: NatsServer,
    tmp_path: Path,
    notify_config: NotifySettings,
    sms: ChannelSimulator,
    zalo: ChannelSimulator,
    mailbox: Mailbox,
) -> None:
    async with hubs(nats.url, tmp_path) as start:
        hub = await start(
            [core, TasksModule(), NotifyModule(notify_config)], ["handlers.tasks", "adapters.notify"]
        )
        await set_contacts(
            hub, {"truongphongth": ("0912 345 678", "8412345678901"), "chuyenvien": ("0987000222", None)}
        )
        events: list[dict[str, Any]] = []
        hello = asyncio.Event()
        async with portal(hub) as base, httpx.AsyncClient(base_url=base, timeout=WAIT) as client:
            headers = await login(client, "truongphongth")
            async with client.stream("GET", "/api/notify/stream", headers=headers) as response:
                assert response.status_code == 200
                reader = asyncio.create_task(read_sse(response, events, hello))
                await asyncio.wait_for(hello.wait(), WAIT)
                await hub.publish(
                    "document.assigned",
                    {
                        "document_id": "VBD-2026-0142",
                        "subject": "Báo cáo khẩn tình hình giải ngân vốn đầu tư công",
                        "priority": "Hỏa tốc",
                        "lead_unit_id": "TH",
                        "coordinating_unit_ids": ["DNDT"],
                        "deadline": "2026-12-02",
                        "instruction": "Phòng Tổng hợp chủ trì, báo cáo trước 16h.",
                        "assigned_by": "giamdoc",
                        "so_den": 142,
                    },
                    source="documents",
                    issue="VBD-2026-0142",
                )

                async def delivered() -> bool:
                    return bool(events) and bool(sms.received) and bool(zalo.received)

                assert await wait_for(delivered, timeout=WAIT)
                reader.cancel()
        # the head of the lead unit got it live in the browser, by SMS and on Zalo
        assert events[0]["title"] == "Văn bản Hỏa tốc: Báo cáo khẩn tình hình giải ngân vốn đầu tư công"
        assert events[0]["urgency"] == "hoa_toc" and events[0]["link"] == "/staff/van-ban/VBD-2026-0142"
        assert [m["to"] for m in sms.received] == ["84912345678"]
        assert "giải ngân vốn đầu tư công" in sms.received[0]["text"]
        assert zalo.texts_to("8412345678901")[0].startswith("Văn bản Hỏa tốc")
        # the co-ordinating unit's head has no phone: in-app, and e-mail at once instead of SMS
        assert {r.channel for r in await rows(hub, recipient="truongphongdt")} == {"inapp", "email"}

        async def mailed() -> bool:
            return bool(mailbox.to("truongphongdt@skhdt.hanoi.gov.vn"))

        assert await wait_for(mailed, timeout=WAIT)
        assert mailbox.to("truongphongdt@skhdt.hanoi.gov.vn")[0]["Subject"].startswith("[Hỏa tốc] Văn bản")
        # the unit head names the officer: the Hỏa tốc document reaches the officer by SMS and in-app too
        await hub.publish(
            "document.handler_assigned",
            {
                "document_id": "VBD-2026-0142",
                "subject": "Báo cáo khẩn tình hình giải ngân vốn đầu tư công",
                "priority": "Hỏa tốc",
                "unit_id": "TH",
                "officer_ids": ["chuyenvien"],
                "lead_officer_id": "chuyenvien",
                "deadline": "2026-12-02",
                "assigned_by": "truongphongth",
            },
            source="documents",
            issue="VBD-2026-0142",
        )

        async def officer_reached() -> bool:
            inapp = await rows(hub, recipient="chuyenvien", channel="inapp", status="sent")
            return bool(sms.texts_to("84987000222")) and bool(inapp)

        assert await wait_for(officer_reached, timeout=WAIT)
        assert sms.texts_to("84987000222")[0].startswith("Văn bản giao xử lý (Hỏa tốc)")
        # and the tasks module opened one task per unit
        from handlers.tasks.models import Task

        async with hub.db.session() as s:
            tasks = (await s.execute(select(Task).where(Task.document_id == "VBD-2026-0142"))).scalars().all()
        assert sorted((t.unit_id, t.role, t.deadline) for t in tasks) == [
            ("DNDT", "coordinate", date(2026, 12, 2)),
            ("TH", "lead", date(2026, 12, 2)),
        ]


async def test_sms_gateway_down_delays_but_never_loses_or_repeats(
    nats: NatsServer, tmp_path: Path, notify_config: NotifySettings, sms: ChannelSimulator
) -> None:
    async with hubs(nats.url, tmp_path) as start:
        hub = await start([NotifyModule(notify_config)], ["adapters.notify"])
        await set_contacts(hub, {"chuyenvien": ("0987654321", None), "truongphongth": ("0912345678", None)})
        sms.down = True
        notice = {
            "recipients": ["chuyenvien", "truongphongth"],
            "title": "Họp khẩn về dự án đường vành đai 4 lúc 14h",
            "body": "Phòng họp số 2, tầng 3.",
            "urgency": "thuong_khan",
            "dedup_key": "meeting:HOP-77:invite",
        }
        await hub.publish("notify.requested", notice, source="meetings")
        await hub.publish("notify.requested", notice, source="meetings")  # the same notice twice

        async def refused() -> bool:
            sms_rows = await rows(hub, channel="sms")
            return len(sms_rows) == 2 and all(r.attempts >= 2 and r.status == "pending" for r in sms_rows)

        assert await wait_for(refused, timeout=WAIT)
        assert sms.received == []
        assert all(r.status == "sent" for r in await rows(hub, channel="inapp"))  # in-app is not held up
        sms.down = False

        async def recovered() -> bool:
            return all(r.status == "sent" for r in await rows(hub, channel="sms"))

        assert await wait_for(recovered, timeout=WAIT)
        await asyncio.sleep(1.0)  # a few more dispatcher rounds: nothing goes out again
        assert sorted(m["to"] for m in sms.received) == ["84912345678", "84987654321"]
        async with hub.db.session() as s:
            total = await s.scalar(select(func.count()).select_from(NotifyDelivery))
        assert total == 4  # two recipients x (in-app, SMS); the repeated command added nothing


async def test_smtp_stopped_during_digest_then_started_delivers_every_mail_once(
    nats: NatsServer,
    tmp_path: Path,
    notify_config: NotifySettings,
    smtp: SmtpServer,
    mailbox: Mailbox,
) -> None:
    async with hubs(nats.url, tmp_path) as start:
        notify = NotifyModule(notify_config)
        hub = await start([notify], ["adapters.notify"])
        staff = ["giamdoc", "phogiamdoc", "chanhvanphong", "truongphongth", "chuyenvien", "chuyenvien2"]
        await hub.publish(
            "notify.requested",
            {
                "recipients": staff,
                "title": "Lịch công tác tuần 49 của Sở",
                "urgency": "thuong",
                "dedup_key": "calendar:2026-W49",
                "link": "/calendar/2026-W49",
            },
            source="meetings",
        )
        await hub.publish(
            "notify.requested",
            {
                "recipients": staff[:3],
                "title": "Thông báo nghỉ Tết Dương lịch 2027",
                "urgency": "thuong",
                "dedup_key": "notice:tet-duong-lich-2027",
            },
            source="messaging",
        )

        async def planned() -> bool:
            return len(await rows(hub, channel="digest")) == 9

        assert await wait_for(planned, timeout=WAIT)
        # the daily digest is itself a durable JetStream schedule (cron), defined once per subject
        assert hub.js is not None
        definition = await hub.js.get_last_msg("SCHEDULES", "sched.lt.notify.digest")
        assert definition.headers is not None
        assert definition.headers["Nats-Schedule"] == notify_config.digest_cron
        assert definition.headers["Nats-Schedule-Target"] == "sched.lt.fire.notify.digest"
        mailbox.stop_after = 2  # the SMTP server goes away after the second mail of the digest
        first = await notify.service.send_digest()
        assert first == 2
        assert await asyncio.to_thread(smtp.stopped.wait, WAIT)
        pending = [r for r in await rows(hub, channel="digest") if r.status == "pending"]
        assert pending and all(r.last_error for r in pending)
        mailbox.stop_after = None
        smtp.start()

        async def all_sent() -> bool:
            return all(r.status == "sent" for r in await rows(hub, channel="digest"))

        assert await wait_for(all_sent, timeout=WAIT)
        await asyncio.sleep(1.0)
        for user in staff:
            mails = mailbox.to(f"{user}@skhdt.hanoi.gov.vn")
            assert len(mails) == 1, f"{user} got {len(mails)} digest mails"
            text = mails[0].get_content()
            assert "Lịch công tác tuần 49 của Sở" in text
            assert ("Thông báo nghỉ Tết Dương lịch 2027" in text) == (user in staff[:3])
        assert all(mailbox.tls_seen)  # every mail went over STARTTLS
        assert str(mailbox.messages[0][1]["Subject"]).startswith("Tổng hợp thông báo ngày")


async def test_preferences_and_quiet_hours_hold_back_all_but_hoa_toc(
    nats: NatsServer, tmp_path: Path, sms: ChannelSimulator
) -> None:
    from datetime import UTC, datetime

    from adapters.notify.mapping import LOCAL_TZ
    from lienthong.web import create_app

    cfg = NotifySettings(sms_url=sms.url, sms_api_key=sms.secret, poll_seconds=0.3, retry_base_seconds=0.2)
    async with hubs(nats.url, tmp_path) as start:
        hub = await start([NotifyModule(cfg)], ["adapters.notify"])
        await set_contacts(hub, {"chuyenvien": ("0987000111", None)})
        transport = httpx.ASGITransport(app=create_app(hub))
        async with httpx.AsyncClient(transport=transport, base_url="http://portal") as c:
            cv = await login(c, "chuyenvien")
            r = await c.put("/api/notify/preferences", headers=cv, json={"channels_off": ["inapp"]})
            assert r.status_code == 422 and "inapp" in r.text
            hour = datetime.now(LOCAL_TZ).hour  # quiet from this hour for two hours
            r = await c.put(
                "/api/notify/preferences",
                headers=cv,
                json={"quiet_start": hour, "quiet_end": (hour + 2) % 24},
            )
            assert r.status_code == 200
            for key, urgency in (("quiet:1", "thuong_khan"), ("quiet:2", "hoa_toc")):
                await hub.publish(
                    "notify.requested",
                    {
                        "recipients": ["chuyenvien"],
                        "title": f"Thử giờ yên lặng {urgency}",
                        "urgency": urgency,
                        "dedup_key": key,
                    },
                    source="test",
                )

            async def hoa_toc_sent() -> bool:
                return len(sms.received) == 1 and len(await rows(hub, channel="inapp", status="sent")) == 2

            assert await wait_for(hoa_toc_sent, timeout=WAIT)
            assert sms.received[0]["text"] == "Thử giờ yên lặng hoa_toc"
            [held] = await rows(hub, channel="sms", dedup_key="quiet:1")
            assert held.status == "pending" and held.attempts == 0
            assert held.not_before.replace(tzinfo=UTC) > datetime.now(UTC)
            # the in-app inbox has both, unread
            assert (await c.get("/api/notify/unread-count", headers=cv)).json() == {"unread": 2}
            inbox = (await c.get("/api/notify/inbox", headers=cv)).json()["items"]
            assert [n["urgency_label"] for n in inbox] == ["Hỏa tốc", "Thượng khẩn"]
            await c.post(f"/api/notify/inbox/{inbox[0]['id']}/read", headers=cv)
            assert (await c.get("/api/notify/unread-count", headers=cv)).json() == {"unread": 1}
            # operators see what is held back and why
            assert (await c.get("/api/notify/deliveries", headers=cv)).status_code == 403
            ops = await login(c, "vanhanh")
            waiting = (
                await c.get("/api/notify/deliveries", headers=ops, params={"status": "pending"})
            ).json()["items"]
            assert [(d["recipient"], d["channel"], d["dedup_key"]) for d in waiting] == [
                ("chuyenvien", "sms", "quiet:1")
            ]


async def test_the_digest_schedule_fires_on_its_own(
    nats: NatsServer, tmp_path: Path, notify_config: NotifySettings, mailbox: Mailbox
) -> None:
    every_second = notify_config.model_copy(update={"digest_cron": "@every 1s"})
    async with hubs(nats.url, tmp_path) as start:
        hub = await start([NotifyModule(every_second)], ["adapters.notify"])
        await hub.publish(
            "notify.requested",
            {
                "recipients": ["chuyenvien2"],
                "title": "Kế hoạch kiểm tra doanh nghiệp FDI quý I/2027",
                "dedup_key": "plan:fdi-2027-q1",
            },
            source="tasks",
        )

        async def mailed() -> bool:
            return bool(mailbox.to("chuyenvien2@skhdt.hanoi.gov.vn"))

        assert await wait_for(mailed, timeout=WAIT)
        await asyncio.sleep(2.5)  # later firings find nothing new to send
        [mail] = mailbox.to("chuyenvien2@skhdt.hanoi.gov.vn")
        assert "Kế hoạch kiểm tra doanh nghiệp FDI quý I/2027" in mail.get_content()

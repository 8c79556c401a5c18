"""Internal messaging over the API: broadcasts, notices with read receipts, search without diacritics."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import select

from adapters.notify import NotifyModule
from adapters.notify.models import NotifyDelivery
from adapters.notify.settings import NotifySettings
from handlers.messaging import MessagingModule
from hub.embedded import NatsServer
from hub.runtime import wait_for
from lienthong.web import create_app
from tests.adapters.notify.harness import hubs, login


async def test_messages_broadcasts_notices_receipts_search_and_unread(
    nats: NatsServer, tmp_path: Path
) -> None:
    async with hubs(nats.url, tmp_path) as start:
        hub = await start(
            [MessagingModule(), NotifyModule(NotifySettings(poll_seconds=0.3))],
            ["handlers.messaging", "adapters.notify"],
        )
        transport = httpx.ASGITransport(app=create_app(hub))
        async with httpx.AsyncClient(transport=transport, base_url="http://portal") as c:
            gd = await login(c, "giamdoc")
            cv = await login(c, "chuyenvien")
            tp = await login(c, "truongphongth")

            # a direct message citing a document
            r = await c.post(
                "/api/messages",
                headers=tp,
                json={
                    "recipients": ["chuyenvien"],
                    "subject": "Góp ý dự thảo Kế hoạch đầu tư công trung hạn",
                    "body": "Em xem lại phần Đường Vành đai 4 giúp anh.",
                    "cites_document_id": "VBD-2026-0142",
                },
            )
            assert r.status_code == 201, r.text
            direct_id = r.json()["id"]
            # a unit broadcast to Phòng Tổng hợp (the sender is not among the recipients)
            r = await c.post(
                "/api/messages",
                headers=tp,
                json={"kind": "unit", "unit_id": "TH", "subject": "Họp giao ban phòng sáng thứ Hai"},
            )
            assert r.status_code == 201 and r.json()["recipients"] == ["chuyenvien"]
            # a group broadcast
            r = await c.post(
                "/api/messages/groups",
                headers=cv,
                json={"name": "Tổ công tác FDI", "members": ["chuyenvien2"]},
            )
            group = r.json()
            assert sorted(group["members"]) == ["chuyenvien", "chuyenvien2"]
            r = await c.post(
                "/api/messages",
                headers=cv,
                json={"kind": "group", "group_id": group["id"], "subject": "Số liệu FDI tháng 11"},
            )
            assert r.status_code == 201 and r.json()["recipients"] == ["chuyenvien2"]
            # only leaders send notices; a notice to everyone asks for read receipts
            r = await c.post("/api/messages", headers=cv, json={"kind": "notice", "subject": "Thử"})
            assert r.status_code == 403 and "lãnh đạo" in r.json()["detail"]
            r = await c.post(
                "/api/messages",
                headers=gd,
                json={
                    "kind": "notice",
                    "subject": "Thông báo lịch nghỉ Tết Nguyên đán Đinh Mùi 2027",
                    "body": "Cán bộ nghỉ Tết từ 04/02 đến hết 10/02/2027.",
                    "urgency": "khan",
                },
            )
            assert r.status_code == 201
            notice = r.json()
            assert notice["requires_receipt"] and "chuyenvien" in notice["recipients"]
            assert "giamdoc" not in notice["recipients"]

            # unread counts and search without diacritics
            assert (await c.get("/api/messages/unread-count", headers=cv)).json() == {"unread": 3}
            found = (await c.get("/api/messages/inbox", headers=cv, params={"q": "duong vanh dai"})).json()[
                "items"
            ]
            assert [m["id"] for m in found] == [direct_id]
            assert (
                found[0]["cites_document_id"] == "VBD-2026-0142"
                and found[0]["sender_name"] == "Đỗ Quang Vinh"
            )
            found = (await c.get("/api/messages/inbox", headers=cv, params={"q": "TET nguyen DAN"})).json()[
                "items"
            ]
            assert [m["id"] for m in found] == [notice["id"]]
            by_sender = (
                await c.get("/api/messages/inbox", headers=cv, params={"q": "do quang vinh"})
            ).json()["items"]
            assert len(by_sender) == 2
            assert (await c.get("/api/messages/inbox", headers=cv, params={"q": "100%_"})).json()[
                "items"
            ] == []

            # reading the notice gives the leader a receipt
            await c.get(f"/api/messages/{notice['id']}", headers=cv)
            assert (await c.get("/api/messages/unread-count", headers=cv)).json() == {"unread": 2}
            receipts = (await c.get(f"/api/messages/{notice['id']}/receipts", headers=gd)).json()
            assert [x["user_id"] for x in receipts["read"]] == ["chuyenvien"]
            assert (
                receipts["total"] == len(notice["recipients"])
                and len(receipts["unread"]) == receipts["total"] - 1
            )
            assert (await c.get(f"/api/messages/{notice['id']}/receipts", headers=cv)).status_code == 403
            sent = (await c.get("/api/messages/sent", headers=gd)).json()["items"]
            assert sent[0]["read_by"] == 1
            # someone else's message is not readable
            assert (await c.get(f"/api/messages/{direct_id}", headers=gd)).status_code == 404
            # bad input is named
            r = await c.post("/api/messages", headers=cv, json={"kind": "unit", "subject": "x"})
            assert r.status_code == 422 and "unit_id" in r.text
            r = await c.post("/api/messages", headers=cv, json={"recipients": ["khongco"], "subject": "x"})
            assert r.status_code == 422 and "khongco" in r.json()["detail"]

        # every recipient also got an in-app notification
        async def notified() -> bool:
            async with hub.db.session() as s:
                rows = (
                    await s.execute(select(NotifyDelivery).where(NotifyDelivery.recipient == "chuyenvien"))
                ).scalars()
                return len([r for r in rows if r.channel == "inapp" and r.status == "sent"]) == 3

        assert await wait_for(notified, timeout=60)

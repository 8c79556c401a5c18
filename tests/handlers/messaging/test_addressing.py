"""Writing to people, units and groups at once: each person reached once, the addressing kept in words,
the sender's rights checked for every unit and group, the notice linking to the message's page."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import func, select

from handlers.messaging import MessagingModule
from handlers.messaging.models import Message
from hub.embedded import NatsServer
from lienthong.web import create_app
from tests.adapters.notify.harness import hubs, login
from tests.handlers.timekeeping.test_access import emitted


async def test_people_units_and_groups_at_once(nats: NatsServer, tmp_path: Path) -> None:
    async with hubs(nats.url, tmp_path) as start:
        hub = await start([MessagingModule()], ["handlers.messaging"])
        transport = httpx.ASGITransport(app=create_app(hub))
        async with httpx.AsyncClient(transport=transport, base_url="http://portal") as c:
            tp = await login(c, "truongphongth")
            cv2 = await login(c, "chuyenvien2")
            r = await c.post(
                "/api/messages/groups", headers=tp, json={"name": "Tổ giải ngân", "members": ["chuyenvien2"]}
            )
            group = r.json()
            await c.post(
                "/api/messages/groups", headers=tp, json={"name": "Đội kiểm tra", "members": ["vanthu"]}
            )
            names = [
                g["name"] for g in (await c.get("/api/messages/groups/mine", headers=tp)).json()["items"]
            ]
            assert names == ["Đội kiểm tra", "Tổ giải ngân"]  # Vietnamese order: Đ before T

            r = await c.post(
                "/api/messages",
                headers=tp,
                json={
                    "recipients": ["chuyenvien2", "giamdoc"],
                    "unit_ids": ["TH"],
                    "group_ids": [group["id"]],
                    "subject": "Số liệu quý IV",
                    "urgency": "khan",
                },
            )
            assert r.status_code == 201, r.text
            sent = r.json()
            assert sorted(sent["recipients"]) == ["chuyenvien", "chuyenvien2", "giamdoc"]  # once each, not me
            assert sent["addressed"] == [
                "Hoàng Văn Nam",
                "Nguyễn Văn Hùng",
                "Phòng Tổng hợp, Quy hoạch",
                "Nhóm Tổ giải ngân",
            ]
            assert (sent["urgency_label"], sent["kind_label"]) == ("Khẩn", "Tin nhắn")
            notice = (await emitted(hub, "notify.requested"))[-1]
            assert notice["link"] == f"/staff/tin-nhan/{sent['id']}" and notice["urgency"] == "khan"

            # an officer may not write to another unit, nor to a group she is not in: nothing is stored
            async with hub.db.session() as s:
                before = await s.scalar(select(func.count()).select_from(Message))
            r = await c.post("/api/messages", headers=cv2, json={"unit_ids": ["TH"], "subject": "Thử"})
            assert r.status_code == 403 and "Phòng Tổng hợp, Quy hoạch" in r.json()["detail"]
            other = await c.post(
                "/api/messages/groups", headers=tp, json={"name": "Riêng phòng", "members": ["chuyenvien"]}
            )
            r = await c.post(
                "/api/messages", headers=cv2, json={"group_ids": [other.json()["id"]], "subject": "Thử"}
            )
            assert r.status_code == 403 and "Riêng phòng" in r.json()["detail"]
            r = await c.post("/api/messages", headers=cv2, json={"subject": "Không ai"})
            assert r.status_code == 422
            async with hub.db.session() as s:
                assert await s.scalar(select(func.count()).select_from(Message)) == before
            # nor read a message she did not receive
            vt = await login(c, "vanthu")
            assert (await c.get(f"/api/messages/{sent['id']}", headers=vt)).status_code == 404

"""Electronic documents the axis intake refused, for the clerk: listed on the clerk's first screen and on
their own page with the sender, the number, the Vietnamese reason and whether the sender was told; kept
once per event; clerks and leaders read it, an officer is refused."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from adapters.axis.intake import Arrival, AxisIntake
from hub.runtime import Hub
from schemas.envelope import Envelope
from tests.portal.ops.test_refusals import SENDER, TOLD, US, without_subject
from tests.portal.staff.conftest import Office, client_of, login


async def listed(c: httpx.AsyncClient, count: int) -> list[dict[str, Any]]:
    """The clerk's list once it holds `count` refusals (the consumer hears the event in the background)."""
    for _ in range(150):
        answer = await c.get("/api/documents/incoming/refused", params={"days": 7})
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["items"]
        if len(items) >= count:
            return items
        await asyncio.sleep(0.1)
    return items


async def refuse(hub: Hub, content: bytes, axis_doc_id: str) -> Envelope:
    """Take a broken edoc through the shared intake, as an axis adapter does; the refusal event."""
    intake = AxisIntake(hub, source="vdxp", ids=uuid.uuid4(), us=US)
    arrival = Arrival("vdxp", axis_doc_id, "edoc", SENDER, f"vdxp:{axis_doc_id}")
    outcome = await intake.take_bytes(arrival, content)
    assert outcome.outcome == "refused"
    event = outcome.published[-1]
    assert event.type == "axis.receive_failed"
    return event


async def redeliver(hub: Hub, event: Envelope) -> None:
    """The same event heard again (same envelope id, new stream message), as after a lost ack."""
    await hub.publish_raw(
        event.subject, await hub.encode(event), {"Nats-Msg-Id": f"{event.id}-again", "Lt-Type": event.type}
    )


async def test_a_refused_edoc_reaches_the_clerk_once_with_its_reason(office: Office) -> None:
    hub = office.hub
    first = await refuse(hub, without_subject("456"), "4711")
    async with client_of(office.app) as clerk:
        await login(clerk, "vanthu")
        [row] = await listed(clerk, 1)
        assert (row["from_code"], row["code"], row["axis"]) == (SENDER, "456/SKHĐT-TH", "vdxp")
        assert row["reason"] == TOLD and row["rejection_sent"] is True

        home = await clerk.get("/staff/")
        assert home.status_code == 200
        assert "Văn bản điện tử bị từ chối tiếp nhận" in home.text
        assert "456/SKHĐT-TH" in home.text and TOLD in home.text
        assert "Đã gửi thông báo từ chối" in home.text and "Trục liên thông văn bản quốc gia" in home.text

        page = await clerk.get("/staff/van-ban-bi-tu-choi", params={"ngay": 30})
        assert page.status_code == 200 and "456/SKHĐT-TH" in page.text and "Tổng số: 1." in page.text
        assert "receive_failed" not in page.text and "vdxp" not in page.text  # no raw keys

        # a second refusal, then the first event heard again: two rows, not three
        await redeliver(hub, first)
        await refuse(hub, without_subject("457"), "4712")
        assert len(await listed(clerk, 2)) == 2
        await asyncio.sleep(1)  # the redelivery, published before the second refusal, had its turn
        again = await clerk.get("/api/documents/incoming/refused", params={"days": 7})
        assert [r["code"] for r in again.json()["items"]] == ["457/SKHĐT-TH", "456/SKHĐT-TH"]

    async with client_of(office.app) as leader:
        await login(leader, "giamdoc")
        answer = await leader.get("/api/documents/incoming/refused")
        assert answer.status_code == 200 and answer.json()["total"] == 2

    async with client_of(office.app) as officer:
        await login(officer, "chuyenvien")
        answer = await officer.get("/api/documents/incoming/refused")
        assert answer.status_code == 403
        home = await officer.get("/staff/")
        assert home.status_code == 200 and "bị từ chối tiếp nhận" not in home.text

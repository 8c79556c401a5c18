"""The national axis down for a while during sends: nothing lost or sent twice; health shows the fault."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import func, select

from adapters.vdxp.client import VdxpClient
from adapters.vdxp.settings import VdxpConfig
from adapters.vdxp.simulator import SimulatorServer
from hub.models import JournalEntry
from hub.runtime import wait_for
from tests.adapters.vdxp.conftest import HANOI, SYSTEMS, VPCP
from tests.adapters.vdxp.test_service import StartAgency, make_edoc, nats_pair, send, start_agency  # noqa: F401

DOCUMENTS = 12


async def test_axis_outage_during_sends_then_every_document_is_delivered_once(
    start_agency: StartAgency,
    simulator: SimulatorServer,
) -> None:
    hanoi = await start_agency(HANOI, breaker_open_seconds=1.0)
    await asyncio.to_thread(simulator.stop)  # the axis goes down
    for n in range(DOCUMENTS):
        await send(hanoi, make_edoc(HANOI, VPCP, str(200 + n)), f"outage-{n}")

    async def retrying() -> bool:
        await hanoi.hub.journal.flush()
        async with hanoi.hub.db.session() as s:
            count = await s.scalar(
                select(func.count())
                .select_from(JournalEntry)
                .where(JournalEntry.actor == "vdxp-send", JournalEntry.hop == "retried")
            )
        return (count or 0) >= DOCUMENTS

    assert await wait_for(retrying, timeout=60), "the sends should fail and be retried while the axis is down"
    assert not hanoi.seen["axis.sent"]

    # what an operator sees: the adapter's health names the failure
    await hanoi.vdxp._publish_health()
    assert hanoi.hub.js is not None
    health = json.loads((await (await hanoi.hub.js.key_value("lt-health")).get("vdxp")).value or b"{}")
    assert health["opened_count"] >= 1 and "ConnectError" in (health["last_failure"] or ""), health

    await asyncio.to_thread(simulator.start)  # the axis comes back on the same address
    sent = await hanoi.saw("axis.sent", DOCUMENTS)
    assert sorted(p.document_id or "" for _, p in sent) == sorted(
        f"{HANOI},2026/11/28,{200 + n}/SKHĐT-TH" for n in range(DOCUMENTS)
    )
    await asyncio.sleep(2)
    # the national axis holds each document exactly once for VPCP
    config = VdxpConfig(endpoint=simulator.url, systemid="vxp.vpcp", secret=SYSTEMS["vxp.vpcp"]["secret"])
    async with VdxpClient(config) as vpcp:
        pending = await vpcp.get_received_edoc_list(to=VPCP)
    doc_ids = [item.doc_id for item in pending]
    assert len(doc_ids) == DOCUMENTS == len(set(doc_ids))

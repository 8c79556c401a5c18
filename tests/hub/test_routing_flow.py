"""Content-based routing over a real bus: fan-out by a payload predicate, unrouted messages journaled."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from hub.core import module as core
from hub.journal import trace
from hub.models import JournalEntry
from hub.runtime import Delivery, Hub, wait_for
from tests.support.fn_module import FnModule

ROUTES = """
routes:
  - name: urgent-ping
    from: lt.test.evt.ping
    when:
      payload.priority: {in: ["Hỏa tốc", "Thượng khẩn"]}
    to: [lt.test.cmd.sms, lt.test.cmd.inapp]
  - name: every-big-ping
    from: lt.test.evt.*
    when:
      payload.n: {gte: 100}
      source: counter
    to: [lt.test.cmd.audit]
"""


async def test_fan_out_by_payload_predicate_and_unrouted_is_journaled(
    hub_factory: Callable[..., Any], tmp_path: Path
) -> None:
    routes = tmp_path / "routes.yaml"
    routes.write_text(ROUTES, encoding="utf-8")
    got: dict[str, list[Any]] = {"sms": [], "inapp": [], "audit": []}

    def setup(hub: Hub) -> None:
        for channel in got:

            @hub.consumer(f"test-{channel}", f"lt.test.cmd.{channel}")
            async def deliver(d: Delivery, channel: str = channel) -> None:
                got[channel].append(d.envelope)

    hub = await hub_factory([core, FnModule("channels", setup)], routes_file=routes)
    urgent = await hub.publish("test.ping", {"n": 1, "priority": "Hỏa tốc"}, source="docs", issue="VB-1")
    normal = await hub.publish("test.ping", {"n": 2, "priority": "Thường"}, source="docs", issue="VB-2")
    big = await hub.publish(
        "test.ping", {"n": 150, "priority": "Thượng khẩn"}, source="counter", issue="VB-3"
    )

    async def done() -> bool:
        return len(got["sms"]) == 2 and len(got["inapp"]) == 2 and len(got["audit"]) == 1

    assert await wait_for(done)
    assert {e.causation_id for e in got["sms"]} == {urgent.id, big.id}
    assert {e.issue for e in got["inapp"]} == {"VB-1", "VB-3"}
    assert got["audit"][0].causation_id == big.id and got["audit"][0].payload["n"] == 150
    assert all(e.correlation_id in (urgent.id, big.id) for e in got["sms"])

    async def unrouted_recorded() -> bool:
        await hub.journal.flush()
        async with hub.db.session() as s:
            rows = (
                (await s.execute(select(JournalEntry).where(JournalEntry.hop == "unrouted"))).scalars().all()
            )
        return [r.message_id for r in rows] == [str(normal.id)]

    assert await wait_for(unrouted_recorded)
    path = [(r.hop, r.actor) for r in await trace(hub.db, "VB-1")]
    assert path[0] == ("published", "docs")
    assert ("routed", "router") in path
    assert ("handled", "test-sms") in path and ("handled", "test-inapp") in path

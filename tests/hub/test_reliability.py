"""Delivery policy on a real nats-server: retry with growing delays, DLQ, replay, exactly-once effects."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select

from hub import dlq
from hub.core import module as core
from hub.errors import TransientError
from hub.models import DeadLetter, JournalEntry
from hub.runtime import Delivery, Hub, wait_for
from tests.support.fn_module import FnModule

meta = MetaData()
effects = Table(
    "rel_effects",
    meta,
    Column("id", Integer, primary_key=True),
    Column("message_id", String(36)),
    Column("n", Integer),
)


async def _create_effects(hub: Hub) -> None:
    async with hub.db.engine.begin() as conn:
        await conn.run_sync(meta.create_all)


async def _count_effects(hub: Hub) -> int:
    async with hub.db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(effects)) or 0)


async def _journal(hub: Hub, message_id: str) -> list[JournalEntry]:
    await hub.journal.flush()
    async with hub.db.session() as s:
        q = select(JournalEntry).where(JournalEntry.message_id == message_id).order_by(JournalEntry.seq)
        return list((await s.execute(q)).scalars())


async def test_transient_failures_retry_with_growing_delays_and_apply_once(
    hub_factory: Callable[..., Any], db_url: str
) -> None:
    attempts: list[float] = []

    def setup(hub: Hub) -> None:
        @hub.consumer("flaky", "lt.test.evt.ping", transactional=True)
        async def flaky(d: Delivery) -> None:
            attempts.append(time.monotonic())
            await d.session.execute(insert(effects).values(message_id=str(d.envelope.id), n=d.payload.n))
            if len(attempts) <= 2:
                raise TransientError("the counterpart timed out")  # rolls the effect back

    hub = await hub_factory([FnModule("flaky", setup)], db_url=db_url)
    await _create_effects(hub)
    env = await hub.publish("test.ping", {"n": 1}, source="test")

    assert await wait_for(lambda: _count_effects_is(hub, 1), timeout=20)
    assert len(attempts) == 3
    rows = await _journal(hub, str(env.id))
    retries = [r for r in rows if r.hop == "retried"]
    assert [r.delivery for r in retries] == [1, 2]
    delays = [r.detail["delay"] for r in retries]
    assert delays[1] > delays[0]
    # JetStream honoured each nak delay before redelivering
    assert attempts[1] - attempts[0] >= delays[0] * 0.9
    assert attempts[2] - attempts[1] >= delays[1] * 0.9
    handled = [r for r in rows if r.hop == "handled" and r.actor == "flaky"]
    assert len(handled) == 1 and handled[0].delivery == 3
    await hub.journal.flush()
    assert await _count_effects(hub) == 1


async def _count_effects_is(hub: Hub, n: int) -> bool:
    return await _count_effects(hub) == n


async def test_poison_message_is_dead_lettered_and_replay_after_fix_delivers(
    hub_factory: Callable[..., Any], db_url: str
) -> None:
    fixed = {"yes": False}
    seen: list[int] = []

    def setup(hub: Hub) -> None:
        @hub.consumer("strict", "lt.test.evt.ping", transactional=True)
        async def strict(d: Delivery) -> None:
            seen.append(d.payload.n)
            if d.payload.poison and not fixed["yes"]:
                raise ValueError("field 'text' is required for poison pings")
            await d.session.execute(insert(effects).values(message_id=str(d.envelope.id), n=d.payload.n))

    hub = await hub_factory([core, FnModule("strict", setup)], db_url=db_url, max_deliver=3)
    await _create_effects(hub)
    env = await hub.publish("test.ping", {"n": 7, "poison": True}, source="test", issue="HS-007")

    async def dead() -> list[DeadLetter]:
        return await dlq.list_dead(hub)

    assert await wait_for(lambda: _has(dead), timeout=20)
    [row] = await dlq.list_dead(hub)
    assert row.consumer == "strict" and row.message_id == str(env.id) and row.issue == "HS-007"
    assert row.reason == "exhausted" and row.deliveries == 3
    assert "field 'text' is required" in row.error
    assert await _count_effects(hub) == 0

    fixed["yes"] = True
    await dlq.replay(hub, row.id, actor="operator-1")
    assert await wait_for(lambda: _count_effects_is(hub, 1), timeout=20)
    replayed = await dlq.get_dead(hub, row.id)
    assert replayed.status == "replayed" and replayed.resolved_by == "operator-1"
    hops = [r.hop for r in await _journal(hub, str(env.id))]
    assert hops.index("dead_lettered") < hops.index("replayed") < len(hops) - 1
    assert hops[-1] == "handled"
    with pytest.raises(dlq.DeadLetterError, match="already replayed"):
        await dlq.replay(hub, row.id, actor="operator-1")


async def test_a_replay_the_server_never_took_stays_dead_and_the_trace_says_so(
    hub_factory: Callable[..., Any], nats: Any
) -> None:
    def setup(hub: Hub) -> None:
        @hub.consumer("broken", "lt.test.evt.ping")
        async def broken(d: Delivery) -> None:
            raise ValueError("always broken")

    hub = await hub_factory([core, FnModule("broken", setup)], max_deliver=1)
    env = await hub.publish("test.ping", {"n": 1}, source="test")

    async def dead() -> list[DeadLetter]:
        return await dlq.list_dead(hub)

    assert await wait_for(lambda: _has(dead), timeout=20)
    [row] = await dlq.list_dead(hub)
    nats.stop()
    try:
        with pytest.raises(Exception):  # noqa: B017 - whatever the client raises with no server
            await dlq.replay(hub, row.id, actor="operator-1")
    finally:
        nats.start()
    still = await dlq.get_dead(hub, row.id)
    assert still.status == "dead" and still.replays == 0 and still.resolved_by is None
    hops = [r.hop for r in await _journal(hub, str(env.id))]
    assert hops[-2:] == ["replayed", "replay_failed"]
    # once the server is back the operator's replay goes through
    assert await wait_for(lambda: _replays(hub, row.id), timeout=30)


async def _replays(hub: Hub, dead_id: int) -> bool:
    try:
        await dlq.replay(hub, dead_id, actor="operator-1")
    except dlq.DeadLetterError:
        raise
    except Exception:  # the client is still reconnecting
        return False
    return (await dlq.get_dead(hub, dead_id)).status == "replayed"


async def _has(fn: Callable[[], Any]) -> bool:
    return bool(await fn())


async def test_invalid_messages_never_reach_the_handler(hub_factory: Callable[..., Any]) -> None:
    calls: list[Any] = []

    def setup(hub: Hub) -> None:
        @hub.consumer("picky", "lt.test.evt.ping")
        async def picky(d: Delivery) -> None:
            calls.append(d.payload)

    hub = await hub_factory([core, FnModule("picky", setup)])
    good = await hub.publish("test.ping", {"n": 1}, source="test")
    assert hub.js is not None
    await hub.js.publish("lt.test.evt.ping", b"not json at all", headers={"Nats-Msg-Id": "x-1"})
    unknown = good.model_copy(update={"id": __import__("uuid").uuid4(), "type": "test.nobody"})
    await hub.js.publish("lt.test.evt.ping", unknown.to_bytes())
    bad = good.model_copy(update={"id": __import__("uuid").uuid4(), "payload": {"n": "eleven"}})
    await hub.js.publish("lt.test.evt.ping", bad.to_bytes())

    async def picky_dead() -> list[DeadLetter]:
        return [r for r in await dlq.list_dead(hub) if r.consumer == "picky"]

    async def three_dead() -> bool:
        return len(await picky_dead()) == 3

    assert await wait_for(three_dead, timeout=20)
    assert len(calls) == 1 and calls[0].n == 1
    errors = {r.message_id: r for r in await picky_dead()}
    assert all(r.reason == "permanent" and r.deliveries == 1 for r in errors.values())
    assert "unknown message type 'test.nobody'" in errors[str(unknown.id)].error
    assert "n: Input should be a valid integer" in errors[str(bad.id)].error
    [not_json] = [r for r in errors.values() if r.message_id not in (str(unknown.id), str(bad.id))]
    assert "validation failed for Envelope" in not_json.error and "Invalid JSON" in not_json.error


async def test_redelivered_message_changes_nothing_twice(
    hub_factory: Callable[..., Any], db_url: str
) -> None:
    """The inbox row makes a second delivery of the same message id a no-op."""

    def setup(hub: Hub) -> None:
        @hub.consumer("once", "lt.test.evt.ping", transactional=True)
        async def once(d: Delivery) -> None:
            await d.session.execute(insert(effects).values(message_id=str(d.envelope.id), n=d.payload.n))

    hub = await hub_factory([FnModule("once", setup)], db_url=db_url)
    await _create_effects(hub)
    env = await hub.publish("test.ping", {"n": 5}, source="test")
    assert await wait_for(lambda: _count_effects_is(hub, 1))
    # the same envelope again under a new stream message id (past the duplicate window)
    assert hub.js is not None
    await hub.js.publish("lt.test.evt.ping", env.to_bytes(), headers={"Nats-Msg-Id": "again"})

    async def duplicate_seen() -> bool:
        return any(r.outcome == "duplicate" for r in await _journal(hub, str(env.id)))

    assert await wait_for(duplicate_seen)
    assert await _count_effects(hub) == 1


async def test_emitted_messages_leave_through_the_outbox(
    hub_factory: Callable[..., Any], db_url: str
) -> None:
    received: list[Any] = []

    def setup(hub: Hub) -> None:
        @hub.consumer("emitter", "lt.test.evt.ping", transactional=True)
        async def emitter(d: Delivery) -> None:
            await d.emit("test.work", {"n": d.payload.n * 10})

        @hub.consumer("worker", "lt.test.cmd.work")
        async def worker(d: Delivery) -> None:
            received.append(d.envelope)

    hub = await hub_factory([FnModule("pair", setup)], db_url=db_url)
    env = await hub.publish("test.ping", {"n": 4}, source="test", issue="TASK-4")

    async def got() -> bool:
        return len(received) == 1

    assert await wait_for(got)
    [out] = received
    assert out.payload == {"n": 40, "note": ""}
    assert out.causation_id == env.id and out.correlation_id == env.id and out.issue == "TASK-4"


async def test_deliveries_counted_per_consumer(hub_factory: Callable[..., Any]) -> None:
    seen: Counter[str] = Counter()

    def setup(hub: Hub) -> None:
        for name in ("a", "b"):

            @hub.consumer(f"fan-{name}", "lt.test.evt.ping")
            async def handler(d: Delivery, name: str = name) -> None:
                seen[name] += 1

    hub = await hub_factory([FnModule("fan", setup)])
    for n in range(20):
        await hub.publish("test.ping", {"n": n}, source="test")

    async def all_seen() -> bool:
        return seen["a"] == 20 and seen["b"] == 20

    assert await wait_for(all_seen)

"""A handler longer than the ack wait: the runtime reports it in progress, so JetStream does not hand the
same message to a second, concurrent attempt (and does when the report is switched off)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from hub.runtime import Delivery, Hub, wait_for
from tests.support.fn_module import FnModule

ACK_WAIT = 1.0
HANDLER_SECONDS = 3.5  # more than three ack waits


class Runs:
    """How often the handler ran, how many ran at once, and the delivery numbers it saw."""

    def __init__(self) -> None:
        self.started = 0
        self.finished = 0
        self.running = 0
        self.most_at_once = 0
        self.deliveries: list[int] = []

    async def slow(self, d: Delivery) -> None:
        self.started += 1
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        self.deliveries.append(d.delivered)
        try:
            await asyncio.sleep(HANDLER_SECONDS)
        finally:
            self.running -= 1
            self.finished += 1


def module(runs: Runs, **options: Any) -> FnModule:
    def setup(hub: Hub) -> None:
        hub.consumer("slow", "lt.test.cmd.work", **options)(runs.slow)

    return FnModule("slow", setup)


async def test_a_handler_longer_than_ack_wait_is_not_redelivered_while_it_runs(
    hub_factory: Callable[..., Any],
) -> None:
    runs = Runs()
    # two processes' worth of workers on the same durable consumer: either could take a redelivery
    hub = await hub_factory([module(runs)], ack_wait_seconds=ACK_WAIT)
    other = await hub_factory([module(runs)], ack_wait_seconds=ACK_WAIT)
    await hub.publish("test.work", {"n": 1, "note": "ký và gửi văn bản"}, source="test")

    async def done() -> bool:
        return runs.finished >= 1

    assert await wait_for(done, timeout=15)
    await asyncio.sleep(ACK_WAIT * 2)  # a redelivery after the ack would show now
    assert (runs.started, runs.most_at_once, runs.deliveries) == (1, 1, [1])
    reported = hub.progress["slow"].reported + other.progress["slow"].reported
    assert reported >= 3  # about every third of the ack wait
    assert not hub.progress["slow"].running and not other.progress["slow"].running


async def test_without_keep_alive_jetstream_redelivers_while_the_first_attempt_runs(
    hub_factory: Callable[..., Any],
) -> None:
    """The control: the same handler with the report off is run twice at once."""
    runs = Runs()
    hub = await hub_factory([module(runs, keep_alive=False)], ack_wait_seconds=ACK_WAIT)
    other = await hub_factory([module(runs, keep_alive=False)], ack_wait_seconds=ACK_WAIT)
    await hub.publish("test.work", {"n": 1, "note": "ký và gửi văn bản"}, source="test")

    async def concurrent() -> bool:
        return runs.most_at_once >= 2

    assert await wait_for(concurrent, timeout=15)
    assert runs.deliveries[:2] == [1, 2]
    assert hub.progress["slow"].reported == other.progress["slow"].reported == 0


async def test_a_handler_may_report_progress_itself_and_a_hung_one_is_let_go_after_max_running(
    hub_factory: Callable[..., Any],
) -> None:
    manual_runs, hung_runs = Runs(), Runs()

    def setup(hub: Hub) -> None:
        @hub.consumer("manual", "lt.test.cmd.work", keep_alive=False)
        async def manual(d: Delivery) -> None:
            manual_runs.started += 1
            for _ in range(int(HANDLER_SECONDS / 0.25)):
                await asyncio.sleep(0.25)
                await d.in_progress()
            manual_runs.finished += 1

        hub.consumer("hung", "lt.test.evt.ping", max_running=1.5)(hung_runs.slow)

    hub = await hub_factory([FnModule("both", setup)], ack_wait_seconds=ACK_WAIT)
    await hub_factory([FnModule("both", setup)], ack_wait_seconds=ACK_WAIT)
    await hub.publish("test.work", {"n": 1}, source="test")
    await hub.publish("test.ping", {"n": 2}, source="test")

    async def let_go() -> bool:
        return hung_runs.most_at_once >= 2

    assert await wait_for(let_go, timeout=15)  # reported for 1.5 s only, then redelivered to the other
    assert hung_runs.deliveries[:2] == [1, 2]

    async def manual_done() -> bool:
        return manual_runs.finished >= 1

    assert await wait_for(manual_done, timeout=15)
    await asyncio.sleep(ACK_WAIT * 2)
    assert manual_runs.started == 1

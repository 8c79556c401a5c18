"""A hub's stop is bounded: a module whose stop never returns (it even ignores its cancellation) and a
background task that will not end are logged and left behind after `stop_timeout_seconds`, and the
hub still closes its connection, so a process (or a test) can never hang on its way out."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from hub.core import module as core
from hub.runtime import Hub
from kit.tasks import cancel
from tests.support.fn_module import FnModule


async def deaf(released: asyncio.Event) -> None:
    """Wait forever, shrugging off every cancellation until the test releases it (so the test's event
    loop can close at the end)."""
    while not released.is_set():
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            continue


class Stubborn(FnModule):
    """A module whose stop waits forever and shrugs off being cancelled."""

    def __init__(self) -> None:
        super().__init__("stubborn", lambda hub: None)
        self.entered = asyncio.Event()
        self.released = asyncio.Event()

    async def stop(self) -> None:
        self.entered.set()
        await deaf(self.released)


async def test_a_module_that_never_stops_does_not_hold_the_hub(hub_factory: Callable[..., Any]) -> None:
    stubborn = Stubborn()
    hub: Hub = await hub_factory([core, stubborn], stop_timeout_seconds=1.0)
    started = time.monotonic()
    try:
        await asyncio.wait_for(hub.stop(), timeout=30)
    finally:
        stubborn.released.set()
    took = time.monotonic() - started
    assert stubborn.entered.is_set()
    assert hub.nc is not None and hub.nc.is_closed  # the rest of the stop still ran
    assert took < 20, took  # bounded by the setting, not by the module


async def test_cancel_gives_up_on_a_task_that_will_not_end() -> None:
    async def polite() -> None:
        await asyncio.sleep(3600)

    assert await cancel(asyncio.create_task(polite()), timeout=5) is True
    released = asyncio.Event()
    stuck = asyncio.create_task(deaf(released))
    await asyncio.sleep(0)
    try:
        assert await asyncio.wait_for(cancel(stuck, timeout=0.3), timeout=10) is False
        assert not stuck.done()
    finally:
        released.set()
        stuck.cancel()
        await asyncio.wait({stuck}, timeout=5)
    assert stuck.done()

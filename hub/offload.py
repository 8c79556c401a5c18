"""CPU-heavy work in a worker process, so the event loop keeps answering while one runs.

A year's register as PDF is seconds to minutes of pure-Python layout (fpdf line breaking); the text of a
hostile pseudo-PDF can cost minutes of pdfminer. In a thread either still holds the GIL and every other
request of the process waits behind it; in a worker process it does not. Arguments and results cross by
pickle, so pass plain data (bytes, strings, dataclasses of strings), never ORM rows.

One pool per process (pebble's `ProcessPool`), started on first use with `spawn` (no copy of the event
loop or of open connections) at a lower CPU priority, one worker by default (`LIENTHONG_RENDER_WORKERS`).
A call may carry a time budget: past it the worker running it is killed (pebble replaces it) and the
call raises `OverBudget`. A worker that dies otherwise (OOM, an operator) is replaced and the call made
once more.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

from pebble import ProcessExpired, ProcessPool

T = TypeVar("T")

_pool: ProcessPool | None = None


class OverBudget(Exception):
    """The call ran past its time budget; its worker was stopped."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"stopped after {seconds:g} s")
        self.seconds = seconds


def _workers() -> int:
    try:
        return max(1, int(os.environ.get("LIENTHONG_RENDER_WORKERS", "1")))
    except ValueError:
        return 1


def _lower_priority() -> None:
    """A render may take minutes: on a busy machine the pages people wait for get the CPU first."""
    os.nice(10)


def _executor() -> ProcessPool:
    global _pool
    if _pool is None or not _pool.active:
        _pool = ProcessPool(
            max_workers=_workers(),
            initializer=_lower_priority,
            context=multiprocessing.get_context("spawn"),
        )
    return _pool


async def _once(fn: Callable[..., T], args: tuple[object, ...], seconds: float | None) -> T:
    future = _executor().schedule(fn, args=args, timeout=seconds)
    try:
        return await asyncio.wrap_future(future)
    except asyncio.CancelledError:
        future.cancel()  # type: ignore[no-untyped-call]  # the caller gave up: pebble stops the worker running it
        raise


async def in_worker(fn: Callable[..., T], *args: object, seconds: float | None = None) -> T:
    """`fn(*args)` in the worker process; `fn` must be a module-level function.

    With `seconds`, a call still running after that long is stopped and raises `OverBudget`.
    """
    try:
        try:
            return await _once(fn, args, seconds)
        except ProcessExpired:  # the worker died under it: a fresh one, one more try
            return await _once(fn, args, seconds)
    except FutureTimeout as exc:
        raise OverBudget(seconds or 0.0) from exc


def shutdown() -> None:
    """Stop the workers (at the end of a process or a test); the next call starts new ones."""
    global _pool
    if _pool is not None:
        _pool.stop()  # type: ignore[no-untyped-call]
        _pool.join(timeout=5)
        _pool = None

"""CPU-heavy renderings in a worker process, so the event loop keeps answering while one runs.

A year's register as PDF is seconds to minutes of pure-Python layout (fpdf line breaking). In a thread it
still holds the GIL and every other request of the process waits behind it; in a worker process it does
not. Arguments and results cross by pickle, so pass plain data (strings, dataclasses of strings), never
ORM rows. One pool per process, started on first use with `spawn` (no copy of the event loop or of open
connections) at a lower CPU priority, one worker by default (`LIENTHONG_RENDER_WORKERS`); a worker that
dies is replaced and the call made once more.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

T = TypeVar("T")

_pool: ProcessPoolExecutor | None = None


def _workers() -> int:
    try:
        return max(1, int(os.environ.get("LIENTHONG_RENDER_WORKERS", "1")))
    except ValueError:
        return 1


def _lower_priority() -> None:
    """A render may take minutes: on a busy machine the pages people wait for get the CPU first."""
    os.nice(10)


def _executor() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(
            max_workers=_workers(),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_lower_priority,
        )
    return _pool


def _discard() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


async def in_worker(fn: Callable[..., T], *args: object) -> T:
    """`fn(*args)` in the render worker process; `fn` must be a module-level function."""
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(_executor(), fn, *args)
    except BrokenProcessPool:  # the worker was killed (OOM, operator): a fresh one, one more try
        _discard()
        return await loop.run_in_executor(_executor(), fn, *args)


def shutdown() -> None:
    """Stop the worker (at the end of a process or a test); the next call starts a new one."""
    _discard()

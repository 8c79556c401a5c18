"""Background tasks: stop one and wait, for a bounded time, until it has stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

log = logging.getLogger(__name__)


async def cancel(task: asyncio.Task[Any] | None, timeout: float = 10.0) -> bool:
    """Cancel `task` (None: nothing to do) and wait until it has finished, at most `timeout` seconds;
    its cancellation is not raised. False when it did not finish in time (it is left cancelled and
    logged, so a stop never hangs on a task that will not end)."""
    if task is None:
        return True
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=timeout)
    if not done:
        log.warning("task %s did not stop within %.1f s after cancel", task.get_name(), timeout)
        return False
    with contextlib.suppress(asyncio.CancelledError, Exception):
        task.result()
    return True

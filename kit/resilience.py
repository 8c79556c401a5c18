"""Retry with backoff and a circuit breaker, for any caller of a remote counterpart (the axes, gateways)."""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

T = TypeVar("T")
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait between attempts (exponential backoff with jitter)."""

    attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 10.0
    multiplier: float = 2.0
    jitter: float = 0.2

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("RetryPolicy.attempts must be at least 1")
        if not 0 <= self.jitter < 1:
            raise ValueError("RetryPolicy.jitter must be in [0, 1)")

    def delay(self, failures: int) -> float:
        """Seconds to wait after the n-th consecutive failure (n starts at 1)."""
        raw = min(self.max_delay, self.base_delay * self.multiplier ** (failures - 1))
        return raw * (1 + random.uniform(-self.jitter, self.jitter))


async def retry_async(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    retry_on: Callable[[BaseException], bool],
    sleep: Sleep = asyncio.sleep,
) -> T:
    """Await `call` until it succeeds, the error is not retryable, or the attempts run out."""
    failures = 0
    while True:
        try:
            return await call()
        except Exception as exc:
            failures += 1
            if failures >= policy.attempts or not retry_on(exc):
                raise
            await sleep(policy.delay(failures))


class CircuitState(StrEnum):
    """Breaker states: calls pass (closed), are refused (open), or probe the counterpart (half-open)."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class BreakerSettings:
    """Failure-rate window and open period (defaults are Resilience4j's, scaled down)."""

    window_size: int = 20
    minimum_calls: int = 5
    failure_rate_threshold: float = 0.5
    open_seconds: float = 30.0
    half_open_calls: int = 1

    def __post_init__(self) -> None:
        if not 0 < self.failure_rate_threshold <= 1:
            raise ValueError("failure_rate_threshold must be in (0, 1]")
        if self.minimum_calls < 1 or self.window_size < self.minimum_calls or self.half_open_calls < 1:
            raise ValueError("need 1 <= minimum_calls <= window_size and half_open_calls >= 1")


@dataclass(frozen=True)
class BreakerSnapshot:
    """What the ops portal shows of a breaker."""

    name: str
    state: CircuitState
    failure_rate: float
    calls_in_window: int
    opened_count: int
    retry_after: float
    last_failure: str | None


class CircuitOpenError(RuntimeError):
    """The breaker refused the call; `retry_after` says when the next probe is allowed."""

    def __init__(self, name: str, retry_after: float) -> None:
        super().__init__(f"circuit {name!r} is open; retry in {retry_after:.1f} s")
        self.name = name
        self.retry_after = retry_after


class CircuitBreaker:
    """Count-based sliding-window circuit breaker; call `acquire` before and `record_*` after a call."""

    def __init__(self, name: str, settings: BreakerSettings | None = None, clock: Clock = time.monotonic):
        self.name = name
        self.settings = settings or BreakerSettings()
        self._clock = clock
        self._window: deque[bool] = deque(maxlen=self.settings.window_size)
        self._state = CircuitState.CLOSED
        self._opened_at = 0.0
        self._probes_in_flight = 0
        self._probe_successes = 0
        self._opened_count = 0
        self._last_failure: str | None = None

    @property
    def state(self) -> CircuitState:
        """Current state; an open breaker becomes half-open once its open period has passed."""
        if self._state is CircuitState.OPEN and self._clock() - self._opened_at >= self.settings.open_seconds:
            self._state = CircuitState.HALF_OPEN
            self._probes_in_flight = 0
            self._probe_successes = 0
        return self._state

    def retry_after(self) -> float:
        """Seconds until the next call is let through (0 when calls pass now)."""
        if self.state is CircuitState.OPEN:
            return max(0.0, self.settings.open_seconds - (self._clock() - self._opened_at))
        return 0.0

    def acquire(self) -> None:
        """Let a call through or raise CircuitOpenError."""
        state = self.state
        if state is CircuitState.OPEN:
            raise CircuitOpenError(self.name, self.retry_after())
        if state is CircuitState.HALF_OPEN:
            if self._probes_in_flight >= self.settings.half_open_calls:
                raise CircuitOpenError(self.name, 0.0)
            self._probes_in_flight += 1

    def record_success(self) -> None:
        """Count a call that reached a healthy counterpart."""
        if self._state is CircuitState.HALF_OPEN:
            self._probes_in_flight = max(0, self._probes_in_flight - 1)
            self._probe_successes += 1
            if self._probe_successes >= self.settings.half_open_calls:
                self._state = CircuitState.CLOSED
                self._window.clear()
            return
        self._window.append(True)

    def release(self) -> None:
        """Give back a half-open probe whose call ended without a verdict (cancelled)."""
        if self._state is CircuitState.HALF_OPEN:
            self._probes_in_flight = max(0, self._probes_in_flight - 1)

    def record_failure(self, reason: str = "") -> None:
        """Count a failed call; open the circuit when the failure rate crosses the threshold."""
        self._last_failure = reason or None
        if self._state is CircuitState.HALF_OPEN:
            self._open()
            return
        self._window.append(False)
        if len(self._window) >= self.settings.minimum_calls and (
            self.failure_rate() >= self.settings.failure_rate_threshold
        ):
            self._open()

    def failure_rate(self) -> float:
        """Share of failures in the current window (0.0 when empty)."""
        if not self._window:
            return 0.0
        return sum(1 for ok in self._window if not ok) / len(self._window)

    def reset(self) -> None:
        """Close the circuit and forget the window (operator action)."""
        self._state = CircuitState.CLOSED
        self._window.clear()

    def snapshot(self) -> BreakerSnapshot:
        """Return the breaker's state for monitoring."""
        return BreakerSnapshot(
            name=self.name,
            state=self.state,
            failure_rate=self.failure_rate(),
            calls_in_window=len(self._window),
            opened_count=self._opened_count,
            retry_after=self.retry_after(),
            last_failure=self._last_failure,
        )

    def _open(self) -> None:
        self._state = CircuitState.OPEN
        self._opened_at = self._clock()
        self._opened_count += 1
        self._probes_in_flight = 0
        self._probe_successes = 0
        self._window.clear()

"""Retry with backoff and the circuit breaker, driven by a hand-moved clock."""

from __future__ import annotations

import pytest

from kit.resilience import (
    BreakerSettings,
    CircuitBreaker,
    CircuitOpenError,
    CircuitState,
    RetryPolicy,
    retry_async,
)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Flaky:
    """Fails with the given errors, then returns 'ok'."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


async def test_retry_backs_off_exponentially_until_success() -> None:
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    call = Flaky(TimeoutError(), TimeoutError())
    policy = RetryPolicy(attempts=3, base_delay=1.0, multiplier=2.0, jitter=0.0)
    assert await retry_async(call, policy, retry_on=lambda e: True, sleep=sleep) == "ok"
    assert (call.calls, delays) == (3, [1.0, 2.0])


async def test_retry_stops_on_a_permanent_error_and_when_attempts_run_out() -> None:
    async def sleep(_: float) -> None:
        return None

    permanent = Flaky(ValueError("bad input"), TimeoutError())
    with pytest.raises(ValueError, match="bad input"):
        await retry_async(
            permanent, RetryPolicy(), retry_on=lambda e: isinstance(e, TimeoutError), sleep=sleep
        )
    assert permanent.calls == 1

    exhausted = Flaky(TimeoutError(), TimeoutError(), TimeoutError())
    with pytest.raises(TimeoutError):
        await retry_async(exhausted, RetryPolicy(attempts=2), retry_on=lambda e: True, sleep=sleep)
    assert exhausted.calls == 2


def test_backoff_is_capped_and_jitter_stays_in_bounds() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=5.0, multiplier=10.0, jitter=0.2)
    assert all(4.0 <= policy.delay(n) <= 6.0 for n in (3, 4, 5))
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(attempts=0)


def make_breaker(clock: Clock, **overrides: float) -> CircuitBreaker:
    settings = {"window_size": 4, "minimum_calls": 4, "failure_rate_threshold": 0.5, "open_seconds": 30.0}
    settings.update(overrides)
    return CircuitBreaker("axis", BreakerSettings(**settings), clock)  # type: ignore[arg-type]


def test_breaker_opens_at_the_failure_rate_and_refuses_calls() -> None:
    clock = Clock()
    breaker = make_breaker(clock)
    for ok in (True, False, True):
        breaker.acquire()
        breaker.record_success() if ok else breaker.record_failure("timeout")
    assert breaker.snapshot().state is CircuitState.CLOSED  # 3 calls: below the minimum
    breaker.acquire()
    breaker.record_failure("HTTP 503")
    assert breaker.snapshot().state is CircuitState.OPEN  # 2 of 4 failed

    clock.now = 10.0
    with pytest.raises(CircuitOpenError) as caught:
        breaker.acquire()
    assert caught.value.retry_after == pytest.approx(20.0)
    snap = breaker.snapshot()
    assert (snap.state, snap.opened_count, snap.last_failure) == (CircuitState.OPEN, 1, "HTTP 503")


def test_breaker_half_opens_after_the_open_period_and_closes_on_a_good_probe() -> None:
    clock = Clock()
    breaker = make_breaker(clock, minimum_calls=1)
    breaker.acquire()
    breaker.record_failure()
    assert breaker.snapshot().state is CircuitState.OPEN
    clock.now = 30.0
    assert breaker.snapshot().state is CircuitState.HALF_OPEN
    breaker.acquire()  # the one probe
    with pytest.raises(CircuitOpenError):
        breaker.acquire()  # a second concurrent probe is refused
    breaker.record_success()
    assert breaker.snapshot().state is CircuitState.CLOSED
    assert breaker.failure_rate() == 0.0


def test_failed_probe_opens_the_circuit_again() -> None:
    clock = Clock()
    breaker = make_breaker(clock, minimum_calls=1)
    breaker.acquire()
    breaker.record_failure()
    clock.now = 31.0
    breaker.acquire()
    breaker.record_failure("still down")
    assert breaker.snapshot().state is CircuitState.OPEN
    assert breaker.snapshot().opened_count == 2
    clock.now = 40.0
    assert breaker.retry_after() == pytest.approx(21.0)

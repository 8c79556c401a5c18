"""The sliding-window arithmetic of the public rate limits, over the in-memory store."""

from __future__ import annotations

import pytest

from kit.ratelimit import MemoryCounter, RateLimiter, estimate, retry_after, retry_header, vn_wait


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_limit_then_wait_then_allowed_again() -> None:
    clock = Clock(3600 * 1000.0)  # the start of a slot
    limiter = RateLimiter(3, 60, MemoryCounter(), clock=clock)
    assert [await limiter.hit("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = await limiter.hit("a")
    assert wait > 0
    assert await limiter.hit("b") == 0.0  # another client is counted apart
    assert await limiter.wait("a") == pytest.approx(wait, abs=1)  # a refused hit is not counted
    clock.now += wait + 0.5
    assert await limiter.hit("a") == 0.0


async def test_no_burst_across_the_slot_boundary() -> None:
    clock = Clock(60 * 1000 + 59.0)  # the last second of a slot
    limiter = RateLimiter(5, 60, MemoryCounter(), clock=clock)
    for _ in range(5):
        assert await limiter.hit("a") == 0.0
    clock.now += 2  # one second into the next slot: the previous slot still counts almost whole
    assert await limiter.hit("a") > 0
    clock.now += 30  # half way: half of the previous slot's 5 hits remain, 2 more fit
    assert await limiter.hit("a") == 0.0
    assert await limiter.hit("a") == 0.0
    assert await limiter.hit("a") > 0


def test_retry_after_is_when_one_more_hit_fits() -> None:
    # 4 of 5 last slot, none now, 20 % into this slot: 4 * 0.8 = 3.2 <= 4 fits at once
    assert retry_after(0, 4, 60 * 10 + 12, 60, 5) == 0.0
    # 10 last slot, 0 now, limit 5: the estimate falls to 4 at 60 % of the slot
    wait = retry_after(0, 10, 60 * 10, 60, 5)
    assert wait == pytest.approx(36.0)
    assert estimate(0, 10, 36 / 60) == pytest.approx(4.0)
    # this slot alone is full: the rest of the slot, then until its share fades to 4 of 5
    assert retry_after(5, 0, 60 * 10 + 30, 60, 5) == pytest.approx(30 + 12)


def test_keys_hide_the_client_and_words_are_vietnamese() -> None:
    limiter = RateLimiter(1, 1, scope="x")
    assert "203.0.113.7" not in limiter.key("203.0.113.7") and len(limiter.key("203.0.113.7")) == 40
    assert limiter.key("203.0.113.7") != RateLimiter(1, 1, scope="y").key("203.0.113.7")
    assert (
        vn_wait(12.2) == "khoảng 13 giây"
        and vn_wait(125) == "khoảng 3 phút"
        and vn_wait(7200) == "khoảng 2 giờ"
    )
    assert retry_header(0.2) == "1" and retry_header(61.5) == "62"
    with pytest.raises(ValueError):
        RateLimiter(0, 10)

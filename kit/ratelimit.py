"""Sliding-window rate limits for public endpoints, counted in a store that every process shares.

The arithmetic is here and does no I/O; the counters live in a `CounterStore` the caller gives (a
module keeps them in its own table, so the office's processes all count against the same numbers;
`MemoryCounter` is for one process only). Time is cut in fixed slots of one window; a hit is allowed
while the estimate `previous * (1 - elapsed) + current` stays within the limit (the sliding-window
counter: no burst of twice the limit across a slot boundary). A refused hit is taken back, so a
citizen who retries is not locked out longer for it. Keys are hashed: no client address is stored.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class CounterStore(Protocol):
    """Where the hits are counted: per key and slot, shared by every process that uses it."""

    async def add(self, key: str, slot: int, amount: int, *, expires: float, now: float) -> tuple[int, int]:
        """Add `amount` to the count of (key, slot); answer (that count, the count of slot - 1).

        The row may be forgotten after `expires` (epoch seconds); `now` lets the store sweep old rows.
        """
        ...


class MemoryCounter:
    """Counters in this process's memory: tests and single-process tools only."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], tuple[int, float]] = {}

    async def add(self, key: str, slot: int, amount: int, *, expires: float, now: float) -> tuple[int, int]:
        count = self._counts.get((key, slot), (0, expires))[0] + amount
        self._counts[(key, slot)] = (count, expires)
        if len(self._counts) > 10000:  # forget the expired slots
            self._counts = {k: v for k, v in self._counts.items() if v[1] >= now}
        return count, self._counts.get((key, slot - 1), (0, 0.0))[0]


def slot_of(now: float, window: float) -> int:
    """The number of the fixed slot of `window` seconds that holds `now`."""
    return int(now // window)


def elapsed(now: float, window: float) -> float:
    """How far into its slot `now` is, from 0 to 1."""
    return (now % window) / window


def estimate(current: int, previous: int, into: float) -> float:
    """Hits in the last window: all of this slot's and the part of the previous slot still inside it."""
    return previous * (1.0 - into) + current


def retry_after(current: int, previous: int, now: float, window: float, limit: int) -> float:
    """Seconds until one more hit fits, given the counts without it (0 when it fits now)."""
    into = elapsed(now, window)
    room = limit - 1  # the estimate must fall to this for one more hit to fit
    if estimate(current, previous, into) <= room:
        return 0.0
    if current <= room:  # the previous slot's share fades out within this slot
        needed = 1.0 - (room - current) / previous
        return max(0.0, (needed - into) * window)
    # this slot alone is full: wait for the next slot, then for this slot's share to fade enough
    fade = max(0.0, 1.0 - room / current) if current else 0.0
    return (1.0 - into) * window + fade * window


class RateLimiter:
    """At most `limit` hits per `window` seconds per client, counted in `store` under `scope`."""

    def __init__(
        self,
        limit: int,
        window: float,
        store: CounterStore | None = None,
        *,
        scope: str = "default",
        clock: Callable[[], float] = time.time,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a rate limit needs limit >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self.store: CounterStore = store or MemoryCounter()
        self.scope = scope
        self.clock = clock

    def key(self, client: str) -> str:
        """The stored key of a client: a hash of the scope and the client, never the address itself."""
        return hashlib.sha256(f"{self.scope}\x00{client}".encode()).hexdigest()[:40]

    async def wait(self, client: str) -> float:
        """Seconds before the client's next hit is allowed (0: now); nothing is counted."""
        now = self.clock()
        slot = slot_of(now, self.window)
        current, previous = await self.store.add(
            self.key(client), slot, 0, expires=self._expires(slot), now=now
        )
        return retry_after(current, previous, now, self.window, self.limit)

    async def hit(self, client: str) -> float:
        """Count a hit: 0 when allowed, else the seconds to wait (the refused hit is not counted)."""
        now = self.clock()
        slot = slot_of(now, self.window)
        key, expires = self.key(client), self._expires(slot)
        current, previous = await self.store.add(key, slot, 1, expires=expires, now=now)
        if estimate(current, previous, elapsed(now, self.window)) <= self.limit:
            return 0.0
        await self.store.add(key, slot, -1, expires=expires, now=now)
        return max(1.0, retry_after(current - 1, previous, now, self.window, self.limit))

    def _expires(self, slot: int) -> float:
        """A slot's count matters while it is the current or the previous slot."""
        return (slot + 2) * self.window


def retry_header(seconds: float) -> str:
    """The value of a `Retry-After` header: whole seconds, at least one."""
    return str(max(1, math.ceil(seconds)))


def vn_wait(seconds: float) -> str:
    """A wait in Vietnamese words ("khoảng 3 phút", "khoảng 45 giây")."""
    whole = max(1, math.ceil(seconds))
    if whole < 60:
        return f"khoảng {whole} giây"
    minutes = math.ceil(whole / 60)
    if minutes < 60:
        return f"khoảng {minutes} phút"
    return f"khoảng {math.ceil(minutes / 60)} giờ"


def parse_networks(spec: str | Iterable[str]) -> tuple[Network, ...]:
    """Addresses or networks ("10.0.0.5, 10.1.0.0/16") as networks; a bad entry raises ValueError."""
    items = spec.split(",") if isinstance(spec, str) else spec
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in items if item.strip())


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address from a header element ("1.2.3.4", "1.2.3.4:80", "[::1]:80", '"[::1]"'), or None."""
    value = value.strip().strip('"')
    if value.startswith("["):
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:  # IPv4 with a port
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, proxies: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def forwarded_chain(headers: Mapping[str, str]) -> list[str]:
    """The hops a request names, client first: `Forwarded: for=` when present, else X-Forwarded-For."""
    forwarded = headers.get("forwarded", "")
    if forwarded:
        hops = []
        for element in forwarded.split(","):
            for pair in element.split(";"):
                name, _, value = pair.partition("=")
                if name.strip().lower() == "for":
                    hops.append(value)
        return hops
    return [hop for hop in headers.get("x-forwarded-for", "").split(",") if hop.strip()]


def client_address(peer: str | None, headers: Mapping[str, str], proxies: tuple[Network, ...]) -> str:
    """The client's address: the peer itself unless the peer is a trusted proxy; then the nearest hop of
    the forwarded chain that is not a trusted proxy (headers are looked up lower-case). A client cannot
    choose its address by sending the header itself: only a trusted proxy's word is taken."""
    if peer is None:
        return "unknown"
    current = _ip(peer)
    if current is None or not _trusted(current, proxies):
        return peer
    for hop in reversed(forwarded_chain(headers)):
        address = _ip(hop)
        if address is None:  # an obfuscated or broken hop: the last proxy we trust is all we know
            break
        current = address
        if not _trusted(address, proxies):
            break
    return str(current)

"""Health of the external counterparts (VDXP, LGSP, mail, SMS, Zalo, one-stop, signing) in KV `lt-health`.

Adapters call `await record_call(hub, "vdxp", ok, duration_ms, error=..., circuit=...)` after each call
to their counterpart, or wrap the call in `async with observed(hub, "vdxp", circuit=...)`; an adapter
that starts calls `register(hub, "mail")` so it is listed (status unknown) before its first call. The
portal reads every adapter's statistics with `read_all(hub)`. Records are merged with compare-and-set, so
several processes may report on the same adapter.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import structlog
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError, NotFoundError
from pydantic import BaseModel

if TYPE_CHECKING:
    from nats.js.kv import KeyValue

    from hub.runtime import Hub

log = structlog.get_logger(__name__)

BUCKET = "lt-health"
PREFIX = "adapter."
CIRCUIT_STATES = ("closed", "open", "half_open")
# The counterparts the portal lists even before their first call.
KNOWN_ADAPTERS = {
    "vdxp": "Trục liên thông văn bản quốc gia (VDXP)",
    "lgsp": "Nền tảng tích hợp LGSP Hà Nội",
    "mail": "Thư điện tử (SMTP)",
    "sms": "Tin nhắn SMS",
    "zalo": "Zalo OA",
    "onestop": "Hệ thống một cửa",
    "attendance": "Máy chấm công",
    "signing": "Ký số (HSM / PKCS#11)",
}
_locks: dict[tuple[int, str], asyncio.Lock] = {}


class AdapterHealth(BaseModel):
    """What the hub knows of one counterpart: counts, durations, last success and failure, circuit."""

    name: str
    calls: int = 0
    successes: int = 0
    failures: int = 0
    last_success_at: datetime | None = None
    last_failure_at: datetime | None = None
    last_error: str | None = None
    last_duration_ms: float | None = None
    min_ms: float | None = None
    max_ms: float | None = None
    sum_ms: float = 0.0
    sumsq_ms: float = 0.0
    circuit: str = "closed"
    updated_at: datetime | None = None

    @property
    def avg_ms(self) -> float | None:
        return self.sum_ms / self.calls if self.calls else None

    @property
    def stddev_ms(self) -> float | None:
        if not self.calls:
            return None
        mean = self.sum_ms / self.calls
        return math.sqrt(max(self.sumsq_ms / self.calls - mean * mean, 0.0))

    @property
    def status(self) -> str:
        """ok, degraded (last call failed or half-open), down (circuit open) or unknown (never called)."""
        if self.circuit == "open":
            return "down"
        if not self.calls:
            return "unknown"
        failed_last = self.last_failure_at is not None and (
            self.last_success_at is None or self.last_failure_at > self.last_success_at
        )
        return "degraded" if failed_last or self.circuit == "half_open" else "ok"

    def summary(self) -> dict[str, Any]:
        """JSON form with the derived figures."""
        out = self.model_dump(mode="json", exclude={"sum_ms", "sumsq_ms"})
        out.update(
            avg_ms=_round(self.avg_ms),
            stddev_ms=_round(self.stddev_ms),
            status=self.status,
            label=KNOWN_ADAPTERS.get(self.name, self.name),
        )
        return out


def _check_name(adapter: str) -> None:
    if not adapter or not adapter.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"adapter name {adapter!r} must be letters, digits, '-' or '_'")


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


async def _bucket(hub: Hub) -> KeyValue:
    if hub.js is None:
        raise RuntimeError("the hub is not connected to NATS")
    return await hub.js.key_value(BUCKET)


def _apply(
    current: AdapterHealth, ok: bool, duration_ms: float, error: str | None, circuit: str
) -> AdapterHealth:
    now = datetime.now(UTC)
    h = current.model_copy()
    h.calls += 1
    h.last_duration_ms = duration_ms
    h.min_ms = duration_ms if h.min_ms is None else min(h.min_ms, duration_ms)
    h.max_ms = duration_ms if h.max_ms is None else max(h.max_ms, duration_ms)
    h.sum_ms += duration_ms
    h.sumsq_ms += duration_ms * duration_ms
    if ok:
        h.successes += 1
        h.last_success_at = now
    else:
        h.failures += 1
        h.last_failure_at = now
        h.last_error = (error or "unknown error")[:2000]
    h.circuit = circuit
    h.updated_at = now
    return h


async def record_call(
    hub: Hub,
    adapter: str,
    ok: bool,
    duration_ms: float,
    error: str | None = None,
    circuit: str = "closed",
) -> AdapterHealth | None:
    """Add one call's outcome to the adapter's statistics; never raises (health must not break a call)."""
    if circuit not in CIRCUIT_STATES:
        raise ValueError(f"circuit must be one of {', '.join(CIRCUIT_STATES)}, not {circuit!r}")
    _check_name(adapter)
    key = PREFIX + adapter
    # one lock per event loop and adapter: fewer compare-and-set retries within a process
    lock = _locks.setdefault((id(asyncio.get_running_loop()), key), asyncio.Lock())
    try:
        async with lock:
            kv = await _bucket(hub)
            for _ in range(20):
                try:
                    entry = await kv.get(key)
                except (KeyNotFoundError, NotFoundError):
                    updated = _apply(AdapterHealth(name=adapter), ok, duration_ms, error, circuit)
                    try:
                        await kv.create(key, updated.model_dump_json().encode())
                    except KeyWrongLastSequenceError:
                        continue  # another process created it first: merge into theirs
                    return updated
                current = AdapterHealth.model_validate_json(entry.value or b"{}")
                updated = _apply(current, ok, duration_ms, error, circuit)
                try:
                    await kv.update(key, updated.model_dump_json().encode(), last=entry.revision)
                except KeyWrongLastSequenceError:
                    continue
                return updated
    except Exception as exc:
        log.warning("adapter_health.record_failed", adapter=adapter, error=f"{type(exc).__name__}: {exc}")
    return None


async def register(hub: Hub, adapter: str) -> None:
    """List a counterpart before its first call (status unknown); a record already there is kept."""
    _check_name(adapter)
    try:
        kv = await _bucket(hub)
        record = AdapterHealth(name=adapter, updated_at=datetime.now(UTC))
        await kv.create(PREFIX + adapter, record.model_dump_json().encode())
    except KeyWrongLastSequenceError:
        return  # known from an earlier start or another process: its statistics stay
    except Exception as exc:
        log.warning("adapter_health.register_failed", adapter=adapter, error=f"{type(exc).__name__}: {exc}")


@asynccontextmanager
async def observed(hub: Hub, adapter: str, circuit: Callable[[], str] | None = None) -> AsyncIterator[None]:
    """Time the block and record it as one call: a failure if it raises (the error goes on up).

    async with observed(hub, "vdxp", circuit=lambda: client.breaker.state.value):
        await client.send_edoc(...)
    """
    started = time.perf_counter()
    try:
        yield
    except Exception as exc:
        elapsed = (time.perf_counter() - started) * 1000
        state = circuit() if circuit else "closed"
        await record_call(hub, adapter, False, elapsed, error=f"{type(exc).__name__}: {exc}", circuit=state)
        raise
    elapsed = (time.perf_counter() - started) * 1000
    await record_call(hub, adapter, True, elapsed, circuit=circuit() if circuit else "closed")


async def set_circuit(hub: Hub, adapter: str, circuit: str) -> None:
    """Record a circuit change without a call (the breaker opened or closed on its own)."""
    if circuit not in CIRCUIT_STATES:
        raise ValueError(f"circuit must be one of {', '.join(CIRCUIT_STATES)}, not {circuit!r}")
    kv = await _bucket(hub)
    key = PREFIX + adapter
    try:
        entry = await kv.get(key)
        current = AdapterHealth.model_validate_json(entry.value or b"{}")
    except (KeyNotFoundError, NotFoundError):
        current = AdapterHealth(name=adapter)
    current.circuit = circuit
    current.updated_at = datetime.now(UTC)
    await kv.put(key, current.model_dump_json().encode())


async def _adapter_keys(hub: Hub) -> list[str]:
    """List the adapter keys from the bucket stream's subjects."""
    # no consumer is created: the read-only `portal` user of ops/nats/auth.conf may do this
    assert hub.js is not None
    prefix = f"$KV.{BUCKET}."
    info = await hub.js.stream_info(f"KV_{BUCKET}", subjects_filter=f"{prefix}{PREFIX}>")
    return sorted(subject[len(prefix) :] for subject in (info.state.subjects or {}))


async def read_all(hub: Hub, include_known: bool = True) -> list[AdapterHealth]:
    """Every adapter's statistics, plus the known counterparts never called yet, sorted by name."""
    found: dict[str, AdapterHealth] = {}
    kv = await _bucket(hub)
    keys = await _adapter_keys(hub)
    for key in keys:
        if not key.startswith(PREFIX):
            continue
        try:
            entry = await kv.get(key)
        except (KeyNotFoundError, NotFoundError):
            continue
        try:
            health = AdapterHealth.model_validate(json.loads(entry.value or b"{}"))
        except ValueError:
            log.warning("adapter_health.unreadable", key=key)
            continue
        found[health.name] = health
    if include_known:
        for name in KNOWN_ADAPTERS:
            found.setdefault(name, AdapterHealth(name=name))
    return [found[k] for k in sorted(found)]

"""Prometheus text exposition of the hub: journal counts, dead letters, consumers, adapters."""

from __future__ import annotations

from typing import Any

from hub.adapter_health import read_all
from hub.runtime import Hub
from hub.topology import describe
from portal.ops.queries import dead_letter_counts, journal_counts


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _line(name: str, labels: dict[str, str], value: float) -> str:
    inner = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
    return f"{name}{{{inner}}} {value:g}" if inner else f"{name} {value:g}"


class Exposition:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help_text: str) -> None:
        self.lines.append(f"# HELP {name} {help_text}")
        self.lines.append(f"# TYPE {name} {kind}")

    def add(self, name: str, labels: dict[str, str], value: float) -> None:
        self.lines.append(_line(name, labels, value))

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


SOURCES = ("journal", "dead_letters", "jetstream", "adapters")
CONSUMER_GAUGES = (
    ("lt_consumer_pending", "pending", "Messages not yet delivered to the consumer."),
    ("lt_consumer_ack_pending", "ack_pending", "Messages delivered and not yet acknowledged."),
    ("lt_consumer_max_ack_pending", "max_ack_pending", "Limit of unacknowledged messages."),
    ("lt_consumer_redelivered", "redelivered", "Messages delivered more than once."),
)


async def render(hub: Hub) -> str:
    """The metrics page; each source is skipped (with lt_scrape_error) when it cannot be read."""
    out = Exposition()
    errors: dict[str, int] = {}
    for source, add in (
        ("journal", _journal),
        ("dead_letters", _dead_letters),
        ("jetstream", _streams),
        ("adapters", _adapters),
    ):
        if not await add(hub, out):
            errors[source] = 1
    out.family("lt_scrape_error", "gauge", "1 when a source could not be read for this scrape.")
    for source in SOURCES:
        out.add("lt_scrape_error", {"source": source}, errors.get(source, 0))
    return out.text()


async def _journal(hub: Hub, out: Exposition) -> bool:
    out.family("lt_messages_total", "counter", "Journal hops by message type, hop and outcome.")
    try:
        for type_, hop, outcome, n in await journal_counts(hub.db):
            out.add("lt_messages_total", {"type": type_, "hop": hop, "outcome": outcome}, n)
    except Exception:
        return False
    return True


async def _dead_letters(hub: Hub, out: Exposition) -> bool:
    out.family("lt_dead_letters", "gauge", "Dead letters by consumer and status (dead = waiting).")
    try:
        for (consumer, status), n in sorted((await dead_letter_counts(hub.db)).items()):
            out.add("lt_dead_letters", {"consumer": consumer, "status": status}, n)
    except Exception:
        return False
    return True


async def _streams(hub: Hub, out: Exposition) -> bool:
    """Consumer gauges and stream sizes; the families are written even when JetStream cannot be read."""
    ok = True
    streams: list[dict[str, Any]] = []
    try:
        if hub.js is not None:
            streams = await describe(hub.js)
    except Exception:
        ok = False
    for name, key, help_text in CONSUMER_GAUGES:
        out.family(name, "gauge", help_text)
        for st in streams:
            for c in st.get("consumers", []):
                out.add(name, {"stream": st["stream"], "consumer": c["name"]}, c[key] or 0)
    out.family("lt_stream_messages", "gauge", "Messages held by each stream.")
    for st in streams:
        if not st.get("missing"):
            out.add("lt_stream_messages", {"stream": st["stream"]}, st["messages"])
    return ok


async def _adapters(hub: Hub, out: Exposition) -> bool:
    ok = True
    try:
        adapters = await read_all(hub, include_known=False)
    except Exception:
        adapters = []
        ok = False
    out.family("lt_adapter_calls_total", "counter", "Calls to each external counterpart by result.")
    for a in adapters:
        out.add("lt_adapter_calls_total", {"adapter": a.name, "result": "ok"}, a.successes)
        out.add("lt_adapter_calls_total", {"adapter": a.name, "result": "error"}, a.failures)
    out.family("lt_adapter_duration_ms", "gauge", "Mean and maximum duration of calls to each counterpart.")
    for a in adapters:
        if a.avg_ms is not None:
            out.add("lt_adapter_duration_ms", {"adapter": a.name, "stat": "avg"}, round(a.avg_ms, 3))
        if a.max_ms is not None:
            out.add("lt_adapter_duration_ms", {"adapter": a.name, "stat": "max"}, a.max_ms)
    out.family("lt_adapter_circuit_open", "gauge", "1 when the adapter's circuit breaker is open.")
    for a in adapters:
        out.add("lt_adapter_circuit_open", {"adapter": a.name}, 1 if a.circuit == "open" else 0)
    return ok

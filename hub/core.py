"""The hub's own participants on the bus: the content router, the DLQ recorder, the advisory watcher."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime

import structlog
from sqlalchemy import select

from hub.models import DeadLetter
from hub.module import Module
from hub.runtime import Delivery, Hub
from hub.topology import COMMANDS, DLQ, DLQ_PREFIX, DLQ_SUBJECTS, EVENT_SUBJECTS, MAX_DELIVERIES_ADVISORY

log = structlog.get_logger(__name__)
_ROUTE_NS = uuid.UUID("0b7d3c1e-2f4a-4c7e-9a55-3c8e0d9a7b21")
ROUTER = "router"
DLQ_RECORDER = "dlq-recorder"
ADVISORY_WATCHER = "advisory-watcher"


class CoreModule(Module):
    """Routes events by the routing table and keeps dead letters."""

    name = "core"

    def setup(self, hub: Hub) -> None:
        # the router journals its own hops (routed, unrouted): one row per decision, none for "handled"
        hub.consumer(
            ROUTER, EVENT_SUBJECTS, description="content-based router (routing table)", journal_handled=False
        )(route)
        hub.consumer(
            DLQ_RECORDER, DLQ_SUBJECTS, raw=True, transactional=True, description="dead-letter recorder"
        )(record)
        hub.consumer(
            ADVISORY_WATCHER, MAX_DELIVERIES_ADVISORY, raw=True, description="max-deliveries advisories"
        )(exhausted)


async def route(d: Delivery) -> None:
    """Copy an event to every destination the routing table names, journaling each decision."""
    hub = d.hub
    env = d.envelope
    decisions = hub.routing.decide(env)
    if not decisions:
        hub.journal.record(env, "unrouted", ROUTER, outcome="no_route", delivery=d.delivered)
        return
    copies = []
    for decision in decisions:
        copy = env.model_copy(
            update={
                "id": uuid.uuid5(_ROUTE_NS, f"{env.id}:{decision.route.name}:{decision.destination}"),
                "causation_id": env.id,
                "subject": decision.destination,
                # a claim-checked payload travels on as its claim check
                "payload": {} if env.claim else env.payload,
            }
        )
        copies.append((decision, copy))
    sends = [
        hub.publish_raw(
            c.subject,
            c.to_bytes(),
            {"Nats-Msg-Id": str(c.id), "Lt-Type": c.type, "Lt-Route": dec.route.name},
        )
        for dec, c in copies
    ]
    if len(sends) == 1:
        await sends[0]
    else:
        await asyncio.gather(*sends)
    for decision, copy in copies:
        hub.journal.record(
            copy,
            "routed",
            ROUTER,
            route=decision.route.name,
            origin=str(env.id),
            origin_subject=env.subject,
        )


async def record(d: Delivery) -> None:
    """Keep a dead letter as a row an operator can see, replay or discard (once per message)."""
    h = d.msg.headers or {}
    consumer = h.get("Lt-Dlq-Consumer", "?")
    stream, seq = h.get("Lt-Dlq-Stream", "?"), int(h.get("Lt-Dlq-Seq", "0") or 0)
    exists = await d.session.scalar(
        select(DeadLetter.id).where(
            DeadLetter.consumer == consumer,
            DeadLetter.stream == stream,
            DeadLetter.stream_seq == seq,
            DeadLetter.status == "dead",
        )
    )
    if exists:
        return
    envelope_fields = _peek(d.msg.data)
    d.session.add(
        DeadLetter(
            message_id=envelope_fields.get("id") or h.get("Lt-Dlq-Message-Id") or f"{stream}:{seq}",
            consumer=consumer,
            stream=stream,
            stream_seq=seq,
            subject=h.get("Lt-Dlq-Subject", "?"),
            type=envelope_fields.get("type") or h.get("Lt-Type"),
            issue=envelope_fields.get("issue"),
            reason=h.get("Lt-Dlq-Reason", "?"),
            error=h.get("Lt-Dlq-Error", "").encode().decode("unicode_escape", errors="replace"),
            deliveries=int(h.get("Lt-Dlq-Deliveries", "0") or 0),
            data=d.msg.data,
            headers={k: v for k, v in h.items() if k.startswith("Lt-")},
            status="dead",
            created_at=datetime.now(UTC),
        )
    )


async def exhausted(d: Delivery) -> None:
    """Move a message whose deliveries ran out without an acknowledgement to the dead letters."""
    hub = d.hub
    advisory = json.loads(d.msg.data)
    stream, consumer, seq = advisory["stream"], advisory["consumer"], int(advisory["stream_seq"])
    if stream == DLQ or consumer in (DLQ_RECORDER, ADVISORY_WATCHER):
        return
    assert hub.js is not None
    try:
        original = await hub.js.get_msg(stream, seq)
    except Exception as exc:
        log.error("advisory.original_missing", stream=stream, seq=seq, error=str(exc))
        return
    headers = dict(original.headers or {})
    headers.update(
        {
            "Nats-Msg-Id": f"dlq-{consumer}-{stream}-{seq}",
            "Lt-Dlq-Consumer": consumer,
            "Lt-Dlq-Reason": "exhausted",
            "Lt-Dlq-Error": "delivery count exhausted: no acknowledgement within ack_wait "
            f"after {advisory.get('deliveries')} deliveries",
            "Lt-Dlq-Deliveries": str(advisory.get("deliveries", 0)),
            "Lt-Dlq-Subject": original.subject or "?",
            "Lt-Dlq-Stream": stream,
            "Lt-Dlq-Seq": str(seq),
        }
    )
    await hub.js.publish(f"{DLQ_PREFIX}{consumer}", original.data or b"", headers=headers)
    if stream == COMMANDS:  # a work queue keeps exhausted messages: the DLQ has it now
        await hub.js.delete_msg(stream, seq)


def _peek(data: bytes) -> dict[str, str]:
    try:
        body = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return {}
    if not isinstance(body, dict):
        return {}
    return {k: str(body[k]) for k in ("id", "type", "issue") if body.get(k) is not None}


module = CoreModule()

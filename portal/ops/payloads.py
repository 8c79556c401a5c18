"""Find the stored body of a message: its dead letter, else the stream that still holds it."""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta
from typing import Any

import nats.errors
from nats.js import api
from sqlalchemy import select

from hub.models import DeadLetter, JournalEntry
from hub.runtime import Hub, stream_for
from portal.ops.queries import aware

SCAN_LIMIT = 2000


async def find_message(hub: Hub, message_id: str) -> dict[str, Any] | None:
    """The message (envelope as JSON) with this id, from the dead letters or the stream; None if gone."""
    async with hub.db.session() as s:
        dead = (
            await s.execute(select(DeadLetter).where(DeadLetter.message_id == message_id).limit(1))
        ).scalar_one_or_none()
        first = (
            await s.execute(
                select(JournalEntry)
                .where(JournalEntry.message_id == message_id)
                .order_by(JournalEntry.seq)
                .limit(1)
            )
        ).scalar_one_or_none()
    if dead is not None:
        return _decode(dead.data, f"dead letter {dead.id}")
    if first is None or hub.js is None or not first.subject:
        return None
    try:
        stream = stream_for(first.subject)
    except ValueError:
        return None
    start = aware(first.at) - timedelta(seconds=5)
    config = api.ConsumerConfig(
        deliver_policy=api.DeliverPolicy.BY_START_TIME,
        opt_start_time=start,
        ack_policy=api.AckPolicy.NONE,
        inactive_threshold=10.0,
        mem_storage=True,
    )
    try:
        sub = await hub.js.pull_subscribe(first.subject, stream=stream, config=config)
    except Exception:  # a work queue refuses a second consumer on its subjects: consumed messages are gone
        return None
    try:
        seen = 0
        while seen < SCAN_LIMIT:
            try:
                msgs = await sub.fetch(200, timeout=0.5)
            except (TimeoutError, nats.errors.TimeoutError):
                return None
            for msg in msgs:
                seen += 1
                if (msg.headers or {}).get("Nats-Msg-Id") == message_id:
                    return _decode(msg.data, f"{stream} #{msg.metadata.sequence.stream}")
        return None
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()


def _decode(data: bytes, where: str) -> dict[str, Any]:
    try:
        body = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return {"where": where, "raw": data.decode("utf-8", errors="replace")}
    return {"where": where, "message": body}

"""Dead-letter operations: list, show, replay (optionally edited) and discard, each journaled and audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from hub.errors import HubError
from hub.models import AuditEntry, DeadLetter
from hub.runtime import Hub
from schemas.envelope import Envelope
from schemas.registry import registry


class DeadLetterError(HubError):
    """The dead letter does not exist or is not in a state that allows the action."""


async def list_dead(hub: Hub, status: str | None = "dead", limit: int = 100) -> list[DeadLetter]:
    async with hub.db.session() as s:
        q = select(DeadLetter).order_by(DeadLetter.id.desc()).limit(limit)
        if status:
            q = q.where(DeadLetter.status == status)
        return list((await s.execute(q)).scalars())


async def get_dead(hub: Hub, dead_id: int) -> DeadLetter:
    async with hub.db.session() as s:
        row = await s.get(DeadLetter, dead_id)
    if row is None:
        raise DeadLetterError(f"no dead letter with id {dead_id}")
    return row


def _envelope_or_none(data: bytes) -> Envelope | None:
    try:
        return Envelope.model_validate_json(data)
    except ValueError:
        return None


async def replay(
    hub: Hub, dead_id: int, actor: str, edited_payload: dict[str, Any] | None = None
) -> DeadLetter:
    """Publish the message again to the consumer that gave up on it (only to that consumer)."""
    async with hub.db.session() as s:
        row = await s.get(DeadLetter, dead_id, with_for_update=True)
        if row is None:
            raise DeadLetterError(f"no dead letter with id {dead_id}")
        if row.status != "dead":
            raise DeadLetterError(f"dead letter {dead_id} is already {row.status}")
        data = row.data
        env = _envelope_or_none(data)
        if edited_payload is not None:
            if env is None:
                raise DeadLetterError(f"dead letter {dead_id} is not an envelope: it cannot be edited")
            registry.validate(env.type, env.version, edited_payload)
            env = env.model_copy(update={"payload": edited_payload, "claim": None})
            data = env.to_bytes()
        row.replays += 1
        headers = {
            "Nats-Msg-Id": f"{row.message_id}-replay-{row.replays}",
            "Lt-Replay-For": row.consumer,
            "Lt-Type": row.type or "",
        }
        # journal the replay before the message goes out: the consumer may handle it (and journal
        # "handled") before this coroutine runs again, and a trace must read in the order things happened
        if env is not None:
            hub.journal.record(
                env, "replayed", actor, outcome="replayed", consumer=row.consumer, dead_letter=row.id
            )
        try:
            await hub.publish_raw(row.subject, data, headers)
        except Exception as exc:
            if env is not None:
                hub.journal.record(
                    env,
                    "replay_failed",
                    actor,
                    outcome="error",
                    consumer=row.consumer,
                    dead_letter=row.id,
                    error=f"{type(exc).__name__}: {exc}",
                )
            raise
        row.status = "replayed"
        row.resolved_at = datetime.now(UTC)
        row.resolved_by = actor
        s.add(_audit(actor, "dlq.replay" + (".edited" if edited_payload is not None else ""), row))
    return row


async def discard(hub: Hub, dead_id: int, actor: str, note: str = "") -> DeadLetter:
    """Mark a dead letter as deliberately dropped."""
    async with hub.db.session() as s:
        row = await s.get(DeadLetter, dead_id, with_for_update=True)
        if row is None:
            raise DeadLetterError(f"no dead letter with id {dead_id}")
        if row.status != "dead":
            raise DeadLetterError(f"dead letter {dead_id} is already {row.status}")
        row.status = "discarded"
        row.resolved_at = datetime.now(UTC)
        row.resolved_by = actor
        s.add(_audit(actor, "dlq.discard", row, note=note))
    env = _envelope_or_none(row.data)
    if env is not None:
        hub.journal.record(env, "discarded", actor, outcome="discarded", consumer=row.consumer, note=note)
    return row


def _audit(actor: str, action: str, row: DeadLetter, **detail: Any) -> AuditEntry:
    return AuditEntry(
        at=datetime.now(UTC),
        actor=actor,
        action=action,
        target=f"dead_letter:{row.id}",
        detail={"message_id": row.message_id, "consumer": row.consumer, **detail},
    )


def dead_letter_dict(row: DeadLetter, with_data: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id,
        "message_id": row.message_id,
        "consumer": row.consumer,
        "subject": row.subject,
        "type": row.type,
        "issue": row.issue,
        "reason": row.reason,
        "error": row.error,
        "deliveries": row.deliveries,
        "status": row.status,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "resolved_by": row.resolved_by,
        "replays": row.replays,
    }
    if with_data:
        try:
            out["message"] = json.loads(row.data)
        except (ValueError, UnicodeDecodeError):
            out["message_raw"] = row.data.decode("utf-8", errors="replace")
    return out

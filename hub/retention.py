"""Retention: what the hub's own tables keep, and for how long (`lienthong retention run`).

Cleaned after configurable periods (hub settings `retention_*_days`): the message journal and its minute
counts, the consumers' inbox of processed messages, dead letters an operator has replayed or discarded,
and the audit trail (ten years by default). Open dead letters are never removed. The inbox is never
cleaned below the streams' duplicate window plus the longest redelivery horizon (`max_deliver` attempts
at the longest backoff, each given `ack_wait`): a message redelivered after its inbox row was gone
would be applied a second time.

What is not cleaned here, on purpose: the Object Store holds the documents' content, which is a record
kept for its retention period and destroyed only by revocation (the documents module); the KV buckets
hold current state only (adapter health, axis cursors), replaced in place; the outbox relay already
drops published rows after its own delay (`hub/outbox.py`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select

from hub.models import AuditEntry, DeadLetter, InboxEntry, JournalEntry, JournalMinute
from hub.settings import Settings
from hub.topology import stream_plans


@dataclass(frozen=True)
class Policy:
    """How many days each kind of row is kept."""

    journal_days: int
    inbox_days: int
    dead_letter_days: int
    audit_days: int

    @classmethod
    def of(cls, settings: Settings) -> Policy:
        """The settings' periods, the inbox raised to its floor when set below it."""
        return cls(
            journal_days=settings.retention_journal_days,
            inbox_days=max(settings.retention_inbox_days, inbox_floor_days(settings)),
            dead_letter_days=settings.retention_dead_letter_days,
            audit_days=settings.retention_audit_days,
        )


def inbox_floor_days(settings: Settings) -> int:
    """The fewest whole days the inbox must keep a processed message: the longest duplicate window of
    the streams plus every redelivery a consumer may still make (each attempt's wait and backoff)."""
    window = max(plan.duplicate_window for plan in stream_plans())
    redelivery = settings.max_deliver * (settings.ack_wait_seconds + settings.retry_max_seconds)
    return max(1, math.ceil((window + redelivery) / 86400))


async def prune(
    db: Any, policy: Policy, now: datetime | None = None, *, dry_run: bool = False
) -> dict[str, int]:
    """Delete what is older than the policy allows; answer how many rows of each kind went (or would)."""
    moment = now or datetime.now(UTC)

    def before(days: int) -> datetime:
        return moment - timedelta(days=days)

    minute_cutoff = before(policy.journal_days).strftime("%Y-%m-%d %H:%M")
    plans = {
        "journal": delete(JournalEntry).where(JournalEntry.at < before(policy.journal_days)),
        "journal_minutes": delete(JournalMinute).where(JournalMinute.minute < minute_cutoff),
        "inbox": delete(InboxEntry).where(InboxEntry.processed_at < before(policy.inbox_days)),
        "dead_letters": delete(DeadLetter).where(
            DeadLetter.status.in_(("replayed", "discarded")),
            DeadLetter.resolved_at < before(policy.dead_letter_days),
        ),
        "audit": delete(AuditEntry).where(AuditEntry.at < before(policy.audit_days)),
    }
    counts: dict[str, int] = {}
    async with db.session() as s:
        for kind, statement in plans.items():
            if dry_run:  # the same rows, counted
                counted = select(func.count()).select_from(statement.table).where(statement.whereclause)  # type: ignore[arg-type]
                counts[kind] = int(await s.scalar(counted) or 0)
            else:
                result = await s.execute(statement)
                counts[kind] = int(getattr(result, "rowcount", 0) or 0)
    return counts

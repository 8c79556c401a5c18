"""The trail every step leaves in its own transaction: a row of the document's history, and an audit
entry with the state before and after."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from handlers.documents.clock import now
from handlers.documents.models import DocHistory, Document
from hub.models import AuditEntry

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from hub.auth import Principal

STATE_FIELDS = (
    "status",
    "number",
    "year",
    "subject",
    "code",
    "lead_unit_id",
    "coordinating_unit_ids",
    "officer_ids",
    "lead_officer_id",
    "deadline",
    "approval_step",
)


def history(
    session: AsyncSession,
    doc: Document,
    actor: Principal,
    action: str,
    text: str,
    status_code: str | None = None,
    **detail: Any,
) -> None:
    """Append a step to the document's history."""
    session.add(
        DocHistory(
            document_id=doc.id,
            at=now(),
            actor=actor.id,
            action=action,
            status_code=status_code,
            text=text,
            detail=detail,
        )
    )


def audit(
    session: AsyncSession,
    actor: Principal,
    action: str,
    target: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    **detail: Any,
) -> None:
    """Record who did what to what, with the values before and after."""
    session.add(
        AuditEntry(
            at=now(),
            actor=actor.id,
            action=action,
            target=target,
            detail={"before": before, "after": after, **detail},
        )
    )


def snapshot(doc: Document) -> dict[str, Any]:
    """The audited state of a document (JSON-ready)."""
    out: dict[str, Any] = {}
    for name in STATE_FIELDS:
        value = getattr(doc, name)
        out[name] = value.isoformat() if isinstance(value, date) else value
    return out

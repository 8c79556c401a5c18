"""Finding documents: the folded metadata kept for search, the deadline status of a document, and the
search itself (words without diacritics over metadata and the files' text, filters, visibility)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from handlers.documents.access import TO_UNIT, TO_USER, visible_clause
from handlers.documents.clock import local_date, today
from handlers.documents.models import INCOMING, DocAccess, Document
from handlers.documents.rules import DEADLINE_LABELS, deadline_status, fold
from hub.errors import Invalid
from kit.workcal import default_calendar

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from hub.auth import Principal

# Deadline statuses the SQL filter only narrows down: the exact status needs the working calendar.
COMPUTED_STATUSES = ("on_time", "due_soon", "done_on_time", "done_late")


def search_text(doc: Document) -> str:
    """The folded metadata searched for a document (the files' text is kept apart in body_text)."""
    parts = [
        doc.subject,
        doc.code,
        doc.document_type,
        doc.from_agency,
        doc.from_code,
        doc.instruction,
        doc.note,
        " ".join(str(r.get("name") or r.get("code") or "") for r in doc.recipients or []),
    ]
    return fold(" ".join(p for p in parts if p))


def deadline_of(doc: Document, day: date | None = None) -> str:
    """Where the document stands against its deadline on `day` (today in Vietnam by default)."""
    completed = local_date(doc.completed_at) if doc.completed_at else None
    return deadline_status(effective_deadline(doc), completed, day or today(), default_calendar())


def effective_deadline(doc: Document) -> date | None:
    """The handling deadline; for an incoming document not yet assigned, the sender's DueDate."""
    if doc.deadline is None and doc.direction == INCOMING:
        return doc.due_date
    return doc.deadline


@dataclass(frozen=True)
class SearchQuery:
    """What the caller searches for; every part is optional."""

    q: str | None = None
    direction: str | None = None
    status: str | None = None
    deadline_status: str | None = None
    year: int | None = None
    addressed: bool = False


@dataclass(frozen=True)
class Found:
    """One page of documents found, out of `total`, with the day their deadlines were judged on."""

    documents: list[Document]
    total: int
    day: date


def _deadline_filter(name: str, day: date) -> ColumnElement[bool]:
    done = Document.completed_at.is_not(None)
    if name == "overdue":
        return and_(~done, Document.deadline < day)
    if name == "due_today":
        return and_(~done, Document.deadline == day)
    if name in ("on_time", "due_soon"):
        return and_(~done, Document.deadline > day)
    if name == "no_deadline":
        return Document.deadline.is_(None)
    if name in ("done_on_time", "done_late"):
        return and_(done, Document.deadline.is_not(None))
    raise Invalid(
        f"deadline_status không hợp lệ: {name} (một trong: {', '.join(DEADLINE_LABELS)})",
        field="deadline_status",
    )


def _word_clause(word: str) -> ColumnElement[bool]:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    return or_(
        Document.search_text.like(pattern, escape="\\"),
        Document.body_text.like(pattern, escape="\\"),
    )


def conditions(p: Principal, query: SearchQuery, day: date) -> list[ColumnElement[bool]]:
    """The SQL conditions of a search by this person."""
    found: list[ColumnElement[bool]] = [visible_clause(p)]  # also hides confidential ones
    found.extend(_word_clause(word) for word in fold(query.q).split())
    if query.direction:
        found.append(Document.direction == query.direction)
    if query.status:
        found.append(Document.status == query.status)
    if query.year:
        found.append(Document.year == query.year)
    if query.deadline_status:
        found.append(_deadline_filter(query.deadline_status, day))
    if query.addressed:
        found.append(addressed_to(p))
    return found


def addressed_to(p: Principal) -> ColumnElement[bool]:
    """SQL condition: the document was issued to the person or to their unit (internal delivery)."""
    return exists().where(
        DocAccess.document_id == Document.id,
        or_(
            and_(DocAccess.kind == TO_USER, DocAccess.principal_id == p.id),
            and_(DocAccess.kind == TO_UNIT, DocAccess.principal_id == (p.unit_id or "")),
        ),
    )


async def search(
    session: AsyncSession, p: Principal, query: SearchQuery, *, limit: int, offset: int
) -> Found:
    """The documents this person may see that match, newest first."""
    day = today()
    where = conditions(p, query, day)
    total = await session.scalar(select(func.count()).select_from(Document).where(*where)) or 0
    rows = await session.execute(
        select(Document).where(*where).order_by(Document.created_at.desc()).limit(limit).offset(offset)
    )
    docs = list(rows.scalars())
    if query.deadline_status in COMPUTED_STATUSES:
        docs = [d for d in docs if deadline_of(d, day) == query.deadline_status]
    return Found(docs, total, day)

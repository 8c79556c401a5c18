"""Finding documents: the folded metadata kept for search, the deadline status of a document, and the
search itself (words without diacritics over metadata and the files' text, filters, visibility)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, exists, func, or_, select
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

# Deadline statuses the SQL filter only narrows down: whether a finished document was on time compares
# its completion's local date with the deadline, which is judged here over the matching rows' columns.
COMPUTED_STATUSES = ("done_on_time", "done_late")
# Filters that are not a document's own status: deadlines falling from today to the end of the week.
WINDOWS = {"due_this_week": "Đến hạn trong tuần này"}


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
    register: str | None = None
    order: str = "newest"


# The orders a search may be shown in (Decree 30 App. VI I.III.6.g), and their Vietnamese names.
ORDERS = {
    "newest": "Mới nhất trước",
    "oldest": "Cũ nhất trước",
    "deadline": "Hạn xử lý gần nhất trước",
    "subject": "Theo trích yếu (A-Z)",
    "number": "Theo số trong sổ (tăng dần)",
}


def order_by(order: str) -> tuple[Any, ...]:
    """The SQL order of a search's results (the id breaks ties, so pages never overlap)."""
    if order == "oldest":
        return (Document.created_at.asc(), Document.id)
    if order == "deadline":
        deadline = effective_deadline_column()
        return (deadline.is_(None), deadline.asc(), Document.created_at.desc(), Document.id)
    if order == "subject":
        return (Document.search_text.asc(), Document.id)
    if order == "number":  # a register's order; the unnumbered (drafts, waiting) last
        return (Document.number.is_(None), Document.year, Document.number, Document.created_at, Document.id)
    if order != "newest":
        raise Invalid(f"Thứ tự không hợp lệ: {order} (một trong: {', '.join(ORDERS)})", field="order")
    return (Document.created_at.desc(), Document.id)


@dataclass(frozen=True)
class Found:
    """One page of documents found, out of `total`, with the day their deadlines were judged on."""

    documents: list[Document]
    total: int
    day: date


def effective_deadline_column() -> ColumnElement[date | None]:
    """`effective_deadline` in SQL: the deadline; for an unassigned incoming document the sender's."""
    unassigned_in = and_(Document.deadline.is_(None), Document.direction == INCOMING)
    return case((unassigned_in, Document.due_date), else_=Document.deadline)


def due_soon_until(day: date) -> date:
    """The last date still "due soon" seen from `day`: within two working days of it."""
    calendar, last = default_calendar(), day
    for ahead in range(1, 40):
        candidate = day + timedelta(days=ahead)
        if calendar.working_days_between(day, candidate) > 2:
            break
        last = candidate
    return last


def _deadline_filter(name: str, day: date) -> ColumnElement[bool]:
    done, deadline = Document.completed_at.is_not(None), effective_deadline_column()
    open_until = {
        "overdue": deadline < day,
        "due_today": deadline == day,
        "due_soon": and_(deadline > day, deadline <= due_soon_until(day)),
        "on_time": deadline > due_soon_until(day),
        "due_this_week": and_(deadline >= day, deadline <= day + timedelta(days=6 - day.weekday())),
    }
    if name in open_until:
        return and_(~done, open_until[name])
    if name == "no_deadline":
        return deadline.is_(None)
    if name in COMPUTED_STATUSES:
        return and_(done, deadline.is_not(None))
    known = ", ".join([*DEADLINE_LABELS, *WINDOWS])
    raise Invalid(f"deadline_status không hợp lệ: {name} (một trong: {known})", field="deadline_status")


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
    if query.register:
        found.append(Document.register_code == query.register)
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
    """The documents this person may see that match, in the order asked (newest first by default)."""
    day = today()
    where = conditions(p, query, day)
    newest_first = order_by(query.order)
    if query.deadline_status in COMPUTED_STATUSES:  # judged over the few columns, then paged
        light = await session.execute(
            select(Document.id, Document.completed_at, effective_deadline_column())
            .where(*where)
            .order_by(*newest_first)
        )
        wanted = query.deadline_status == "done_on_time"
        judged = [(i, c, d) for i, c, d in light.all() if c is not None and d is not None]
        ids = [i for i, completed, due in judged if (local_date(completed) <= due) == wanted]
        page = ids[offset : offset + limit]
        found = {d.id: d for d in (await session.scalars(select(Document).where(Document.id.in_(page))))}
        return Found([found[i] for i in page], len(ids), day)
    total = await session.scalar(select(func.count()).select_from(Document).where(*where)) or 0
    rows = await session.execute(
        select(Document).where(*where).order_by(*newest_first).limit(limit).offset(offset)
    )
    return Found(list(rows.scalars()), total, day)

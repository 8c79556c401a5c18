"""Shared pieces of the documents service: refusals, actors, numbering, history, audit, access, statuses
back to the sending agency through the axis."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from handlers.documents.models import DocAccess, DocCounter, DocHistory, Document
from handlers.documents.rules import CONFIDENTIAL, fold
from hub.auth import Principal
from hub.directory import CLERK, LEADER, Unit, User
from hub.errors import TransientError
from hub.models import AuditEntry
from schemas.axis import AxisSendRequested
from schemas.edxml import Organization, StaffInfo, StatusCode, StatusMessage, StatusResponseFor, build_status
from schemas.edxml.codes import VN_TZ
from schemas.envelope import ClaimCheck

if TYPE_CHECKING:
    from hub.runtime import Hub
    from hub.runtime import Unit as Work

SYSTEM = Principal(id="system", username="system", full_name="Hệ thống", roles=frozenset())
EDXML_MEDIA_TYPE = "application/xml"
CLAIM_TIMEOUT = 30.0


class Refusal(Exception):
    """A request the documents service refuses; `status` is the HTTP status, the message is Vietnamese."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def not_found(what: str = "Văn bản") -> Refusal:
    return Refusal(404, f"{what} không tồn tại hoặc bạn không có quyền xem")


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today in Vietnam."""
    return datetime.now(VN_TZ).date()


def local_date(moment: datetime) -> date:
    """The Vietnamese calendar date of a moment."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(VN_TZ).date()


def new_id() -> str:
    return str(uuid.uuid4())


async def read_claim(hub: Hub, claim: ClaimCheck, timeout: float = CLAIM_TIMEOUT) -> bytes:
    """Object Store content with a time limit: a read that hangs becomes a retry, never a held lock."""
    try:
        return await asyncio.wait_for(hub.claims.get(claim), timeout)
    except TimeoutError:
        raise TransientError(f"reading {claim.key} from the Object Store took over {timeout:.0f} s") from None


async def put_claim(hub: Hub, data: bytes, media_type: str, timeout: float = CLAIM_TIMEOUT) -> ClaimCheck:
    """Store content with a time limit (see read_claim)."""
    try:
        return await asyncio.wait_for(hub.claims.put(data, media_type=media_type), timeout)
    except TimeoutError:
        raise TransientError(
            f"storing {len(data)} bytes in the Object Store took over {timeout:.0f} s"
        ) from None


async def next_number(session: AsyncSession, register_code: str, year: int) -> int:
    """Take the next number of a register for a year; the counter row stays locked until commit.

    One statement, INSERT ... ON CONFLICT DO UPDATE ... RETURNING: on PostgreSQL the row lock serialises
    concurrent registrations until the caller's transaction ends; on SQLite the transaction already holds
    the write lock (BEGIN IMMEDIATE). A rolled-back registration gives its number back: no gaps.
    """
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    upsert = insert(DocCounter).values(register_code=register_code, year=year, last=1)
    stmt = upsert.on_conflict_do_update(
        index_elements=[DocCounter.register_code, DocCounter.year], set_={"last": DocCounter.last + 1}
    ).returning(DocCounter.last)
    number = (await session.execute(stmt)).scalar_one()
    return int(number)


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


def snapshot(doc: Document) -> dict[str, Any]:
    """The audited state of a document (JSON-ready)."""
    out: dict[str, Any] = {}
    for name in STATE_FIELDS:
        value = getattr(doc, name)
        out[name] = value.isoformat() if isinstance(value, date) else value
    return out


def grant(
    session: AsyncSession, doc: Document, kind: str, principal_id: str, granted: set[tuple[str, str]]
) -> None:
    """Let a unit or a user see a document (idempotent within the set already granted)."""
    key = (kind, principal_id)
    if key in granted:
        return
    granted.add(key)
    session.add(DocAccess(document_id=doc.id, kind=kind, principal_id=principal_id))


async def granted_to(session: AsyncSession, doc: Document) -> set[tuple[str, str]]:
    rows = await session.execute(
        select(DocAccess.kind, DocAccess.principal_id).where(DocAccess.document_id == doc.id)
    )
    return {(k, p) for k, p in rows.all()}


def sees_everything(p: Principal) -> bool:
    """Clerks and leaders see every document of the agency."""
    return p.has(CLERK, LEADER)


def visible_clause(p: Principal) -> ColumnElement[bool]:
    """SQL condition: the document was assigned to the caller or their unit, or they drafted it."""
    access = exists().where(
        DocAccess.document_id == Document.id,
        or_(
            and_(DocAccess.kind == "user", DocAccess.principal_id == p.id),
            and_(DocAccess.kind == "unit", DocAccess.principal_id == (p.unit_id or "")),
        ),
    )
    return or_(Document.created_by == p.id, access)


async def can_see(session: AsyncSession, p: Principal, doc: Document) -> bool:
    if sees_everything(p):
        return True
    found = await session.scalar(select(Document.id).where(Document.id == doc.id, visible_clause(p)))
    return found is not None


async def load_visible(
    session: AsyncSession, p: Principal, document_id: str, *, lock: bool = False
) -> Document:
    """The document if the caller may see it; 404 otherwise (no hint that it exists)."""
    stmt = select(Document).where(Document.id == document_id)
    if lock and session.bind is not None and session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    doc = await session.scalar(stmt)
    if doc is None or not await can_see(session, p, doc):
        raise not_found()
    return doc


def is_confidential(doc: Document) -> bool:
    return doc.confidentiality in CONFIDENTIAL


async def unit_exists(session: AsyncSession, unit_id: str) -> bool:
    return await session.get(Unit, unit_id) is not None


async def user_of(session: AsyncSession, user_id: str) -> User | None:
    return await session.get(User, user_id)


@dataclass(frozen=True)
class Agency:
    """This agency on the axis."""

    code: str
    name: str


async def send_status(
    work: Work,
    agency: Agency,
    doc: Document,
    code: StatusCode,
    actor: Principal,
    reason: str | None = None,
    *,
    about_edoc_id: str | None = None,
    about_code: str | None = None,
) -> bool:
    """Queue a status message about an axis document back to its sender (`axis.send`, via the outbox).

    Returns False when the document did not come over an axis (nobody to tell).
    """
    document_id = about_edoc_id or doc.edoc_document_id
    if not (doc.axis and doc.from_code and document_id):
        return False
    description = f"{code.description}. Lý do: {reason}" if reason else code.description
    message = StatusMessage.model_validate(
        {
            "from_": Organization(organ_id=agency.code, organ_name=agency.name),
            "response_for": StatusResponseFor(
                organ_id=doc.from_code,
                code=about_code or doc.code or document_id,
                document_id=document_id,
                promulgation_date=doc.issued_date,
            ),
            "staff_info": StaffInfo(staff=actor.full_name, department=actor.position or None),
            "status_code": code,
            "description": description,
            "timestamp": datetime.now(VN_TZ).replace(microsecond=0),
        }
    )
    claim = await put_claim(work.hub, build_status(message), EDXML_MEDIA_TYPE)
    await work.emit(
        "axis.send",
        AxisSendRequested(
            edxml=claim,
            message_type="status",
            from_code=agency.code,
            to_codes=[doc.from_code],
            document_id=document_id,
        ),
        issue=document_id,
    )
    return True

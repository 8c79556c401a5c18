"""Who may do what: roles a step needs, which documents a person sees (clerks and leaders see all
ordinary ones, others what was assigned to them or their unit, or what they drafted; a confidential
one only leaders and the people named on it, see README "Access rules"), and the org chart look-ups
the steps check against."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import and_, exists, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from handlers.documents.context import SYSTEM
from handlers.documents.models import INCOMING, OUTGOING, DocAccess, Document
from handlers.documents.rules import CONFIDENTIAL
from hub.errors import Forbidden, NotFound
from hub.orgchart import CLERK, LEADER, UNIT_HEAD, Unit, User, missing_roles

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from hub.auth import Principal


# Grants of an issued document to the units and people it was addressed to (besides "unit" / "user",
# which let them see it): what lists the documents sent to a person.
TO_UNIT = "to_unit"
TO_USER = "to_user"


def require(p: Principal, *roles: str) -> None:
    """Refuse (403) a person who holds none of the roles; the system actor may do every step."""
    if p is not SYSTEM and not p.has(*roles):
        raise Forbidden(missing_roles(roles, p.roles))


def not_found(what: str = "Văn bản") -> NotFound:
    """The refusal for what does not exist or may not be seen (the two are not told apart)."""
    return NotFound(f"{what} không tồn tại hoặc bạn không có quyền xem")


def sees_everything(p: Principal) -> bool:
    """Clerks and leaders see every ordinary document of the agency (confidential ones: see below)."""
    return p.has(CLERK, LEADER)


# A confidential document waits for the clerk (văn thư) at these steps: an incoming one to be
# registered or refused, an outgoing one to be numbered and issued.
CLERK_TURN_IN = ("received",)
CLERK_TURN_OUT = ("approved", "issue_failed")


def _granted(p: Principal, *, confidential: bool) -> ColumnElement[bool]:
    """A grant names the person, or their unit (for a confidential document: only to its head)."""
    named = and_(DocAccess.kind == "user", DocAccess.principal_id == p.id)
    unit = and_(DocAccess.kind == "unit", DocAccess.principal_id == (p.unit_id or ""))
    if confidential and not p.has(UNIT_HEAD):
        return exists().where(DocAccess.document_id == Document.id, named)
    return exists().where(DocAccess.document_id == Document.id, or_(named, unit))


def _ordinary_clause(p: Principal) -> ColumnElement[bool]:
    """An ordinary document: clerks and leaders see all; others what they drafted or were granted."""
    if sees_everything(p):
        return true()
    return or_(Document.created_by == p.id, _granted(p, confidential=False))


def _confidential_clause(p: Principal) -> ColumnElement[bool]:
    """A confidential document (Mật, Tối mật, Tuyệt mật): leaders, and the people named on it.

    Named: its drafter (or the clerk who registered a paper one), a person granted it (approvers and
    signer, officers handling it, the clerk who registered or issued it, a person it was issued to),
    and the head of a unit granted it (lead or co-ordinating unit, drafting unit, unit it was issued
    to). A clerk also sees one while it waits for the clerk's step (register, issue).
    """
    if p.has(LEADER):
        return true()
    seen = [Document.created_by == p.id, _granted(p, confidential=True)]
    if p.has(CLERK):
        seen.append(
            or_(
                and_(Document.direction == INCOMING, Document.status.in_(CLERK_TURN_IN)),
                and_(Document.direction == OUTGOING, Document.status.in_(CLERK_TURN_OUT)),
            )
        )
    return or_(*seen)


def visible_clause(p: Principal) -> ColumnElement[bool]:
    """SQL condition: the person may see the document (ordinary and confidential rules)."""
    if p is SYSTEM:
        return true()
    secret = Document.confidentiality.in_(CONFIDENTIAL)
    return or_(and_(~secret, _ordinary_clause(p)), and_(secret, _confidential_clause(p)))


async def can_see(session: AsyncSession, p: Principal, doc: Document) -> bool:
    """Whether the person may see the document."""
    if p is SYSTEM or (sees_everything(p) and not is_confidential(doc)):
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
    """A document marked Mật, Tối mật or Tuyệt mật: read by few, every read audited, never on an axis."""
    return doc.confidentiality in CONFIDENTIAL


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
    """The units and users the document was granted to."""
    rows = await session.execute(
        select(DocAccess.kind, DocAccess.principal_id).where(DocAccess.document_id == doc.id)
    )
    return {(k, p) for k, p in rows.all()}


async def unit_exists(session: AsyncSession, unit_id: str) -> bool:
    """Whether the org chart has this unit."""
    return await session.get(Unit, unit_id) is not None


async def user_of(session: AsyncSession, user_id: str) -> User | None:
    """The org chart's user with this id."""
    return await session.get(User, user_id)


async def unit_names(session: AsyncSession, unit_ids: list[str]) -> str:
    """The units' names joined for a history line ("Phòng Tổng hợp, Thanh tra Sở"); an unknown id as is."""
    names = []
    for unit_id in unit_ids:
        unit = await session.get(Unit, unit_id)
        names.append(unit.name if unit else unit_id)
    return ", ".join(names)


async def user_names(session: AsyncSession, user_ids: list[str]) -> str:
    """The people's full names joined for a history line; an unknown id as is."""
    names = []
    for user_id in user_ids:
        user = await session.get(User, user_id)
        names.append(user.full_name if user else user_id)
    return ", ".join(names)

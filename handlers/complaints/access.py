"""Who may read a case and who may know a denouncer: one rule for the list, the page, each step, each file.

Leaders, the reception desk (clerks) and the intake unit (the inspectorate) read every case; the
handling unit and the officer in charge read theirs; a unit head also reads a new, classified case that
is not a denunciation, to decide on it. Nobody else: the same 404 as for no case. A denouncer's identity
is known only to the leaders, the inspectorate and the case's handlers (Law 25/2018 Art. 47); the
citizen of a complaint or petition is known to those who see every case and to the handling unit (a unit
head deciding on a case of another unit sees it withheld). A unit head who is not of the inspectorate
hands a case only to their own unit.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import ColumnElement, and_, false, or_
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.complaints.models import Case
from handlers.complaints.service import PROTECTED_NAME, find
from hub.errors import Forbidden, NotFound
from hub.orgchart import CLERK, LEADER, UNIT_HEAD

WITHHELD_NAME = "Người gửi đơn (chỉ đơn vị giải quyết và lãnh đạo được xem)"


class Actor(Protocol):
    """Who reads or acts (a `hub.auth.Principal` is one): their id, unit and roles."""

    @property
    def id(self) -> str: ...

    @property
    def unit_id(self) -> str | None: ...

    def has(self, *roles: str) -> bool: ...


def sees_every_case(actor: Actor, intake_unit: str) -> bool:
    """Leaders, the reception desk (clerks) and the inspectorate see every case."""
    return actor.has(LEADER, CLERK) or (actor.unit_id is not None and actor.unit_id == intake_unit)


def may_read(actor: Actor, c: Case, intake_unit: str) -> bool:
    """A case is read by those who see every case, the handling unit and officer, and the unit heads
    deciding on a new, classified case that is not a denunciation (an unclassified one may be one);
    nobody else (officers of other units included)."""
    if sees_every_case(actor, intake_unit) or handles(actor, c):
        return True
    return actor.has(UNIT_HEAD) and c.status == "received" and c.kind not in (None, "to_cao")


def handles(actor: Actor, c: Case) -> bool:
    """The officer in charge of the case, or a member of its handling unit."""
    return c.officer_id == actor.id or (c.unit_id is not None and c.unit_id == actor.unit_id)


def readable(actor: Actor, intake_unit: str) -> ColumnElement[bool] | None:
    """`may_read` as a query condition (None: every case)."""
    if sees_every_case(actor, intake_unit):
        return None
    own = [Case.officer_id == actor.id]
    if actor.unit_id:
        own.append(Case.unit_id == actor.unit_id)
    if actor.has(UNIT_HEAD):
        own.append(and_(Case.status == "received", Case.kind.is_not(None), Case.kind != "to_cao"))
    return or_(*own) if own else false()


def reveals_identity(actor: Actor, c: Case, intake_unit: str) -> bool:
    """A denouncer's identity is known only to the leaders, the inspectorate and the case's handlers
    (Law 25/2018 Art. 47): the officer in charge and the head of the handling unit; everyone else, the
    clerks, the unit's other officers and the public included, sees it withheld. A complaint's or a
    petition's citizen is known to those who see every case and to the handling unit."""
    if c.kind != "to_cao":
        return sees_every_case(actor, intake_unit) or handles(actor, c)
    if actor.has(LEADER) or (actor.unit_id is not None and actor.unit_id == intake_unit):
        return True
    return c.officer_id == actor.id or (
        actor.has(UNIT_HEAD) and c.unit_id is not None and c.unit_id == actor.unit_id
    )


def mask_for(c: Case) -> str:
    """What reads instead of the submitter's name when it is withheld (Vietnamese, never empty)."""
    return PROTECTED_NAME if c.kind == "to_cao" else WITHHELD_NAME


def require_hand_over(actor: Actor, unit_id: str, intake_unit: str) -> None:
    """Leaders and the inspectorate hand a case to any unit; another unit head only to their own (403)."""
    if actor.has(LEADER) or (actor.unit_id is not None and actor.unit_id == intake_unit):
        return
    if actor.unit_id != unit_id:
        raise Forbidden(
            "Trưởng đơn vị chỉ được giao đơn cho chính đơn vị mình; "
            "giao cho đơn vị khác do lãnh đạo Sở hoặc Thanh tra Sở quyết định"
        )


async def find_for(session: AsyncSession, case_id: str, actor: Actor, intake_unit: str) -> Case:
    """The case, if this person may read it; otherwise the same refusal as for no case at all."""
    c = await find(session, case_id)
    if not may_read(actor, c, intake_unit):
        raise NotFound(f"Không tìm thấy đơn {case_id}")
    return c

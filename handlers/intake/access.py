"""Who may read and act on a dossier: one rule for the list, the page, each step, each form and file.

The one-stop desk (clerks) and the leaders read every dossier; once a dossier is transferred, the
handling unit (its head and officers) reads it too; nobody else: the same 404 as for no dossier, so an
outsider learns nothing about the applicant. The applicant's details are shown to whoever may read.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import ColumnElement, false
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.intake.lifecycle import find
from handlers.intake.models import Dossier
from hub.errors import Forbidden, NotFound
from hub.orgchart import CLERK, LEADER


class Actor(Protocol):
    """Who reads or acts (a `hub.auth.Principal` is one): their id, unit and roles."""

    @property
    def id(self) -> str: ...

    @property
    def unit_id(self) -> str | None: ...

    def has(self, *roles: str) -> bool: ...


def sees_every_dossier(actor: Actor) -> bool:
    """The one-stop desk (clerks) and the leaders see every dossier."""
    return actor.has(CLERK, LEADER)


def of_unit(actor: Actor, d: Dossier) -> bool:
    """The dossier was transferred to the caller's unit."""
    return actor.unit_id is not None and d.unit_id == actor.unit_id


def may_read(actor: Actor, d: Dossier) -> bool:
    """The desk, the leaders and the handling unit read a dossier; nobody else."""
    return sees_every_dossier(actor) or of_unit(actor, d)


def readable(actor: Actor) -> ColumnElement[bool] | None:
    """`may_read` as a query condition (None: every dossier)."""
    if sees_every_dossier(actor):
        return None
    if actor.unit_id is None:
        return false()
    return Dossier.unit_id == actor.unit_id


def not_found(code: str) -> NotFound:
    """The refusal for a dossier that does not exist or may not be seen (the two are not told apart)."""
    return NotFound(f"Không tìm thấy hồ sơ {code}")


async def find_for(session: AsyncSession, code: str, actor: Actor) -> Dossier:
    """The dossier, if this person may read it; otherwise the same refusal as for no dossier."""
    try:
        d = await find(session, code)
    except NotFound:
        raise not_found(code) from None
    if not may_read(actor, d):
        raise not_found(code)
    return d


def require_handling_unit(actor: Actor, d: Dossier, what: str) -> None:
    """A unit's step (result, refusal, apology) is the handling unit's, or a leader's (403 otherwise)."""
    if actor.has(LEADER) or of_unit(actor, d):
        return
    raise Forbidden(f"Chỉ đơn vị đang giải quyết hồ sơ {d.code} hoặc lãnh đạo Sở được {what}")

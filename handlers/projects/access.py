"""Who may change a project: the unit that manages its funding source, or a leader.

Every staff member reads the registry (the certificates' content is the department's shared reference,
not personal data); a change (registration, adjustment, status, report, linked document, import) is
made by an officer or the head of the unit managing the project's funding source
(`ProjectsSettings.units`), or by a leader. Anybody else is refused (403) with the managing unit named,
and nothing changes. An adjustment that moves a project to another funding source needs the right on
both sources; an import needs it on every row (its new and its current funding).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.projects.models import Project
from hub.errors import Forbidden
from hub.orgchart import LEADER, OFFICER, UNIT_HEAD, Unit
from schemas.projects import FUNDING_LABELS

LOOKUP_BATCH = 500


class Actor(Protocol):
    """Who acts (a `hub.auth.Principal` is one): their id, unit and roles."""

    @property
    def id(self) -> str: ...

    @property
    def unit_id(self) -> str | None: ...

    def has(self, *roles: str) -> bool: ...


def may_change(actor: Actor, funding: str, units: Mapping[str, str], *roles: str) -> bool:
    """A leader, or someone with one of `roles` (officer, unit head) in the unit managing `funding`."""
    if actor.has(LEADER):
        return True
    wanted = roles or (OFFICER, UNIT_HEAD)
    managing = units.get(funding)
    return managing is not None and actor.unit_id == managing and actor.has(*wanted)


async def _unit_name(session: AsyncSession, unit_id: str | None) -> str:
    unit = await session.get(Unit, unit_id) if unit_id else None
    return unit.name if unit is not None else "đơn vị được giao quản lý"


async def require_change(
    session: AsyncSession,
    actor: Actor,
    fundings: Iterable[str],
    units: Mapping[str, str],
    *,
    what: str,
    roles: tuple[str, ...] = (),
) -> None:
    """Refuse (403, naming the managing unit) a change of projects of these funding sources by someone
    who may not make it."""
    for funding in sorted(set(fundings)):
        if not may_change(actor, funding, units, *roles):
            name = await _unit_name(session, units.get(funding))
            label = FUNDING_LABELS.get(funding, funding)
            who = "trưởng đơn vị" if roles == (UNIT_HEAD,) else "cán bộ"
            raise Forbidden(
                f"Dự án nguồn vốn {label} do {name} quản lý: chỉ {who} của đơn vị này "
                f"hoặc lãnh đạo Sở được {what}"
            )


async def current_fundings(session: AsyncSession, codes: list[str]) -> set[str]:
    """The funding sources of the projects the registry already has among these codes."""
    found: set[str] = set()
    for start in range(0, len(codes), LOOKUP_BATCH):
        q = select(Project.funding).where(Project.code.in_(codes[start : start + LOOKUP_BATCH]))
        found.update((await session.execute(q.distinct())).scalars())
    return found

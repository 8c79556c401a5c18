"""The organisation chart as the staff pages need it: effective roles with delegations, names, search."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from hub.auth import Principal
from hub.db import Database
from hub.orgchart import CLERK, LEADER, OFFICER, ROLE_LABELS, UNIT_HEAD, Delegation, Unit, User
from kit.collation import vietnamese_key

STAFF_ROLES = (CLERK, LEADER, UNIT_HEAD, OFFICER)


def fold(text: str | None) -> str:
    """Lower case without diacritics (đ -> d), for searching Vietnamese either way."""
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()


@dataclass
class Acting:
    """Who is using the pages: their own roles plus those held by delegation right now."""

    principal: Principal
    roles: frozenset[str]
    delegated_from: list[str]

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def labels(self) -> list[str]:
        return [ROLE_LABELS[r] for r in STAFF_ROLES if r in self.roles]


async def acting(db: Database, principal: Principal, now: datetime | None = None) -> Acting:
    """Effective roles: a deputy holding a delegation acts with the delegating leader's roles."""
    moment = now or datetime.now(UTC)
    sources: list[str] = []
    async with db.session() as s:
        # the person's own roles: hub.auth already merges delegations into principal.roles
        own = await s.get(User, principal.id)
        roles = set(own.roles) if own is not None else set(principal.roles)
        rows = (
            await s.execute(
                select(Delegation, User)
                .join(User, User.id == Delegation.from_user_id)
                .where(Delegation.to_user_id == principal.id)
            )
        ).all()
    for delegation, user in rows:
        if _aware(delegation.starts_at) <= moment < _aware(delegation.ends_at):
            roles.update(user.roles)
            sources.append(user.full_name)
    return Acting(principal, frozenset(roles), sources)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def chart(db: Database) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Units and active staff (id, name, position, unit, roles)."""
    async with db.session() as s:
        units = [
            {"id": u.id, "name": u.name, "head_user_id": u.head_user_id}
            for u in (await s.execute(select(Unit).order_by(Unit.id))).scalars()
        ]
        users = [
            {
                "id": u.id,
                "full_name": u.full_name,
                "position": u.position,
                "unit_id": u.unit_id,
                "roles": list(u.roles),
                "email": u.email,
                "phone": u.phone,
            }
            for u in (await s.execute(select(User).where(User.active).order_by(User.full_name))).scalars()
        ]
    return units, users


async def people_by_unit(db: Database, me: str) -> list[dict[str, Any]]:
    """Units in Vietnamese alphabetical order, each with its staff (but me) in the same order: what a
    form that addresses people and units (a message, a request for opinions) offers."""
    units, users = await chart(db)
    people = sorted(
        (u for u in users if u["id"] != me and set(u["roles"]) & set(STAFF_ROLES)),
        key=lambda u: vietnamese_key(u["full_name"]),
    )
    return [
        {**unit, "people": [p for p in people if p["unit_id"] == unit["id"]]}
        for unit in sorted(units, key=lambda u: vietnamese_key(u["name"]))
    ]


def search_people(users: list[dict[str, Any]], units: list[dict[str, Any]], q: str) -> list[dict[str, Any]]:
    """Staff whose name, position or unit matches every word of q, with or without diacritics."""
    names = {u["id"]: u["name"] for u in units}
    words = fold(q).split()
    found = []
    for user in users:
        if not set(user["roles"]).intersection(STAFF_ROLES):
            continue
        text = fold(f"{user['full_name']} {user['position']} {names.get(user['unit_id'] or '', '')}")
        if words and all(w in text for w in words):
            found.append({**user, "unit_name": names.get(user["unit_id"] or "", "")})
    return found

"""Setting up the department without SQL: units, people, delegations and four-eyes access changes.

Every change is audited with before and after. A person's unit and roles are their access rights (each
module's access checks read them); a change of them is only requested here and applies once a second
administrator confirms it (Decree 30/2020/NĐ-CP, Appendix VI, I.III.3.c).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import func, select

from hub.auth import hash_password
from hub.db import Database
from hub.orgchart import (
    ADMIN,
    CONFIRMED,
    OPERATOR,
    PENDING,
    REJECTED,
    VIEWER,
    AccessChange,
    Delegation,
    Unit,
    User,
    weak_password,
)
from hub.runtime import Hub
from portal.ops import queries
from portal.ops.service import check_roles

MIN_ADMINS = 2  # four-eyes needs two administrators
USERNAME = r"^[a-z0-9][a-z0-9._-]{1,39}$"


class OrgError(ValueError):
    """The org chart cannot be changed as asked; the text says why (Vietnamese, then English)."""


def _blank(v: str | None) -> str | None:
    return (v or "").strip() or None


# ---------------------------------------------------------------------------------------------- units


class UnitIn(BaseModel):
    """A unit as the form gives it."""

    id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")
    name: str = Field(min_length=2, max_length=200)
    parent_id: str | None = None
    head_user_id: str | None = None

    @field_validator("parent_id", "head_user_id", mode="before")
    @classmethod
    def _none_when_blank(cls, v: str | None) -> str | None:
        return _blank(v)


def unit_dict(u: Unit) -> dict[str, Any]:
    return {"id": u.id, "name": u.name, "parent_id": u.parent_id, "head_user_id": u.head_user_id}


async def list_units(hub: Hub) -> list[dict[str, Any]]:
    async with hub.db.session() as s:
        return [unit_dict(u) for u in (await s.execute(select(Unit).order_by(Unit.name))).scalars()]


async def _check_unit_links(s: Any, unit_id: str, parent_id: str | None, head: str | None) -> None:
    seen = {unit_id}
    cursor = parent_id
    while cursor is not None:
        if cursor in seen:
            raise OrgError(f"Đơn vị cha '{parent_id}' tạo vòng lặp (the parent makes a cycle)")
        seen.add(cursor)
        parent = await s.get(Unit, cursor)
        if parent is None:
            raise OrgError(f"Không có đơn vị '{cursor}' (no such unit)")
        cursor = parent.parent_id
    if head is not None and await s.get(User, head) is None:
        raise OrgError(f"Không có người dùng '{head}' để làm trưởng đơn vị (no such user)")


async def save_unit(hub: Hub, data: UnitIn, actor: str, *, create: bool) -> dict[str, Any]:
    """Create a unit, or rename it, change its parent and its head; audited with before and after."""
    async with hub.db.session() as s:
        unit = await s.get(Unit, data.id)
        if create and unit is not None:
            raise OrgError(f"Mã đơn vị '{data.id}' đã tồn tại (unit id already taken)")
        if not create and unit is None:
            raise OrgError(f"Không có đơn vị '{data.id}' (no such unit)")
        await _check_unit_links(s, data.id, data.parent_id, data.head_user_id)
        before = unit_dict(unit) if unit is not None else None
        if unit is None:
            unit = Unit(id=data.id)
            s.add(unit)
        unit.name, unit.parent_id, unit.head_user_id = data.name, data.parent_id, data.head_user_id
        after = unit_dict(unit)
    action = "unit.create" if create else "unit.update"
    await queries.record_audit(hub.db, actor, action, f"unit:{data.id}", before=before, after=after)
    return after


# --------------------------------------------------------------------------------------------- people


class PersonIn(BaseModel):
    """A new person: their account, and the unit and roles asked for them (pending a second admin)."""

    username: str = Field(pattern=USERNAME)
    full_name: str = Field(min_length=2, max_length=120)
    password: str = Field(max_length=200)
    position: str = Field(default="", max_length=120)
    email: str | None = None
    phone: str | None = None
    unit_id: str | None = None
    roles: list[str] = Field(default_factory=list)

    @field_validator("email", "phone", "unit_id", mode="before")
    @classmethod
    def _none_when_blank(cls, v: str | None) -> str | None:
        return _blank(v)

    @field_validator("roles")
    @classmethod
    def _roles(cls, v: list[str]) -> list[str]:
        return check_roles(v)


class PersonPatch(BaseModel):
    """What of a person changes at once (not their rights)."""

    full_name: str = Field(min_length=2, max_length=120)
    position: str = Field(default="", max_length=120)
    email: str | None = None
    phone: str | None = None
    active: bool = True

    @field_validator("email", "phone", mode="before")
    @classmethod
    def _none_when_blank(cls, v: str | None) -> str | None:
        return _blank(v)


def person_dict(u: User) -> dict[str, Any]:
    return {
        "id": u.id,
        "username": u.username,
        "full_name": u.full_name,
        "position": u.position,
        "email": u.email,
        "phone": u.phone,
        "unit_id": u.unit_id,
        "roles": sorted(u.roles),
        "active": u.active,
    }


def access_of(u: User) -> dict[str, Any]:
    """A person's access rights: their unit and their roles."""
    return {"unit_id": u.unit_id, "roles": sorted(u.roles)}


async def list_people(hub: Hub) -> list[dict[str, Any]]:
    async with hub.db.session() as s:
        return [person_dict(u) for u in (await s.execute(select(User).order_by(User.username))).scalars()]


async def create_person(hub: Hub, data: PersonIn, actor: str) -> AccessChange | None:
    """Create the account with no unit and no role; the unit and roles asked for wait for confirmation."""
    reason = weak_password(data.password, data.username)
    if reason:
        raise OrgError(reason)
    async with hub.db.session() as s:
        if await s.scalar(select(User.id).where(User.username == data.username)):
            raise OrgError(f"Tên đăng nhập '{data.username}' đã tồn tại (username already taken)")
        if data.unit_id and await s.get(Unit, data.unit_id) is None:
            raise OrgError(f"Không có đơn vị '{data.unit_id}' (no such unit)")
        user = User(
            id=data.username,
            username=data.username,
            full_name=data.full_name,
            position=data.position,
            email=data.email,
            phone=data.phone,
            unit_id=None,
            roles=[],
            password_hash=hash_password(data.password),
            active=True,
            preferences={},
        )
        s.add(user)
        after = person_dict(user)
    await queries.record_audit(
        hub.db, actor, "person.create", f"user:{data.username}", before=None, after=after
    )
    if data.unit_id is None and not data.roles:
        return None
    return await request_access(hub, data.username, data.unit_id, data.roles, actor)


async def update_person(hub: Hub, user_id: str, patch: PersonPatch, actor: str) -> dict[str, Any]:
    """Change a person's name, position, contacts or whether the account is active; audited."""
    async with hub.db.session() as s:
        user = await s.get(User, user_id)
        if user is None:
            raise OrgError(f"Không có người dùng '{user_id}' (no such user)")
        if user.username == actor and not patch.active:
            raise OrgError(
                "Không thể tự khóa tài khoản của mình (an administrator cannot deactivate themself)"
            )
        before = person_dict(user)
        user.full_name, user.position = patch.full_name, patch.position
        user.email, user.phone, user.active = patch.email, patch.phone, patch.active
        after = person_dict(user)
    await queries.record_audit(hub.db, actor, "person.update", f"user:{user_id}", before=before, after=after)
    return after


# ------------------------------------------------------------------------------ four-eyes access rights


def change_dict(c: AccessChange) -> dict[str, Any]:
    return {
        "id": c.id,
        "user_id": c.user_id,
        "before": c.before,
        "after": c.after,
        "status": c.status,
        "requested_by": c.requested_by,
        "requested_at": c.requested_at,
        "decided_by": c.decided_by,
        "decided_at": c.decided_at,
        "note": c.note,
    }


async def request_access(
    hub: Hub, user_id: str, unit_id: str | None, roles: list[str], actor: str
) -> AccessChange:
    """Ask that a person sit in a unit with roles; nothing changes until a second admin confirms."""
    roles = check_roles(roles)
    unit_id = _blank(unit_id)
    async with hub.db.session() as s:
        user = await s.get(User, user_id)
        if user is None:
            raise OrgError(f"Không có người dùng '{user_id}' (no such user)")
        if unit_id is not None and await s.get(Unit, unit_id) is None:
            raise OrgError(f"Không có đơn vị '{unit_id}' (no such unit)")
        before, after = access_of(user), {"unit_id": unit_id, "roles": roles}
        if before == after:
            raise OrgError(f"Quyền của '{user_id}' không thay đổi (nothing to change)")
        waiting = await s.scalar(
            select(AccessChange.id).where(AccessChange.user_id == user_id, AccessChange.status == PENDING)
        )
        if waiting is not None:
            raise OrgError(
                f"Đã có thay đổi quyền số {waiting} của '{user_id}' đang chờ duyệt "
                "(a change of this person's rights is already pending)"
            )
        change = AccessChange(
            user_id=user_id,
            before=before,
            after=after,
            status=PENDING,
            requested_by=actor,
            requested_at=datetime.now(UTC),
            note="",
        )
        s.add(change)
        await s.flush()
        change_id = change.id
    await queries.record_audit(
        hub.db, actor, "access.request", f"user:{user_id}", change=change_id, before=before, after=after
    )
    return change


async def decide(hub: Hub, change_id: int, actor: str, *, confirm: bool, note: str = "") -> dict[str, Any]:
    """Confirm (a second administrator: not who asked, not the person concerned) or reject a change."""
    async with hub.db.session() as s:
        change = await s.get(AccessChange, change_id)
        if change is None or change.status != PENDING:
            raise OrgError(f"Không có thay đổi quyền số {change_id} đang chờ duyệt (no such pending change)")
        user = await s.get(User, change.user_id)
        if user is None:
            raise OrgError(f"Không có người dùng '{change.user_id}' (no such user)")
        if confirm and actor in (change.requested_by, change.user_id):
            raise OrgError(
                "Người đề nghị hoặc người được thay đổi quyền không thể tự duyệt; cần một quản trị viên khác "
                "(a second administrator must confirm)"
            )
        current = access_of(user)
        if confirm and current != change.before:
            raise OrgError(
                "Quyền của người này đã thay đổi từ khi đề nghị; hãy từ chối và đề nghị lại "
                "(the rights changed since the request)"
            )
        if confirm:
            user.unit_id, user.roles = change.after["unit_id"], list(change.after["roles"])
        change.status = CONFIRMED if confirm else REJECTED
        change.decided_by, change.decided_at, change.note = actor, datetime.now(UTC), note[:300]
        result = change_dict(change)
        after = access_of(user)
    await queries.record_audit(
        hub.db,
        actor,
        "access.confirm" if confirm else "access.reject",
        f"user:{result['user_id']}",
        change=change_id,
        requested_by=result["requested_by"],
        before=current,
        after=after,
    )
    return result


async def pending_changes(hub: Hub) -> list[dict[str, Any]]:
    async with hub.db.session() as s:
        q = select(AccessChange).where(AccessChange.status == PENDING).order_by(AccessChange.id)
        return [change_dict(c) for c in (await s.execute(q)).scalars()]


async def pending_count(db: Database) -> int:
    async with db.session() as s:
        n = await s.scalar(
            select(func.count()).select_from(AccessChange).where(AccessChange.status == PENDING)
        )
        return int(n or 0)


# ---------------------------------------------------------------------------------------- delegations


class DelegationIn(BaseModel):
    """A leader away hands their roles to a deputy for a period (ủy quyền)."""

    from_user_id: str = Field(min_length=1)
    to_user_id: str = Field(min_length=1)
    starts_at: datetime
    ends_at: datetime
    note: str = Field(default="", max_length=300)


def delegation_dict(d: Delegation) -> dict[str, Any]:
    return {
        "id": d.id,
        "from_user_id": d.from_user_id,
        "to_user_id": d.to_user_id,
        "starts_at": queries.aware(d.starts_at).isoformat(),
        "ends_at": queries.aware(d.ends_at).isoformat(),
        "note": d.note,
    }


async def list_delegations(hub: Hub) -> list[dict[str, Any]]:
    async with hub.db.session() as s:
        q = select(Delegation).order_by(Delegation.starts_at.desc())
        return [delegation_dict(d) for d in (await s.execute(q)).scalars()]


async def create_delegation(hub: Hub, data: DelegationIn, actor: str) -> dict[str, Any]:
    if data.from_user_id == data.to_user_id:
        raise OrgError("Không thể tự ủy quyền cho chính mình (a person cannot delegate to themself)")
    if data.ends_at <= data.starts_at:
        raise OrgError("Ngày kết thúc phải sau ngày bắt đầu (the period must end after it starts)")
    async with hub.db.session() as s:
        for uid in (data.from_user_id, data.to_user_id):
            if await s.get(User, uid) is None:
                raise OrgError(f"Không có người dùng '{uid}' (no such user)")
        row = Delegation(**data.model_dump())
        s.add(row)
        await s.flush()
        after = delegation_dict(row)
    await queries.record_audit(
        hub.db, actor, "delegation.create", f"delegation:{after['id']}", before=None, after=after
    )
    return after


async def end_delegation(hub: Hub, delegation_id: int, actor: str) -> None:
    """Remove a delegation (ended early or entered by mistake); audited with what it was."""
    async with hub.db.session() as s:
        row = await s.get(Delegation, delegation_id)
        if row is None:
            raise OrgError(f"Không có ủy quyền số {delegation_id} (no such delegation)")
        before = delegation_dict(row)
        await s.delete(row)
    await queries.record_audit(
        hub.db, actor, "delegation.delete", f"delegation:{delegation_id}", before=before, after=None
    )


# -------------------------------------------------------------------------------- first administrator


async def create_superuser(db: Database, username: str, full_name: str, password: str, actor: str) -> User:
    """An administrator created from the command line: the first one, or the second one four-eyes needs.

    Refused once two active administrators exist (further ones go through the pages and a second admin)."""
    if not re.match(USERNAME, username):
        raise OrgError(f"Tên đăng nhập '{username}' không hợp lệ: chữ thường, số, . _ - (invalid username)")
    reason = weak_password(password, username)
    if reason:
        raise OrgError(reason)
    async with db.session() as s:
        admins = [u for u in (await s.execute(select(User).where(User.active))).scalars() if ADMIN in u.roles]
        if len(admins) >= MIN_ADMINS:
            raise OrgError(
                f"Đã có {len(admins)} quản trị viên; thêm quản trị qua cổng vận hành với hai người duyệt "
                "(administrators already exist: add more through the portal, four-eyes)"
            )
        if await s.scalar(select(User.id).where((User.username == username) | (User.id == username))):
            raise OrgError(f"Tên đăng nhập '{username}' đã tồn tại (username already taken)")
        user = User(
            id=username,
            username=username,
            full_name=full_name,
            position="Quản trị hệ thống",
            roles=[ADMIN, OPERATOR, VIEWER],
            password_hash=hash_password(password),
            active=True,
            preferences={},
        )
        s.add(user)
        after = person_dict(user)
    await queries.record_audit(
        db, actor, "user.create_superuser", f"user:{username}", before=None, after=after
    )
    return user

"""The organisation chart: units, staff accounts, roles and delegations, shared by every module."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base, Database

# Roles of the e-office and of the ops portal.
CLERK = "clerk"  # văn thư
LEADER = "leader"  # lãnh đạo Sở
UNIT_HEAD = "unit_head"  # trưởng phòng / lãnh đạo đơn vị
OFFICER = "officer"  # chuyên viên
VIEWER = "viewer"  # ops portal: read only
OPERATOR = "operator"  # ops portal: may replay and discard
ADMIN = "admin"  # ops portal: users and settings
ROLES = (CLERK, LEADER, UNIT_HEAD, OFFICER, VIEWER, OPERATOR, ADMIN)
ROLE_LABELS = {
    CLERK: "Văn thư",
    LEADER: "Lãnh đạo",
    UNIT_HEAD: "Trưởng đơn vị",
    OFFICER: "Chuyên viên",
    VIEWER: "Xem vận hành",
    OPERATOR: "Vận hành viên",
    ADMIN: "Quản trị",
}


def missing_roles(wanted: tuple[str, ...] | list[str], held: set[str] | frozenset[str]) -> str:
    """The refusal for a person without any of the roles a step needs, in Vietnamese role names."""
    need = ", ".join(ROLE_LABELS.get(r, r) for r in wanted)
    have = ", ".join(ROLE_LABELS.get(r, r) for r in sorted(held)) or "không có vai trò nào"
    return f"Việc này cần vai trò: {need}; tài khoản của bạn: {have}"


class Unit(Base):
    """A unit of the agency (phòng, văn phòng, ban lãnh đạo)."""

    __tablename__ = "hub_units"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("hub_units.id"))
    head_user_id: Mapped[str | None] = mapped_column(String(40))


class User(Base):
    """A staff account: who a person is, where they sit and what they may do."""

    __tablename__ = "hub_users"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    position: Mapped[str] = mapped_column(String(120), default="")
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("hub_units.id"))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    zalo_id: Mapped[str | None] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # bumped on logout and password change: every token carrying an older number is refused
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    preferences: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Delegation(Base):
    """A leader away hands their role to a deputy for a period (ủy quyền)."""

    __tablename__ = "hub_delegations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    from_user_id: Mapped[str] = mapped_column(ForeignKey("hub_users.id"))
    to_user_id: Mapped[str] = mapped_column(ForeignKey("hub_users.id"))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(String(300), default="")


async def get_user(db: Database, user_id: str) -> User | None:
    async with db.session() as s:
        return await s.get(User, user_id)


async def users_of_unit(db: Database, unit_id: str) -> list[User]:
    async with db.session() as s:
        return list((await s.execute(select(User).where(User.unit_id == unit_id, User.active))).scalars())


# Changes of access rights (a person's unit or roles) wait for a second administrator
# (Decree 30/2020/NĐ-CP, Appendix VI, I.III.3.c).
PENDING = "pending"
CONFIRMED = "confirmed"
REJECTED = "rejected"


class AccessChange(Base):
    """A requested change of a person's unit and roles, applied only once a second admin confirms it."""

    __tablename__ = "hub_access_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("hub_users.id"), index=True)
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default=PENDING, index=True)
    requested_by: Mapped[str] = mapped_column(String(80))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(String(300), default="")


MIN_PASSWORD_LENGTH = 12
COMMON_PASSWORDS = frozenset(
    {"password", "matkhau", "123456789012", "qwertyuiop", "admin", "quantri", "abc123", "iloveyou"}
)


def weak_password(password: str, username: str = "") -> str | None:
    """Why a password is too weak (in Vietnamese, with the English), or None when it will do."""
    if len(password) < MIN_PASSWORD_LENGTH:
        n = MIN_PASSWORD_LENGTH
        return f"Mật khẩu phải có ít nhất {n} ký tự (at least {n} characters)"
    kinds = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if kinds < 3:
        return (
            "Mật khẩu phải có ít nhất 3 trong 4 loại: chữ thường, chữ hoa, chữ số, ký hiệu "
            "(at least three of lower case, upper case, digits, symbols)"
        )
    lowered = password.lower()
    if (username and username.lower() in lowered) or any(w in lowered for w in COMMON_PASSWORDS):
        return "Mật khẩu chứa tên đăng nhập hoặc một từ quá phổ biến (contains the username or a common word)"
    return None

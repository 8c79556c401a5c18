"""Who may sign with which key: the signing service signs only for the person bound to it.

A person's key (`key_holders`: signer profile -> user id) is used by that person, or by someone holding
an active delegation (ủy quyền) from them for its period; an organisation seal (`seal_holders`: signer
profile -> unit id) by the clerks (văn thư) of that unit; a USB token certificate (`token_certificates`:
user id -> SHA-256 fingerprints) only by the person it is bound to. Every refusal names who asked and
which key, in Vietnamese.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select

from hub.orgchart import CLERK, Delegation, User

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from adapters.signing.settings import SigningSettings


@dataclass(frozen=True)
class KeyHolders:
    """The bindings of keys and certificates to people, from the settings."""

    personal: dict[str, str] = field(default_factory=dict)
    seals: dict[str, str] = field(default_factory=dict)
    certificates: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, settings: SigningSettings) -> KeyHolders:
        return cls(
            personal=dict(settings.key_holders),
            seals=dict(settings.seal_holders),
            certificates={
                user: frozenset(f.lower().replace(":", "") for f in prints)
                for user, prints in settings.token_certificates.items()
            },
        )

    def certificate_is_bound(self, user_id: str, sha256: str) -> bool:
        return sha256.lower() in self.certificates.get(user_id, frozenset())


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _who(user: User) -> str:
    return f"{user.full_name} ({user.id})"


async def _delegated(session: AsyncSession, holder: str, user_id: str, now: datetime) -> bool:
    rows = (
        await session.execute(
            select(Delegation).where(Delegation.from_user_id == holder, Delegation.to_user_id == user_id)
        )
    ).scalars()
    return any(_aware(d.starts_at) <= now <= _aware(d.ends_at) for d in rows)


async def refusal(
    session: AsyncSession, holders: KeyHolders, profile: str, user_id: str, now: datetime | None = None
) -> str | None:
    """Why `user_id` may not sign with the `profile` key (Vietnamese), or None when they may."""
    moment = now or datetime.now(UTC)
    user = await session.get(User, user_id)
    if user is None or not user.active:
        return f"Tài khoản {user_id!r} không tồn tại hoặc đã ngừng hoạt động nên không được ký số"
    if profile in holders.personal:
        holder_id = holders.personal[profile]
        holder = await session.get(User, holder_id)
        if holder is None or not holder.active:
            return f"Người giữ khóa ký '{profile}' ({holder_id}) không còn hoạt động"
        if user_id == holder_id or await _delegated(session, holder_id, user_id, moment):
            return None
        return (
            f"{_who(user)} không phải người giữ khóa ký '{profile}' ({_who(holder)}) và không được "
            "ủy quyền ký thay trong thời gian này"
        )
    if profile in holders.seals:
        unit = holders.seals[profile]
        if CLERK in (user.roles or []) and user.unit_id == unit:
            return None
        return (
            f"{_who(user)} không phải văn thư của đơn vị {unit}: chỉ văn thư của đơn vị được đóng dấu "
            f"'{profile}'"
        )
    return f"Khóa ký '{profile}' chưa được gán cho người giữ khóa nào (LIENTHONG_SIGNING_KEY_HOLDERS)"

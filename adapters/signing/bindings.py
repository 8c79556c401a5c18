"""USB token certificates bound to people, by an administrator, in the database.

A token signature is accepted only with a certificate bound to the person signing: the bindings here
(added and removed from the ops portal, each audited with who and when) and those an installation
keeps in its settings (`LIENTHONG_SIGNING_TOKEN_CERTIFICATES`). A certificate is bound to one person at
a time, must be valid now and carry a key Circular 15/2025 accepts.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.signing.certcheck import check_key, check_validity, fingerprint
from adapters.signing.models import SignCertificateBinding
from adapters.signing.refusals import SigningRefused
from adapters.signing.token_sign import load_certificate
from hub.errors import Conflict, Invalid, NotFound
from hub.models import AuditEntry
from hub.orgchart import User


class BindingView(BaseModel):
    """A bound certificate as an administrator sees it (never the certificate's bytes)."""

    id: int
    user_id: str
    full_name: str
    certificate_sha256: str
    subject: str
    issuer: str
    serial: str
    not_after: datetime
    bound_by: str
    bound_at: datetime


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def is_bound(session: AsyncSession, user_id: str, sha256: str) -> bool:
    """Whether this certificate is bound to this person now."""
    found = await session.scalar(
        select(SignCertificateBinding.id).where(
            SignCertificateBinding.user_id == user_id,
            SignCertificateBinding.certificate_sha256 == sha256.lower(),
            SignCertificateBinding.unbound_at.is_(None),
        )
    )
    return found is not None


async def listing(session: AsyncSession) -> list[BindingView]:
    """Every certificate bound now, by person."""
    rows = (
        await session.execute(
            select(SignCertificateBinding, User.full_name)
            .join(User, User.id == SignCertificateBinding.user_id, isouter=True)
            .where(SignCertificateBinding.unbound_at.is_(None))
            .order_by(SignCertificateBinding.user_id, SignCertificateBinding.id)
        )
    ).all()
    return [
        BindingView(
            id=b.id,
            user_id=b.user_id,
            full_name=name or b.user_id,
            certificate_sha256=b.certificate_sha256,
            subject=b.subject,
            issuer=b.issuer,
            serial=b.serial,
            not_after=_aware(b.not_after),
            bound_by=b.bound_by,
            bound_at=_aware(b.bound_at),
        )
        for b, name in rows
    ]


def _audit(session: AsyncSession, actor: str, action: str, target: str, **detail: Any) -> None:
    session.add(AuditEntry(at=datetime.now(UTC), actor=actor, action=action, target=target, detail=detail))


async def bind(session: AsyncSession, user_id: str, data: bytes, actor: str) -> SignCertificateBinding:
    """Bind a certificate (PEM or DER) to a person; refused when it is unreadable, not valid now, too
    weak, or already bound to someone."""
    user = await session.get(User, user_id)
    if user is None or not user.active:
        raise NotFound(f"Không có người dùng {user_id} đang hoạt động", field="user_id")
    cert = load_certificate(data)
    now = datetime.now(UTC)
    try:
        check_validity(cert, now)
        check_key(cert)
    except SigningRefused as exc:
        raise Invalid(f"Không gán được chứng thư số: {exc.vi}", field="certificate") from None
    sha = fingerprint(cert)
    holder = await session.scalar(
        select(SignCertificateBinding).where(
            SignCertificateBinding.certificate_sha256 == sha, SignCertificateBinding.unbound_at.is_(None)
        )
    )
    if holder is not None:
        whose = "người này" if holder.user_id == user_id else f"tài khoản {holder.user_id}"
        raise Conflict(f"Chứng thư số này đã được gán cho {whose}: mỗi chứng thư chỉ của một người")
    tbs = cert["tbs_certificate"]
    row = SignCertificateBinding(
        user_id=user_id,
        certificate_sha256=sha,
        subject=cert.subject.human_friendly[:500],
        issuer=cert.issuer.human_friendly[:500],
        serial=format(cert.serial_number, "x"),
        not_after=tbs["validity"]["not_after"].native,
        certificate=cert.dump(),
        bound_by=actor,
        bound_at=now,
    )
    session.add(row)
    _audit(session, actor, "signing.certificate_bound", f"user:{user_id}", sha256=sha, subject=row.subject)
    return row


async def unbind(session: AsyncSession, binding_id: int, actor: str) -> SignCertificateBinding:
    """End a binding: the certificate signs for nobody from now on (kept, with who ended it)."""
    row = await session.get(SignCertificateBinding, binding_id)
    if row is None or row.unbound_at is not None:
        raise NotFound("Không có chứng thư số đang gán này", field="binding")
    row.unbound_at, row.unbound_by = datetime.now(UTC), actor
    _audit(
        session,
        actor,
        "signing.certificate_unbound",
        f"user:{row.user_id}",
        sha256=row.certificate_sha256,
        subject=row.subject,
    )
    return row

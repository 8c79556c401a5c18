"""The USB token signing flow: signatures made on the signer's own computer, for their bound certificate.

The server prepares a signature for a certificate bound to the person (`token_certificates`) that
passes Circular 15/2025 now (`certcheck.py`); the token signs the digest; the server checks that
signature against the prepared digest and the bound certificate, completes the PDF, stores it as a
claim and publishes `sign.token.signed` (the documents module makes it the approved version). Sessions
are rows of `sign_token_sessions` and the PDFs claims in the Object Store: any portal process completes
a session another prepared, after a restart too.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from asn1crypto import x509 as asn1_x509
from sqlalchemy import delete, select

from adapters.signing import bindings, token_sign
from adapters.signing.certcheck import (
    RevocationChecker,
    check_certificate,
    check_validity,
    display_name,
    fingerprint,
)
from adapters.signing.models import PREPARED, SIGNED, SignTokenSession
from adapters.signing.refusals import SigningRefused
from hub.errors import ClaimCheckError, Forbidden, Invalid, NotFound
from hub.models import AuditEntry
from schemas.envelope import ClaimCheck
from schemas.signing import CertificateCheck, PdfTokenSigned

if TYPE_CHECKING:
    from adapters.signing.authority import KeyHolders
    from hub.runtime import Hub

PDF = "application/pdf"
SOURCE = "signing"
GONE = "Phiên ký không tồn tại hoặc đã hết hạn; hãy ký lại"


@dataclass(frozen=True)
class TokenSigned:
    """A PDF completed with the token's signature, stored in the Object Store."""

    session: str
    owner: str
    document_id: str | None
    signer: str
    claim: ClaimCheck
    certificate: CertificateCheck

    @property
    def sha256(self) -> str:
        return self.claim.sha256


@dataclass(frozen=True)
class TokenSession:
    """A prepared session: what the token must sign."""

    id: str
    document_id: str | None
    digest: bytes
    signed_attrs: bytes
    certificate: CertificateCheck


def decode_signature(text: str) -> bytes:
    """The token's signature from its base64 text; a clear refusal otherwise."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid("Chữ ký không phải base64 (trường: signature)", field="signature") from None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _refused(exc: SigningRefused) -> Invalid:
    return Invalid(exc.vi[:1].upper() + exc.vi[1:], field="certificate")


class TokenSigning:
    """The token (USB) signing flow; its sessions are rows of `sign_token_sessions`."""

    def __init__(
        self,
        ttl_seconds: float,
        holders: Callable[[], KeyHolders],
        revocation: RevocationChecker | None = None,
    ) -> None:
        self.ttl = timedelta(seconds=ttl_seconds)
        self._holders = holders  # read at each call: the bindings are settings an operator may change
        self.revocation = revocation or RevocationChecker(roots=[])

    @property
    def holders(self) -> KeyHolders:
        return self._holders()

    async def _bound(self, hub: Hub, owner: str, sha: str) -> bool:
        """Bound to the person: by an administrator in the ops portal, or in the settings."""
        if self.holders.certificate_is_bound(owner, sha):
            return True
        async with hub.db.session() as s:
            return await bindings.is_bound(s, owner, sha)

    async def _checked(
        self, hub: Hub, owner: str, cert: asn1_x509.Certificate, chain: list[asn1_x509.Certificate]
    ) -> CertificateCheck:
        """The certificate is bound to the person and passes Circular 15/2025 now, or the refusal."""
        sha = fingerprint(cert)
        if not await self._bound(hub, owner, sha):
            raise Forbidden(
                f"Chứng thư số {cert.subject.human_friendly} (SHA-256 {sha}) chưa được gán cho tài khoản "
                f"{owner}: đề nghị quản trị gán chứng thư của token cho người ký (cổng vận hành, mục "
                "Chứng thư số ký duyệt)",
                field="certificate",
            )
        try:
            return await check_certificate(cert, chain, datetime.now(UTC), self.revocation)
        except SigningRefused as exc:
            raise _refused(exc) from None

    async def prepare(
        self,
        hub: Hub,
        pdf: bytes | ClaimCheck,
        certificate: str,
        chain: list[str],
        *,
        owner: str,
        document_id: str | None,
        version: int | None = None,
    ) -> TokenSession:
        """Reserve the signature in the PDF for the owner's bound certificate; what the token must sign."""
        cert = token_sign.load_certificate(certificate)
        extra = [token_sign.load_certificate(c) for c in chain]
        checked = await self._checked(hub, owner, cert, extra)
        if isinstance(pdf, ClaimCheck):
            original = pdf
            try:
                data = await hub.claims.get(pdf)
            except ClaimCheckError:
                raise NotFound("Không tìm thấy tệp cần ký trong kho lưu trữ", field="document") from None
        else:
            data = pdf
            if not data.startswith(b"%PDF"):
                raise token_sign.TokenSigningError("Tệp cần ký không phải PDF")
            original = await hub.claims.put(data, media_type=PDF)
        prepared = await token_sign.prepare(data, cert, extra)
        placeholder = await hub.claims.put(prepared.output, media_type=PDF)
        now = datetime.now(UTC)
        row = SignTokenSession(
            id=secrets.token_urlsafe(18),
            owner=owner,
            document_id=document_id,
            version=version,
            original=original.model_dump(mode="json"),
            prepared=placeholder.model_dump(mode="json"),
            signed_attrs=prepared.signed_attrs,
            document_digest=prepared.document_digest,
            reserved_start=prepared.reserved_start,
            reserved_end=prepared.reserved_end,
            certificate=cert.dump(),
            chain=[base64.b64encode(c.dump()).decode("ascii") for c in extra],
            certificate_sha256=checked.sha256,
            certificate_check=checked.model_dump(mode="json"),
            state=PREPARED,
            created_at=now,
            expires_at=now + self.ttl,
        )
        async with hub.db.session() as s:
            await s.execute(
                delete(SignTokenSession).where(
                    SignTokenSession.state == PREPARED, SignTokenSession.expires_at < now
                )
            )
            s.add(row)
        return TokenSession(row.id, document_id, prepared.digest, prepared.signed_attrs, checked)

    async def _load(self, hub: Hub, session: str, owner: str) -> SignTokenSession:
        async with hub.db.session() as s:
            row = await s.get(SignTokenSession, session)
        if row is None or row.owner != owner:
            raise token_sign.TokenSigningError(GONE)
        if row.state == PREPARED and _aware(row.expires_at) < datetime.now(UTC):
            raise token_sign.TokenSigningError(GONE)
        return row

    async def complete(self, hub: Hub, session: str, owner: str, signature: bytes) -> TokenSigned:
        """Check the token's signature against the digest and the bound certificate, embed it, publish."""
        row = await self._load(hub, session, owner)
        if row.state == SIGNED:
            return _done(row)
        cert = asn1_x509.Certificate.load(row.certificate)
        if not await self._bound(hub, owner, row.certificate_sha256):
            raise Forbidden(f"Chứng thư số của phiên ký không còn được gán cho tài khoản {owner}")
        try:
            check_validity(cert, datetime.now(UTC))
        except SigningRefused as exc:
            raise _refused(exc) from None
        prepared = token_sign.Prepared(
            output=await hub.claims.get(ClaimCheck.model_validate(row.prepared)),
            signed_attrs=row.signed_attrs,
            document_digest=row.document_digest,
            reserved_start=row.reserved_start,
            reserved_end=row.reserved_end,
            certificate=cert,
            chain=[asn1_x509.Certificate.load(base64.b64decode(c)) for c in row.chain],
        )
        signed = await token_sign.complete(prepared, signature)
        claim = await hub.claims.put(signed, media_type=PDF)
        return await self._record(hub, row.id, owner, claim, display_name(cert))

    async def _record(
        self, hub: Hub, session: str, owner: str, claim: ClaimCheck, subject: str
    ) -> TokenSigned:
        """Mark the session signed and publish `sign.token.signed` in one transaction (outbox)."""
        async with hub.transaction(source=SOURCE, user_id=owner) as work:
            stmt = select(SignTokenSession).where(SignTokenSession.id == session).with_for_update()
            row = (await work.session.execute(stmt)).scalar_one()
            if row.state == SIGNED:  # a concurrent completion of the same session won
                return _done(row)
            now = datetime.now(UTC)
            row.state, row.signed, row.signer_subject, row.completed_at = (
                SIGNED,
                claim.model_dump(mode="json"),
                subject,
                now,
            )
            check = CertificateCheck.model_validate(row.certificate_check)
            await work.emit(
                "sign.token.signed",
                PdfTokenSigned(
                    session=row.id,
                    user_id=row.owner,
                    document_id=row.document_id,
                    version=row.version,
                    original=ClaimCheck.model_validate(row.original),
                    signed=claim,
                    signer_subject=subject,
                    certificate=check,
                    signed_at=now,
                ),
                issue=row.document_id,
            )
            work.session.add(
                AuditEntry(
                    at=now,
                    actor=row.owner,
                    action="signing.token_signed",
                    target=f"document:{row.document_id}" if row.document_id else f"token-session:{row.id}",
                    detail={
                        "session": row.id,
                        "certificate_sha256": row.certificate_sha256,
                        "sha256": claim.sha256,
                    },
                )
            )
            return _done(row)

    async def signed(self, hub: Hub, session: str, owner: str) -> TokenSigned:
        """The signed file of a session, for its owner only (anyone else is told there is none)."""
        async with hub.db.session() as s:
            row = await s.get(SignTokenSession, session)
        if row is None or row.owner != owner or row.state != SIGNED:
            raise NotFound("Không có tệp đã ký này")
        return _done(row)


def _done(row: SignTokenSession) -> TokenSigned:
    assert row.signed is not None
    return TokenSigned(
        session=row.id,
        owner=row.owner,
        document_id=row.document_id,
        signer=row.signer_subject or "",
        claim=ClaimCheck.model_validate(row.signed),
        certificate=CertificateCheck.model_validate(row.certificate_check),
    )

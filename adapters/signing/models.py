"""Tables of the signing adapter: token (USB) signing sessions, kept until completed or expired."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db import Base

PREPARED = "prepared"
SIGNED = "signed"


class SignTokenSession(Base):
    """A signature reserved in a PDF for one person's token: what the token must sign, and the outcome.

    Everything needed to complete the PDF is here (the prepared PDF itself is a claim in the Object
    Store), so any portal process completes a session another one prepared, after a restart too.
    """

    __tablename__ = "sign_token_sessions"
    __table_args__ = (
        Index("ix_sign_token_sessions_owner", "owner"),
        Index("ix_sign_token_sessions_due", "state", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner: Mapped[str] = mapped_column(String(120))
    document_id: Mapped[str | None] = mapped_column(String(120))
    version: Mapped[int | None] = mapped_column(Integer)
    original: Mapped[dict[str, Any]] = mapped_column(JSON)  # claim check of the PDF to sign
    prepared: Mapped[dict[str, Any]] = mapped_column(JSON)  # claim check of the PDF with the placeholder
    signed_attrs: Mapped[bytes] = mapped_column(LargeBinary)  # DER of the CMS signed attributes
    document_digest: Mapped[bytes] = mapped_column(LargeBinary)
    reserved_start: Mapped[int] = mapped_column(Integer)
    reserved_end: Mapped[int] = mapped_column(Integer)
    certificate: Mapped[bytes] = mapped_column(LargeBinary)  # DER
    chain: Mapped[list[str]] = mapped_column(JSON, default=list)  # base64 DER
    certificate_sha256: Mapped[str] = mapped_column(String(64))
    certificate_check: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default=PREPARED)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    signed: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # claim check of the signed PDF
    signer_subject: Mapped[str | None] = mapped_column(String(500))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SignCertificateBinding(Base):
    """A USB token certificate bound to the one person who may sign with it (bound and unbound by an
    administrator, each audited); the token flow accepts only the certificates bound to its caller."""

    __tablename__ = "sign_certificate_bindings"
    __table_args__ = (Index("ix_sign_certificate_bindings_sha", "certificate_sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(120), index=True)
    certificate_sha256: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(500))
    issuer: Mapped[str] = mapped_column(String(500))
    serial: Mapped[str] = mapped_column(String(80))
    not_after: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    certificate: Mapped[bytes] = mapped_column(LargeBinary)
    bound_by: Mapped[str] = mapped_column(String(120))
    bound_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    unbound_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    unbound_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

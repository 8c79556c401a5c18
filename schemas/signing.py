"""Signing service contract: what to sign or validate, the reports, and the bus messages.

Commands `sign.pdf.requested` and `sign.validate.requested` carry the document as a claim check and a
request; their outcomes (same correlation id) carry the signed revision or the validation report. A
signing request names the acting user: the service signs only for a person bound to the key (a leader's
key: that leader or an active delegate; the seal: the clerks of its unit). `sign.token.signed` tells that
a person completed a signature with their own USB token. The signing adapter (`adapters/signing/`)
implements this contract; modules only ever import this file.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.envelope import ClaimCheck
from schemas.registry import message_type


class PadesLevel(StrEnum):
    """PAdES baseline level produced by a signature."""

    B_B = "B-B"
    B_T = "B-T"
    B_LT = "B-LT"


class SigningStage(StrEnum):
    """Which of the two Decree 30 signatures is made."""

    APPROVAL = "approval"  # the competent person's signature (leader, each approver in turn)
    ISSUE = "issue"  # the organisation's issuing signature applied by the clerk (văn thư)


class StampBox(BaseModel):
    """Where the visible signature goes: 1-based page and a rectangle in PDF points, origin bottom-left."""

    model_config = ConfigDict(frozen=True)

    page: int = Field(default=1, ge=1, description="1-based page number; -1 is not allowed")
    x1: float = Field(ge=0)
    y1: float = Field(ge=0)
    x2: float = Field(gt=0)
    y2: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> StampBox:
        if self.x2 - self.x1 < 40 or self.y2 - self.y1 < 30:
            raise ValueError(
                f"stamp box ({self.x1}, {self.y1}, {self.x2}, {self.y2}) must be at least 40 x 30 points"
            )
        return self


class SignPdfRequest(BaseModel):
    """Ask for one visible PAdES signature by a configured signer profile."""

    signer: str = Field(min_length=1, description="Name of a signer profile in the signing configuration")
    stage: SigningStage = SigningStage.APPROVAL
    box: StampBox
    level: PadesLevel = PadesLevel.B_T
    field_name: str | None = Field(default=None, description="Name of the new signature field")
    reason: str | None = None
    location: str = "Hà Nội"
    document_number: str | None = Field(
        default=None, description="Số và ký hiệu, e.g. 15/QĐ-SKHĐT; required for the issuing signature"
    )
    issued_on: date | None = Field(default=None, description="Ngày ban hành; today when absent")
    place_name: str = Field(default="Hà Nội", description="Địa danh in the date line")

    @model_validator(mode="after")
    def _issue_needs_number(self) -> SignPdfRequest:
        if self.stage is SigningStage.ISSUE and not self.document_number:
            raise ValueError("the issuing signature needs document_number (số và ký hiệu)")
        return self


RevocationStatus = Literal["good", "revoked", "unknown", "not_checked"]


class CertificateCheck(BaseModel):
    """What was checked of the signer's certificate before signing (Circular 15/2025/TT-BKHCN).

    A certificate that is expired, not yet valid, revoked or with a weak key is refused before signing;
    `revocation` is "good" when an OCSP responder or a CRL answered, "not_checked" when none could be
    reached (the reason is in `revocation_detail`).
    """

    subject: str
    serial: str
    sha256: str = Field(description="SHA-256 fingerprint of the DER certificate (hex)")
    not_before: datetime
    not_after: datetime
    key: str = Field(description='Key algorithm and size, e.g. "RSA 2048", "ECDSA 256"')
    revocation: RevocationStatus
    revocation_detail: str = Field(default="", description="How revocation was checked, or why it was not")
    message_vi: str


class SignPdfResult(BaseModel):
    """What was signed; the signed PDF bytes are returned beside this model."""

    field_name: str
    signer_subject: str
    signer_serial: str
    stage: SigningStage
    level: PadesLevel
    signed_at: datetime
    sha256: str
    size: int
    certificate: CertificateCheck | None = Field(
        default=None, description="The checks of the signer's certificate made before signing"
    )


class ValidatePdfRequest(BaseModel):
    """Ask for a validation report of every signature in a PDF."""

    require_revocation_info: bool = Field(
        default=False,
        description="Treat signatures without embedded revocation data as indeterminate (B-LT policy)",
    )


class Verdict(StrEnum):
    """Plain outcome of one signature or a whole document."""

    VALID = "valid"
    INVALID = "invalid"
    INDETERMINATE = "indeterminate"


class Problem(StrEnum):
    """Machine-readable reason a signature is not plainly valid."""

    TAMPERED = "tampered"
    UNSAFE_CHANGES = "unsafe_changes"
    NOT_COVERING_FILE = "not_covering_file"
    UNTRUSTED = "untrusted"
    EXPIRED = "expired"
    REVOKED = "revoked"
    NO_REVOCATION_INFO = "no_revocation_info"
    BAD_TIMESTAMP = "bad_timestamp"
    INVALID_SIGNATURE = "invalid_signature"
    NO_SIGNATURES = "no_signatures"
    UNVERIFIABLE = "unverifiable"


class CertificateInfo(BaseModel):
    """One certificate in a chain, as shown to a clerk."""

    subject: str
    common_name: str | None
    issuer: str
    serial: str
    not_before: datetime
    not_after: datetime
    sha256: str


class SignatureReport(BaseModel):
    """Everything a reviewer needs to know about one signature."""

    field_name: str
    signer: CertificateInfo | None
    chain: list[CertificateInfo] = Field(description="Signer first, trust anchor last when a path was found")
    trusted: bool
    intact: bool
    cryptographically_valid: bool
    coverage: str = Field(description="ENTIRE_FILE, ENTIRE_REVISION or CONTENTS_ONLY")
    modification_level: str | None = Field(
        description="NONE, LTA_UPDATES, FORM_FILLING, ANNOTATIONS or OTHER: what changed after signing"
    )
    changes_allowed: bool
    later_signatures: list[str] = Field(default_factory=list, description="Fields signed after this one")
    changes_vi: str = Field(default="", description="What changed after this signature, in Vietnamese")
    changes_en: str = Field(default="", description="What changed after this signature, in English")
    signing_time: datetime | None = Field(description="Time claimed by the signer (not proven)")
    timestamp_time: datetime | None = Field(description="Time proven by an RFC 3161 token, if any")
    timestamp_valid: bool | None
    timestamp_authority: str | None
    revocation: RevocationStatus
    revoked_at: datetime | None = None
    level: str = Field(description="PAdES level found: B-B, B-T, B-LT or B-LTA")
    verdict: Verdict
    problems: list[Problem]
    message_vi: str
    message_en: str
    detail: str | None = Field(default=None, description="Technical detail from the validator")


class ValidationReport(BaseModel):
    """Validation of a whole PDF: one entry per signature, oldest first, and a document verdict."""

    signatures: list[SignatureReport]
    verdict: Verdict
    message_vi: str
    message_en: str
    sha256: str


@message_type("sign.pdf.requested", "lt.sign.cmd.pdf")
class SignPdfRequested(BaseModel):
    """Sign the claim-checked PDF as the request says (approval or issuing signature).

    `user_id` is the person asking: the service refuses (`sign.pdf.refused`, dead letter, audit row)
    unless that person is bound to the signer profile's key.
    """

    document: ClaimCheck
    request: SignPdfRequest
    user_id: str = Field(min_length=1, max_length=120, description="The acting user (hub_users.id)")


@message_type("sign.pdf.signed", "lt.sign.evt.pdf_signed")
class PdfSigned(BaseModel):
    """The PDF was signed; the signed revision is a new claim-checked object."""

    original: ClaimCheck
    signed: ClaimCheck
    result: SignPdfResult


@message_type("sign.pdf.refused", "lt.sign.evt.pdf_refused")
class PdfSignRefused(BaseModel):
    """The PDF was not signed; the reason is given in Vietnamese and English."""

    original: ClaimCheck
    request: SignPdfRequest
    reason_vi: str
    reason_en: str


@message_type("sign.validate.requested", "lt.sign.cmd.validate")
class ValidateRequested(BaseModel):
    """Validate every signature of the claim-checked PDF or edXML message (told apart by content)."""

    document: ClaimCheck
    request: ValidatePdfRequest = Field(default_factory=ValidatePdfRequest)


@message_type("sign.validate.completed", "lt.sign.evt.validated")
class DocumentValidated(BaseModel):
    """Validation report of a PDF or edXML message, with a plain verdict per signature."""

    document: ClaimCheck
    report: ValidationReport


@message_type("sign.validate.failed", "lt.sign.evt.validate_failed")
class ValidationFailed(BaseModel):
    """The input could not be validated at all (neither a readable PDF nor edXML)."""

    document: ClaimCheck
    reason_vi: str
    reason_en: str


@message_type("sign.token.signed", "lt.sign.evt.token_signed")
class PdfTokenSigned(BaseModel):
    """A person completed a signature with their own USB token (the token API of the signing adapter).

    The signature was checked against the prepared digest and the certificate bound to `user_id`; the
    documents module makes `signed` the approved version of `document_id` when it is the leader's turn.
    """

    session: str
    user_id: str
    document_id: str | None
    version: int | None = None
    original: ClaimCheck = Field(description="The PDF that was prepared for signing")
    signed: ClaimCheck
    signer_subject: str
    certificate: CertificateCheck
    signed_at: datetime

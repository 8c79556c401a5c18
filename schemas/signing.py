"""Signing service messages: sign a PDF, validate a PDF, and their outcomes (linked by correlation id)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from adapters.signing.models import SignPdfRequest, SignPdfResult, ValidatePdfRequest, ValidationReport
from schemas.envelope import ClaimCheck
from schemas.registry import message_type


@message_type("sign.pdf.requested", "lt.sign.cmd.pdf")
class SignPdfRequested(BaseModel):
    """Sign the claim-checked PDF as the request says (approval or issuing signature)."""

    document: ClaimCheck
    request: SignPdfRequest


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

"""Validation report for an edXML message's XML-DSig signature (thin wrapper over schemas/edxml/dsig.py)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization

from adapters.signing.pades_report import cert_info
from adapters.signing.verdicts import document_messages, signature_messages, verdict_for
from schemas.edxml.dsig import TrustConfig, verify_edoc
from schemas.edxml.errors import (
    InvalidSignatureError,
    MissingSignatureError,
    SignatureError,
    UntrustedSignerError,
    WeakAlgorithmError,
)
from schemas.signing import Problem, SignatureReport, ValidationReport, Verdict


class NotEdxml(ValueError):
    """The input is not a readable edXML message."""


def _report(
    problems: list[Problem], signer: asn1_x509.Certificate | None, detail: str | None
) -> SignatureReport:
    verdict = verdict_for(problems)
    info = cert_info(signer) if signer is not None else None
    who = (info.common_name if info else None) or "người ký / the signer"
    vi, en = signature_messages(who, verdict, problems)
    return SignatureReport(
        field_name="edXMLHeader/Signature",
        signer=info,
        chain=[info] if info else [],
        trusted=Problem.UNTRUSTED not in problems and signer is not None,
        intact=Problem.TAMPERED not in problems and signer is not None,
        cryptographically_valid=not problems,
        coverage="ENTIRE_FILE" if not problems else "UNCLEAR",
        modification_level=None,
        changes_allowed=not problems,
        signing_time=None,
        timestamp_time=None,
        timestamp_valid=None,
        timestamp_authority=None,
        revocation="not_checked",
        level="XML-DSig",
        verdict=verdict,
        problems=problems,
        message_vi=vi,
        message_en=en,
        detail=detail,
    )


def validate_edxml(
    data: bytes, trust_anchors: list[Path], *, allow_sha1: bool = False, at: datetime | None = None
) -> ValidationReport:
    """Verify the edXML signature against the PEM trust anchors and report it like a PDF signature."""
    trust = TrustConfig(trust_anchors, allow_sha1=allow_sha1, verification_time=at or datetime.now(UTC))
    try:
        result = verify_edoc(data, trust)
    except MissingSignatureError:
        reports: list[SignatureReport] = []
    except UntrustedSignerError as exc:
        reports = [_report([Problem.UNTRUSTED], None, str(exc))]
    except WeakAlgorithmError as exc:
        reports = [_report([Problem.INVALID_SIGNATURE], None, str(exc))]
    except InvalidSignatureError as exc:
        reports = [_report([Problem.TAMPERED], None, str(exc))]
    except SignatureError as exc:
        reports = [_report([Problem.INVALID_SIGNATURE], None, str(exc))]
    except ValueError as exc:
        raise NotEdxml(f"not a readable edXML message: {exc}") from None
    else:
        signer = asn1_x509.Certificate.load(result.signer.public_bytes(serialization.Encoding.DER))
        reports = [_report([], signer, f"{result.signature_method}, {result.digest_method}")]
    verdict, vi, en = document_messages([r.verdict for r in reports])
    return ValidationReport(
        signatures=reports,
        verdict=verdict if reports else Verdict.INVALID,
        message_vi=vi,
        message_en=en,
        sha256=hashlib.sha256(data).hexdigest(),
    )

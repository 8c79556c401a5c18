"""PAdES validation report: every PDF signature validated offline (AdES with time, LOCAL_ONLY), explained."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate, AdESPassed, AdESSubIndic
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, ModificationLevel
from pyhanko.sign.validation import ades, generic_cms
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.policy_decl import (
    LocalKnowledge,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
    bootstrap_validation_data_handlers,
)
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from pyhanko_certvalidator.registry import SimpleTrustManager
from pyhanko_certvalidator.revinfo.archival import CRLContainer, OCSPContainer

from adapters.signing.verdicts import changes_text, document_messages, signature_messages, verdict_for
from schemas.signing import (
    CertificateInfo,
    Problem,
    RevocationStatus,
    SignatureReport,
    ValidatePdfRequest,
    ValidationReport,
    Verdict,
)

log = logging.getLogger(__name__)

_REVOKED = {AdESFailure.REVOKED, AdESIndeterminate.REVOKED_NO_POE, AdESIndeterminate.REVOKED_CA_NO_POE}
_EXPIRED = {
    AdESIndeterminate.EXPIRED,
    AdESIndeterminate.NOT_YET_VALID,
    AdESFailure.NOT_YET_VALID,
    AdESIndeterminate.OUT_OF_BOUNDS_NO_POE,
    AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED,
}
_UNTRUSTED = {AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND}
_TAMPERED = {AdESFailure.HASH_FAILURE}
_CRYPTO = {AdESFailure.SIG_CRYPTO_FAILURE, AdESFailure.FORMAT_FAILURE}
_BAD_TS = {AdESIndeterminate.TIMESTAMP_ORDER_FAILURE}
# First pass: the signer's certificate must have revocation data; CAs are checked with whatever is there.
_STRICT = RevocationCheckingPolicy(
    ee_certificate_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
    intermediate_ca_cert_rule=RevocationCheckingRule.CHECK_IF_DECLARED_SOFT,
)
# Second pass: use revocation data when present (a revoked status still fails), tolerate its absence.
_LENIENT = RevocationCheckingPolicy(
    ee_certificate_rule=RevocationCheckingRule.CHECK_IF_DECLARED_SOFT,
    intermediate_ca_cert_rule=RevocationCheckingRule.CHECK_IF_DECLARED_SOFT,
)


@dataclass
class TrustSettings:
    """Trust anchors and offline material for validation; nothing here is fetched unless online is set."""

    roots: list[asn1_x509.Certificate]
    extra_certs: list[asn1_x509.Certificate] = field(default_factory=list)
    crls: list[asn1_crl.CertificateList] = field(default_factory=list)
    online: bool = False

    @staticmethod
    def load_crls(paths: list[Path]) -> list[asn1_crl.CertificateList]:
        """Read CRL files (PEM or DER) synchronised onto the closed network."""
        out = []
        for path in paths:
            data = path.read_bytes()
            if pem.detect(data):
                _, _, data = pem.unarmor(data)
            out.append(asn1_crl.CertificateList.load(data))
        return out


def cert_info(cert: asn1_x509.Certificate) -> CertificateInfo:
    """Summarise a certificate for a report."""
    validity = cert["tbs_certificate"]["validity"]
    cn = cert.subject.native.get("common_name")
    return CertificateInfo(
        subject=cert.subject.human_friendly,
        common_name=cn if isinstance(cn, str) else None,
        issuer=cert.issuer.human_friendly,
        serial=format(cert.serial_number, "x"),
        not_before=validity["not_before"].native,
        not_after=validity["not_after"].native,
        sha256=cert.sha256.hex(),
    )


def _spec(trust: TrustSettings, knowledge: LocalKnowledge, require_revinfo: bool) -> SignatureValidationSpec:
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=trust.roots),
        revinfo_policy=CertRevTrustPolicy(_STRICT if require_revinfo else _LENIENT),
    )
    rule = RevinfoOnlineFetchingRule.ALWAYS_FETCH if trust.online else RevinfoOnlineFetchingRule.LOCAL_ONLY
    return SignatureValidationSpec(
        cert_validation_policy=policy,
        revinfo_gathering_policy=RevocationInfoGatheringSpec(online_fetching_rule=rule),
        local_knowledge=knowledge,
    )


def _ocsp_about(ocsp: OCSPContainer, cert: asn1_x509.Certificate) -> bool:
    basic = ocsp.ocsp_response_data["response_bytes"]["response"].parsed
    cert_id = basic["tbs_response_data"]["responses"][ocsp.index]["cert_id"]
    algo = cert_id["hash_algorithm"]["algorithm"].native
    return bool(
        cert_id["serial_number"].native == cert.serial_number
        and cert_id["issuer_name_hash"].native == hashlib.new(algo, cert.issuer.dump()).digest()
    )


def _knowledge(sig: EmbeddedPdfSignature, trust: TrustSettings) -> tuple[LocalKnowledge, LocalKnowledge]:
    """Return (embedded knowledge, embedded plus configured knowledge), OCSP limited to this signature's path.

    A DSS shared by several signatures holds OCSP responses about other signers; pyHanko treats a
    declared-but-mismatching OCSP response as a failure, so responses about other certificates are dropped.
    """
    dss = ades._dss_to_local_knowledge(reader=sig.reader)
    ria = ades._adobe_revinfo_archival_to_local_knowledge(sig)
    certs = [sig.signer_cert, *dss.known_certs, *trust.extra_certs, *trust.roots]
    relevant = [sig.signer_cert, *(c for c in certs if c.ca)]
    ocsps = [o for o in dss.known_ocsps + ria.known_ocsps if any(_ocsp_about(o, c) for c in relevant)]
    embedded = LocalKnowledge(
        known_ocsps=ocsps,
        known_crls=dss.known_crls + ria.known_crls,
        known_certs=dss.known_certs + trust.extra_certs,
    )
    configured = dataclasses.replace(
        embedded, known_crls=embedded.known_crls + [CRLContainer(c) for c in trust.crls]
    )
    return embedded, configured


def _has_revinfo_for(knowledge: LocalKnowledge, cert: asn1_x509.Certificate) -> bool:
    if any(_ocsp_about(o, cert) for o in knowledge.known_ocsps):
        return True
    return any(c.crl_data.issuer == cert.issuer for c in knowledge.known_crls)


async def _with_time(
    sig: EmbeddedPdfSignature, spec: SignatureValidationSpec
) -> ades.AdESBasicValidationResult[Any]:
    """Run ETSI EN 319 102-1 validation with time (§5.5), or basic validation (§5.3) for B-B."""
    timing = ValidationTimingInfo.now()
    handlers = bootstrap_validation_data_handlers(spec=spec, timing_info=timing)
    timestamped = next(generic_cms.extract_tst_data_iter(sig.signer_info, signed=False), None) is not None
    if timestamped:
        return await ades.ades_with_time_validation(
            signed_data=sig.signed_data,
            validation_spec=spec,
            timing_info=timing,
            validation_data_handlers=handlers,
            raw_digest=sig.compute_digest(),
            extra_status_kwargs=sig.summarise_integrity_info(),
            status_cls=PdfSignatureStatus,
        )
    result = await ades.ades_basic_validation(
        signed_data=sig.signed_data,
        validation_spec=spec,
        timing_info=timing,
        validation_data_handlers=handlers,
        raw_digest=sig.compute_digest(),
    )
    # pyHanko 0.38's basic validation ignores status_cls: attach the PDF integrity data ourselves.
    status = result.api_status
    if status is not None and not isinstance(status, PdfSignatureStatus):
        base = {f.name: getattr(status, f.name) for f in dataclasses.fields(status) if f.init}
        result = dataclasses.replace(
            result, api_status=PdfSignatureStatus(**base, **sig.summarise_integrity_info())
        )
    return result


def _problems_from(subindic: AdESSubIndic) -> list[Problem]:
    for codes, problem in (
        (_REVOKED, Problem.REVOKED),
        (_EXPIRED, Problem.EXPIRED),
        (_UNTRUSTED, Problem.UNTRUSTED),
        (_TAMPERED, Problem.TAMPERED),
        (_CRYPTO, Problem.INVALID_SIGNATURE),
        (_BAD_TS, Problem.BAD_TIMESTAMP),
    ):
        if subindic in codes:
            return [problem]
    if isinstance(subindic, AdESFailure):
        return [Problem.INVALID_SIGNATURE]
    return [Problem.UNVERIFIABLE]


def _level(
    sig: EmbeddedPdfSignature, timestamped: bool, embedded_revinfo: bool, reader: PdfFileReader
) -> str:
    if not timestamped:
        return "B-B"
    later_doc_ts = any(
        s.sig_object.get("/Type") == "/DocTimeStamp" and s.signed_revision > sig.signed_revision
        for s in reader.embedded_timestamp_signatures
    )
    if embedded_revinfo and later_doc_ts:
        return "B-LTA"
    return "B-LT" if embedded_revinfo else "B-T"


@dataclass
class _Outcome:
    """What the AdES passes found about one signature, before the PDF-level checks are added."""

    result: ades.AdESBasicValidationResult[Any]
    problems: list[Problem]
    revocation: RevocationStatus
    detail: str | None
    revoked_at: datetime | None = None


async def _ades_outcome(
    sig: EmbeddedPdfSignature, trust: TrustSettings, knowledge: LocalKnowledge, req: ValidatePdfRequest
) -> _Outcome:
    """Validate strictly (revocation data required), then without revocation data when that was missing."""
    result = await _with_time(sig, _spec(trust, knowledge, require_revinfo=True))
    indic = result.ades_subindic
    if indic is AdESPassed.OK:
        return _Outcome(result, [], "good", result.failure_msg)
    if indic in _REVOKED:
        return _Outcome(result, [Problem.REVOKED], "revoked", result.failure_msg)
    if not isinstance(indic, AdESIndeterminate) or indic in _UNTRUSTED:
        return _Outcome(result, _problems_from(indic), "not_checked", result.failure_msg)
    # Most likely no revocation data: check everything else without it.
    second = await _with_time(sig, _spec(trust, knowledge, require_revinfo=False))
    detail = second.failure_msg or result.failure_msg
    if second.ades_subindic in _REVOKED:
        return _Outcome(second, [Problem.REVOKED], "revoked", detail)
    if second.ades_subindic is AdESPassed.OK:
        problems = [Problem.NO_REVOCATION_INFO] if req.require_revocation_info else []
        return _Outcome(second, problems, "unknown", detail)
    return _Outcome(second, _problems_from(second.ades_subindic), "not_checked", detail)


def _pdf_problems(status: PdfSignatureStatus, outcome: _Outcome) -> None:
    """Add what the PDF itself shows: revocation found, tampering, coverage, changes, the timestamp."""
    problems = outcome.problems
    if status.revocation_details is not None:
        outcome.revocation, outcome.revoked_at = "revoked", status.revocation_details.revocation_date
        if Problem.REVOKED not in problems:
            problems.append(Problem.REVOKED)
    if not status.intact and Problem.TAMPERED not in problems:
        problems.insert(0, Problem.TAMPERED)
    if (status.coverage or SignatureCoverageLevel.UNCLEAR) < SignatureCoverageLevel.ENTIRE_REVISION:
        problems.append(Problem.NOT_COVERING_FILE)
    if status.docmdp_ok is False or status.modification_level in (ModificationLevel.OTHER, None):
        problems.append(Problem.UNSAFE_CHANGES)
    ts = status.timestamp_validity
    if ts is not None and not (ts.intact and ts.valid):
        problems.append(Problem.BAD_TIMESTAMP)
    outcome.problems = list(dict.fromkeys(problems))


def _chain(status: PdfSignatureStatus, signer: asn1_x509.Certificate) -> list[CertificateInfo]:
    """The certificate path, signer first, trust anchor last (the signer alone when no path was found)."""
    path = status.validation_path
    if not path:
        return [cert_info(signer)]
    return list(reversed([cert_info(c) for c in path.iter_certs(include_root=True)]))


def _later_signatures(sig: EmbeddedPdfSignature, reader: PdfFileReader) -> list[str]:
    return [
        s.field_name
        for s in reader.embedded_regular_signatures
        if s.signed_revision > sig.signed_revision and s.field_name
    ]


async def validate_signature(
    sig: EmbeddedPdfSignature, reader: PdfFileReader, req: ValidatePdfRequest, trust: TrustSettings
) -> SignatureReport:
    """Validate one signature at the current time from embedded and configured data only."""
    sig.compute_integrity_info(diff_policy=DEFAULT_DIFF_POLICY)  # type: ignore[no-untyped-call]
    embedded, knowledge = _knowledge(sig, trust)
    signer = sig.signer_cert
    outcome = await _ades_outcome(sig, trust, knowledge, req)
    status = outcome.result.api_status
    assert isinstance(status, PdfSignatureStatus)
    _pdf_problems(status, outcome)
    problems = outcome.problems
    verdict = verdict_for(problems)
    who = cert_info(signer).common_name or signer.subject.human_friendly
    vi, en = signature_messages(who, verdict, problems)
    later = _later_signatures(sig, reader)
    level = status.modification_level
    changes_vi, changes_en = changes_text(level.name if level is not None else None, later)
    ts = status.timestamp_validity
    return SignatureReport(
        field_name=sig.field_name,
        signer=cert_info(signer),
        chain=_chain(status, signer),
        trusted=status.validation_path is not None and Problem.UNTRUSTED not in problems,
        intact=status.intact,
        cryptographically_valid=status.intact and status.valid,
        coverage=(status.coverage or SignatureCoverageLevel.UNCLEAR).name,
        modification_level=level.name if level is not None else None,
        changes_allowed=bool(status.docmdp_ok) and level is not ModificationLevel.OTHER,
        later_signatures=later,
        changes_vi=changes_vi,
        changes_en=changes_en,
        signing_time=sig.self_reported_timestamp,
        timestamp_time=ts.timestamp if ts is not None else None,
        timestamp_valid=(ts.intact and ts.valid) if ts is not None else None,
        timestamp_authority=ts.signing_cert.subject.human_friendly if ts is not None else None,
        revocation=outcome.revocation,
        revoked_at=outcome.revoked_at,
        level=_level(sig, ts is not None, _has_revinfo_for(embedded, signer), reader),
        verdict=verdict,
        problems=problems,
        message_vi=vi,
        message_en=en,
        detail=outcome.detail,
    )


def _broken(sig: EmbeddedPdfSignature, exc: Exception) -> SignatureReport:
    problems = [Problem.INVALID_SIGNATURE]
    vi, en = signature_messages(sig.field_name or "?", Verdict.INVALID, problems)
    return SignatureReport(
        field_name=sig.field_name or "?",
        signer=None,
        chain=[],
        trusted=False,
        intact=False,
        cryptographically_valid=False,
        coverage="UNCLEAR",
        modification_level=None,
        changes_allowed=False,
        signing_time=None,
        timestamp_time=None,
        timestamp_valid=None,
        timestamp_authority=None,
        revocation="not_checked",
        level="unknown",
        verdict=Verdict.INVALID,
        problems=problems,
        message_vi=vi,
        message_en=en,
        detail=f"{type(exc).__name__}: {exc}",
    )


class NotAPdf(ValueError):
    """The input could not be read as a PDF."""


async def validate_pdf(data: bytes, req: ValidatePdfRequest, trust: TrustSettings) -> ValidationReport:
    """Validate every signature of a PDF and return a report with plain verdicts."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        sigs = reader.embedded_regular_signatures
    except (PdfReadError, ValueError) as exc:
        raise NotAPdf(f"not a readable PDF: {exc}") from None
    reports: list[SignatureReport] = []
    for sig in sigs:
        try:
            reports.append(await validate_signature(sig, reader, req, trust))
        except Exception as exc:  # a malformed signature must not hide the others
            log.warning("signature %s could not be validated: %s", sig.field_name, type(exc).__name__)
            reports.append(_broken(sig, exc))
    verdict, vi, en = document_messages([r.verdict for r in reports])
    return ValidationReport(
        signatures=reports,
        verdict=verdict,
        message_vi=vi,
        message_en=en,
        sha256=hashlib.sha256(data).hexdigest(),
    )

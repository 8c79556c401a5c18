"""The signer's certificate, checked before every signature (Circular 15/2025/TT-BKHCN).

Refused, with a Vietnamese reason naming the problem: a certificate not valid now (expired, not yet
valid), a weak key (RSA below 2048 bits, ECDSA below 256 bits, any other algorithm), a revoked
certificate or an expired issuing CA. Revocation is asked of the certificate's OCSP responder or CRL
(and the configured CRLs), with a short time-out: "good" when one answered, "not_checked" with the reason
when none could be reached or no path to a trust anchor was found; signing goes ahead in that state and
the result says so. Answers are remembered a few minutes per certificate.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass, field
from datetime import datetime

import aiohttp
import structlog
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InsufficientRevinfoError,
    NotYetValidError,
    PathBuildingError,
    RevokedError,
    ValidationError,
)
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from adapters.signing.refusals import SigningRefused
from schemas.signing import CertificateCheck, RevocationStatus

log = structlog.get_logger(__name__)

MIN_RSA_BITS = 2048
MIN_EC_BITS = 256
GOOD_FOR = 300.0  # seconds an OCSP/CRL "good" answer is reused for the same certificate
UNCHECKED_FOR = 60.0  # seconds before an unreachable responder is tried again
RULE = "Thông tư 15/2025/TT-BKHCN yêu cầu khóa RSA từ 2048 bit hoặc ECDSA từ 256 bit"


def fingerprint(cert: asn1_x509.Certificate) -> str:
    """SHA-256 of the DER certificate, lower-case hex (what certificate viewers show)."""
    return hashlib.sha256(cert.dump()).hexdigest()


def display_name(cert: asn1_x509.Certificate) -> str:
    """The holder as a person reads it: "common name (organisation)", not the "Common Name: ..." dump."""
    subject = cert.subject.native
    name, organisation = subject.get("common_name"), subject.get("organization_name")
    if not isinstance(name, str):
        return str(cert.subject.human_friendly)
    return f"{name} ({organisation})" if isinstance(organisation, str) and organisation else name


def key_of(cert: asn1_x509.Certificate) -> tuple[str, int]:
    """The key's algorithm ("rsa", "ec", ...) and size in bits."""
    public = cert.public_key
    return str(public.algorithm), int(public.bit_size)


def describe_key(cert: asn1_x509.Certificate) -> str:
    algorithm, bits = key_of(cert)
    return {"rsa": f"RSA {bits}", "ec": f"ECDSA {bits}"}.get(algorithm, f"{algorithm.upper()} {bits}")


def check_validity(cert: asn1_x509.Certificate, now: datetime) -> None:
    """Refuse a certificate that is not valid now."""
    validity = cert["tbs_certificate"]["validity"]
    not_before, not_after = validity["not_before"].native, validity["not_after"].native
    if now > not_after:
        raise SigningRefused(
            f"the signer's certificate expired on {not_after:%Y-%m-%d}",
            f"chứng thư số của người ký đã hết hạn ngày {not_after:%d/%m/%Y}",
        )
    if now < not_before:
        raise SigningRefused(
            f"the signer's certificate is valid only from {not_before:%Y-%m-%d}",
            f"chứng thư số của người ký chỉ có hiệu lực từ ngày {not_before:%d/%m/%Y}",
        )


def check_key(cert: asn1_x509.Certificate) -> None:
    """Refuse a key weaker than Circular 15/2025 allows (RSA >= 2048, ECDSA >= 256)."""
    algorithm, bits = key_of(cert)
    if algorithm == "rsa" and bits < MIN_RSA_BITS:
        raise SigningRefused(
            f"the signer's RSA key has {bits} bits; at least {MIN_RSA_BITS} are required",
            f"khóa RSA {bits} bit của chứng thư số người ký quá yếu: {RULE}",
        )
    if algorithm == "ec" and bits < MIN_EC_BITS:
        raise SigningRefused(
            f"the signer's ECDSA key has {bits} bits; at least {MIN_EC_BITS} are required",
            f"khóa ECDSA {bits} bit của chứng thư số người ký quá yếu: {RULE}",
        )
    if algorithm not in ("rsa", "ec"):
        raise SigningRefused(
            f"the signer's key algorithm {algorithm} is not accepted (RSA or ECDSA only)",
            f"thuật toán khóa {algorithm.upper()} của chứng thư số người ký không được chấp nhận: {RULE}",
        )


@dataclass
class RevocationChecker:
    """Asks OCSP/CRL whether certificates are revoked; reuses answers for a few minutes."""

    roots: list[asn1_x509.Certificate]
    extra_certs: list[asn1_x509.Certificate] = field(default_factory=list)
    crls: list[asn1_crl.CertificateList] = field(default_factory=list)
    timeout: float = 5.0
    _cache: dict[str, tuple[float, RevocationStatus, str]] = field(default_factory=dict, repr=False)

    async def status(
        self,
        cert: asn1_x509.Certificate,
        chain: list[asn1_x509.Certificate],
        session: aiohttp.ClientSession | None = None,
    ) -> tuple[RevocationStatus, str]:
        """("good", how) or ("not_checked", why); SigningRefused when revoked."""
        key = fingerprint(cert)
        cached = self._cache.get(key)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1], cached[2]
        if session is None:
            async with aiohttp.ClientSession() as own:
                found = await self._ask(cert, chain, own)
        else:
            found = await self._ask(cert, chain, session)
        keep = GOOD_FOR if found[0] == "good" else UNCHECKED_FOR
        self._cache[key] = (time.monotonic() + keep, *found)
        return found

    async def _ask(
        self, cert: asn1_x509.Certificate, chain: list[asn1_x509.Certificate], session: aiohttp.ClientSession
    ) -> tuple[RevocationStatus, str]:
        if not self.roots:
            return "not_checked", "chưa cấu hình danh sách chứng thư gốc tin cậy để kiểm tra thu hồi"
        context = ValidationContext(
            trust_roots=self.roots,
            other_certs=[*self.extra_certs, *chain],
            crls=self.crls,
            allow_fetching=True,
            revocation_mode="require",
            fetcher_backend=AIOHttpFetcherBackend(session, per_request_timeout=self.timeout),
        )
        validator = CertificateValidator(cert, intermediate_certs=chain, validation_context=context)
        try:
            await asyncio.wait_for(
                validator.async_validate_usage(set()),  # type: ignore[no-untyped-call]
                timeout=self.timeout * 4,
            )
        except RevokedError as exc:
            raise SigningRefused(
                f"the signer's certificate has been revoked ({exc})",
                "chứng thư số của người ký đã bị thu hồi (theo OCSP/CRL của tổ chức cấp)",
            ) from None
        except (ExpiredError, NotYetValidError) as exc:
            raise SigningRefused(
                f"a certificate of the signer's chain is not valid now ({exc})",
                "chứng thư số của tổ chức cấp (CA) trong chuỗi đã hết hạn hoặc chưa có hiệu lực",
            ) from None
        except InsufficientRevinfoError:
            return "not_checked", "không kết nối được máy chủ OCSP/CRL hoặc không có dữ liệu thu hồi"
        except PathBuildingError:
            return "not_checked", "không dựng được chuỗi chứng thư tới CA gốc tin cậy"
        except (TimeoutError, ValidationError, aiohttp.ClientError, OSError) as exc:
            log.warning("revocation_check_failed", error=repr(exc))
            return "not_checked", "máy chủ OCSP/CRL không trả lời được hoặc trả lời không hợp lệ"
        return "good", "OCSP/CRL của tổ chức cấp xác nhận chứng thư chưa bị thu hồi"


async def check_certificate(
    cert: asn1_x509.Certificate,
    chain: list[asn1_x509.Certificate],
    now: datetime,
    revocation: RevocationChecker,
    session: aiohttp.ClientSession | None = None,
) -> CertificateCheck:
    """Every check before signing: validity now, key strength, revocation; refused or the outcome."""
    check_validity(cert, now)
    check_key(cert)
    state, detail = await revocation.status(cert, chain, session)
    validity = cert["tbs_certificate"]["validity"]
    not_after: datetime = validity["not_after"].native
    subject = cert.subject.human_friendly
    key = describe_key(cert)
    head = f"Chứng thư số {subject} còn hiệu lực đến {not_after:%d/%m/%Y}, khóa {key}"
    if state == "good":
        message = f"{head}, chưa bị thu hồi (đã kiểm tra OCSP/CRL)."
    else:
        message = f"{head}; chưa kiểm tra được tình trạng thu hồi: {detail}."
    return CertificateCheck(
        subject=subject,
        serial=format(cert.serial_number, "x"),
        sha256=fingerprint(cert),
        not_before=validity["not_before"].native,
        not_after=not_after,
        key=key,
        revocation=state,
        revocation_detail=detail,
        message_vi=message,
    )

"""The signer's certificate before signing (Circular 15/2025/TT-BKHCN): valid now, RSA >= 2048 or
ECDSA >= 256, not revoked when OCSP/CRL answers, and a plain "not checked" when nothing can be asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from adapters.signing.certcheck import RevocationChecker, check_certificate
from adapters.signing.engine import SigningEngine
from adapters.signing.keys import CachedKeySigner
from adapters.signing.pades_sign import SigningContext, SigningRefused, sign_pdf
from adapters.signing.settings import SigningConfig
from schemas.signing import PadesLevel, SignPdfRequest
from tests.adapters.signing.documents import LEADER_BOX, box, decision_pdf
from tests.adapters.signing.pki import GeneratedPKI

NOW = datetime.now(UTC)


def _issued(pki: GeneratedPKI, key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> asn1_x509.Certificate:
    """A signing certificate for `key`, issued by the test PKI's sub-CA."""
    issuer_key = serialization.load_pem_private_key(pki.key_pem("interm"), password=None)
    assert isinstance(issuer_key, rsa.RSAPrivateKey)
    issuer = x509.load_der_x509_certificate(pki.cert("interm").dump())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Khóa Yếu")]))
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=30))
        .sign(issuer_key, hashes.SHA256())
    )
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


async def test_a_weak_rsa_1024_key_is_refused_before_signing(
    pki: GeneratedPKI, signing_config: SigningConfig
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - the weak key refused
    signer = CachedKeySigner(key, _issued(pki, key), [pki.cert("interm")])
    ctx = SigningContext(signing_config, [pki.cert("root")], [pki.cert("interm")])
    with pytest.raises(SigningRefused) as info:
        await sign_pdf(
            decision_pdf(),
            SignPdfRequest(signer="leader", box=box(LEADER_BOX), level=PadesLevel.B_B),
            signing_config.profile("leader"),
            signer,
            ctx,
        )
    assert info.value.vi == (
        "khóa RSA 1024 bit của chứng thư số người ký quá yếu: Thông tư 15/2025/TT-BKHCN yêu cầu khóa RSA "
        "từ 2048 bit hoặc ECDSA từ 256 bit"
    )
    assert "1024 bits" in info.value.en


async def test_an_ecdsa_p256_key_passes_and_p192_does_not(pki: GeneratedPKI) -> None:
    checker = RevocationChecker(roots=[])  # nothing to ask: "not checked", said plainly
    strong = _issued(pki, ec.generate_private_key(ec.SECP256R1()))
    checked = await check_certificate(strong, [], NOW, checker)
    assert checked.key == "ECDSA 256" and checked.revocation == "not_checked"
    assert "chưa kiểm tra được tình trạng thu hồi" in checked.message_vi
    weak = _issued(pki, ec.generate_private_key(ec.SECP192R1()))
    with pytest.raises(SigningRefused, match="ECDSA 192"):
        await check_certificate(weak, [], NOW, checker)


async def test_an_expired_certificate_is_refused_with_the_date(engine: SigningEngine) -> None:
    with pytest.raises(SigningRefused) as info:
        await engine.sign_pdf(decision_pdf(), SignPdfRequest(signer="expired", box=box(LEADER_BOX)))
    assert info.value.vi.startswith("chứng thư số của người ký đã hết hạn ngày ")


async def test_a_revoked_certificate_is_refused_at_every_level_when_ocsp_answers(
    engine: SigningEngine,
) -> None:
    with pytest.raises(SigningRefused) as info:
        await engine.sign_pdf(
            decision_pdf(), SignPdfRequest(signer="revoked", box=box(LEADER_BOX), level=PadesLevel.B_B)
        )
    assert "đã bị thu hồi" in info.value.vi


async def test_revocation_is_good_when_ocsp_answers_and_not_checked_without_a_path(
    engine: SigningEngine,
) -> None:
    _, good = await engine.sign_pdf(
        decision_pdf(), SignPdfRequest(signer="leader", box=box(LEADER_BOX), level=PadesLevel.B_B)
    )
    assert good.certificate is not None and good.certificate.revocation == "good"
    _, rogue = await engine.sign_pdf(
        decision_pdf(), SignPdfRequest(signer="rogue", box=box(LEADER_BOX), level=PadesLevel.B_B)
    )
    assert rogue.certificate is not None and rogue.certificate.revocation == "not_checked"
    assert "không dựng được chuỗi chứng thư" in rogue.certificate.revocation_detail

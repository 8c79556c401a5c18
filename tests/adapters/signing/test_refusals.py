"""Refusals with clear reasons: expired, revoked, untrusted, changed after signing, stamp over content."""

from __future__ import annotations

from pathlib import Path

import pytest
from certomancer.registry import ServiceLabel

from adapters.signing.engine import SigningEngine
from adapters.signing.keys import load_extra_certs
from adapters.signing.pades_report import TrustSettings, validate_pdf
from adapters.signing.pades_sign import SigningRefused
from adapters.signing.settings import SigningConfig
from schemas.signing import PadesLevel, Problem, SignPdfRequest, ValidatePdfRequest, Verdict
from tests.adapters.signing.documents import BODY_BOX, DEPUTY_BOX, LEADER_BOX, box, decision_pdf
from tests.adapters.signing.helpers import add_page_text_after_signing, flip_signed_byte, raw_sign
from tests.adapters.signing.pki import GeneratedPKI


@pytest.fixture(scope="module")
async def leader_signed(engine: SigningEngine) -> bytes:
    signed, _ = await engine.sign_pdf(
        decision_pdf(), SignPdfRequest(signer="leader", box=box(LEADER_BOX), level=PadesLevel.B_T)
    )
    return signed


async def test_expired_certificate_cannot_sign(engine: SigningEngine) -> None:
    with pytest.raises(SigningRefused) as info:
        await engine.sign_pdf(decision_pdf(), SignPdfRequest(signer="expired", box=box(LEADER_BOX)))
    assert "certificate expired" in info.value.en
    assert "chứng thư số của người ký đã hết hạn" in info.value.vi


async def test_signature_by_expired_certificate_is_invalid(
    engine: SigningEngine, signing_config: SigningConfig
) -> None:
    pdf = await raw_sign(decision_pdf(), signing_config.profile("expired"))
    report = await engine.validate_pdf(pdf)
    sig = report.signatures[0]
    assert report.verdict is Verdict.INVALID
    assert sig.problems == [Problem.EXPIRED]
    assert "hết hạn" in sig.message_vi
    assert "expired" in sig.message_en


async def test_revoked_certificate_is_reported_from_a_synchronised_crl(
    signing_config: SigningConfig, pki: GeneratedPKI, tmp_path: Path
) -> None:
    pdf = await raw_sign(decision_pdf(), signing_config.profile("revoked"))
    crl = pki.arch.service_registry.get_crl(ServiceLabel("interm"))
    crl_path = tmp_path / "interm.crl"
    crl_path.write_bytes(crl.dump())
    roots = load_extra_certs(signing_config.trust_anchors)
    trust = TrustSettings(roots=roots, crls=TrustSettings.load_crls([crl_path]))
    report = await validate_pdf(pdf, ValidatePdfRequest(), trust)
    sig = report.signatures[0]
    assert report.verdict is Verdict.INVALID
    assert sig.revocation == "revoked"
    assert Problem.REVOKED in sig.problems
    assert "đã bị thu hồi" in sig.message_vi
    assert "revoked" in sig.message_en
    # The same CRL clears a good signer: revocation is then known to be good.
    good = await raw_sign(decision_pdf(), signing_config.profile("leader"))
    good_report = await validate_pdf(good, ValidatePdfRequest(require_revocation_info=True), trust)
    assert good_report.verdict is Verdict.VALID
    assert good_report.signatures[0].revocation == "good"


async def test_revoked_certificate_cannot_sign_b_lt(engine: SigningEngine) -> None:
    with pytest.raises(SigningRefused) as info:
        await engine.sign_pdf(
            decision_pdf(), SignPdfRequest(signer="revoked", box=box(LEADER_BOX), level=PadesLevel.B_LT)
        )
    assert "revoked" in info.value.en
    assert "thu hồi" in info.value.vi


async def test_untrusted_root_is_invalid(engine: SigningEngine) -> None:
    signed, _ = await engine.sign_pdf(
        decision_pdf(), SignPdfRequest(signer="rogue", box=box(LEADER_BOX), level=PadesLevel.B_B)
    )
    report = await engine.validate_pdf(signed)
    sig = report.signatures[0]
    assert report.verdict is Verdict.INVALID
    assert sig.problems == [Problem.UNTRUSTED]
    assert not sig.trusted
    assert sig.intact
    assert sig.cryptographically_valid
    assert "không thuộc tổ chức cung cấp dịch vụ chứng thực được tin cậy" in sig.message_vi


async def test_byte_changed_after_signing_is_tampered(engine: SigningEngine, leader_signed: bytes) -> None:
    report = await engine.validate_pdf(flip_signed_byte(leader_signed))
    sig = report.signatures[0]
    assert report.verdict is Verdict.INVALID
    assert Problem.TAMPERED in sig.problems
    assert not sig.intact
    assert "đã bị thay đổi sau khi ký" in sig.message_vi


async def test_page_text_added_after_signing_is_an_unsafe_change(
    engine: SigningEngine, leader_signed: bytes
) -> None:
    report = await engine.validate_pdf(add_page_text_after_signing(leader_signed))
    sig = report.signatures[0]
    assert report.verdict is Verdict.INVALID
    assert sig.intact  # the signed bytes are untouched ...
    assert sig.problems == [Problem.UNSAFE_CHANGES]  # ... but the later revision changed the page
    assert sig.modification_level == "OTHER"
    assert sig.changes_vi == "Nội dung văn bản bị sửa đổi sau chữ ký này."
    assert "sửa đổi sau khi ký" in sig.message_vi


async def test_unsigned_pdf_is_invalid() -> None:
    report = await validate_pdf(decision_pdf(), ValidatePdfRequest(), TrustSettings(roots=[]))
    assert report.verdict is Verdict.INVALID
    assert report.signatures == []
    assert "không có chữ ký số" in report.message_vi


async def test_stamp_over_body_text_is_refused(engine: SigningEngine) -> None:
    with pytest.raises(SigningRefused) as info:
        await engine.sign_pdf(decision_pdf(), SignPdfRequest(signer="leader", box=box(BODY_BOX)))
    assert "overlaps page content (text" in info.value.en
    assert "đè lên nội dung văn bản (chữ)" in info.value.vi


async def test_second_approver_cannot_cover_the_first(engine: SigningEngine, leader_signed: bytes) -> None:
    with pytest.raises(SigningRefused) as info:
        await engine.sign_pdf(leader_signed, SignPdfRequest(signer="deputy", box=box(LEADER_BOX)))
    assert "overlaps an existing signature field" in info.value.en


async def test_stamp_outside_the_page_is_refused(engine: SigningEngine) -> None:
    with pytest.raises(SigningRefused, match="lies outside page 1"):
        await engine.sign_pdf(
            decision_pdf(), SignPdfRequest(signer="leader", box=box((500.0, 330.0, 640.0, 440.0)))
        )
    with pytest.raises(SigningRefused, match="page 3 does not exist"):
        await engine.sign_pdf(decision_pdf(), SignPdfRequest(signer="leader", box=box(DEPUTY_BOX, page=3)))

"""edXML messages get the same plain report as PDFs: valid, altered, untrusted, unsigned."""

from __future__ import annotations

import pytest
from asn1crypto import pem

from adapters.signing.xmldsig_report import NotEdxml, validate_edxml
from schemas.edxml import BuildOptions, SigningKey, build_edoc, sign_edoc
from schemas.signing import Problem, Verdict
from tests.adapters.signing.pki import GeneratedPKI
from tests.schemas.edxml.conftest import make_edoc


def _key(pki: GeneratedPKI, label: str, issuer: str) -> SigningKey:
    chain = b"".join(pem.armor("CERTIFICATE", pki.cert(c).dump()) for c in (label, issuer))
    return SigningKey.from_pem(pki.key_pem(label), chain)


@pytest.fixture(scope="module")
def edoc() -> bytes:
    return build_edoc(make_edoc(), BuildOptions(zip_attachments=True))


def test_edxml_signed_by_a_trusted_leader_is_valid(pki: GeneratedPKI, edoc: bytes) -> None:
    signed = sign_edoc(edoc, _key(pki, "leader", "interm"))
    report = validate_edxml(signed, [pki.cert_path("root")])
    assert report.verdict is Verdict.VALID
    (sig,) = report.signatures
    assert sig.signer is not None
    assert sig.signer.common_name == "Nguyễn Văn An"
    assert sig.message_vi == "Chữ ký của Nguyễn Văn An hợp lệ."


def test_edxml_altered_after_signing_is_tampered(pki: GeneratedPKI, edoc: bytes) -> None:
    signed = sign_edoc(edoc, _key(pki, "leader", "interm"))
    start = signed.index(b"<edXML:Subject>") + len(b"<edXML:Subject>")
    altered = signed[:start] + b"X" + signed[start + 1 :]
    report = validate_edxml(altered, [pki.cert_path("root")])
    assert report.verdict is Verdict.INVALID
    assert report.signatures[0].problems == [Problem.TAMPERED]
    assert "đã bị thay đổi sau khi ký" in report.signatures[0].message_vi


def test_edxml_from_an_untrusted_root_is_refused(pki: GeneratedPKI, edoc: bytes) -> None:
    signed = sign_edoc(edoc, _key(pki, "rogue", "rogue-root"))
    report = validate_edxml(signed, [pki.cert_path("root")])
    assert report.verdict is Verdict.INVALID
    assert report.signatures[0].problems == [Problem.UNTRUSTED]


def test_unsigned_edxml_and_garbage(pki: GeneratedPKI, edoc: bytes) -> None:
    report = validate_edxml(edoc, [pki.cert_path("root")])
    assert report.verdict is Verdict.INVALID
    assert report.signatures == []
    assert "không có chữ ký số" in report.message_vi
    with pytest.raises(NotEdxml, match="not a readable edXML"):
        validate_edxml(b"<<not xml", [pki.cert_path("root")])

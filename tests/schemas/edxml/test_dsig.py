"""XML-DSig: our signatures verify (also with xmlsec1), xmlsec1's verify with us, attacks are refused."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from signxml import SignatureConfiguration, XMLSigner, XMLVerifier  # type: ignore[attr-defined]
from signxml.algorithms import DigestAlgorithm, SignatureMethod

from schemas.edxml import (
    DSIG_NS,
    EDXML_NS,
    Attachment,
    InvalidSignatureError,
    MissingSignatureError,
    SigningKey,
    TrustConfig,
    UntrustedSignerError,
    WeakAlgorithmError,
    build_edoc,
    parse_edoc,
    sign_edoc,
    verify_edoc,
)
from tests.schemas.edxml.conftest import EDOC_SAMPLES, make_edoc, sample
from tests.schemas.edxml.pki import Pki

XMLSEC1 = shutil.which("xmlsec1")
needs_xmlsec1 = pytest.mark.skipif(XMLSEC1 is None, reason="xmlsec1 (Debian package) is not installed")

TEMPLATE = """<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>\
<CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>\
<SignatureMethod Algorithm="{method}"/><Reference URI=""><Transforms>\
<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></Transforms>\
<DigestMethod Algorithm="{digest}"/><DigestValue/></Reference></SignedInfo><SignatureValue/>\
<KeyInfo><X509Data><X509Certificate/></X509Data></KeyInfo></Signature>"""
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"


def _key(pki: Pki) -> SigningKey:
    return SigningKey.from_pem(pki.signer_key_pem.read_bytes(), pki.signer_cert_pem.read_bytes())


def _trust(pki: Pki, *, allow_sha1: bool = False) -> TrustConfig:
    return TrustConfig([pki.root_pem], allow_sha1=allow_sha1)


@pytest.fixture
def signed(edoc_bytes: bytes, pki: Pki) -> bytes:
    return sign_edoc(edoc_bytes, _key(pki))


def _xmlsec1_sign(data: bytes, pki: Pki, tmp_path: Path, method: str, digest: str) -> bytes:
    template = TEMPLATE.format(method=method, digest=digest)
    closing = b"\n    </edXML:edXMLHeader>"
    (tmp_path / "template.xml").write_bytes(
        data.replace(closing, b"\n      " + template.encode() + closing, 1)
    )
    subprocess.run(
        [
            str(XMLSEC1),
            "--sign",
            "--privkey-pem",
            f"{pki.signer_key_pem},{pki.signer_cert_pem}",
            "--output",
            str(tmp_path / "signed.xml"),
            str(tmp_path / "template.xml"),
        ],
        check=True,
        capture_output=True,
    )
    return (tmp_path / "signed.xml").read_bytes()


def _xmlsec1_verify(data: bytes, pki: Pki, tmp_path: Path) -> subprocess.CompletedProcess[bytes]:
    (tmp_path / "to-verify.xml").write_bytes(data)
    return subprocess.run(
        [str(XMLSEC1), "--verify", "--trusted-pem", str(pki.root_pem), str(tmp_path / "to-verify.xml")],
        capture_output=True,
        check=False,
    )


def test_signed_message_verifies_and_yields_the_signed_content(
    signed: bytes, edoc_bytes: bytes, pki: Pki
) -> None:
    result = verify_edoc(signed, _trust(pki))
    assert result.message == parse_edoc(edoc_bytes)
    assert "Lienthong Test Văn thư" in result.signer.subject.rfc4514_string()
    assert result.signature_method == RSA_SHA256
    assert not result.legacy_namespace
    assert b"<Signature" not in result.signed_xml


def test_signature_is_the_last_child_of_the_header_as_in_the_samples(signed: bytes) -> None:
    header = etree.fromstring(signed).find(f"{{{EDXML_NS}}}edXMLEnvelope/{{{EDXML_NS}}}edXMLHeader")
    assert header is not None
    last = header[-1]
    assert last.tag == f"{{{DSIG_NS}}}Signature"
    assert last.prefix is None
    assert last.find(f".//{{{DSIG_NS}}}X509SubjectName") is not None


def test_pkcs12_key_signs_too(edoc_bytes: bytes, pki: Pki) -> None:
    key = SigningKey.from_pkcs12(pki.signer_p12.read_bytes(), pki.p12_password)
    assert verify_edoc(sign_edoc(edoc_bytes, key), _trust(pki)).message == parse_edoc(edoc_bytes)


def test_edxml_namespace_signature_like_the_samples_is_mapped_and_verified(
    edoc_bytes: bytes, pki: Pki
) -> None:
    legacy = sign_edoc(edoc_bytes, _key(pki), legacy_namespace=True)
    assert b"      <Signature><SignedInfo>" in legacy
    result = verify_edoc(legacy, _trust(pki))
    assert result.legacy_namespace
    assert result.message == parse_edoc(edoc_bytes)


@needs_xmlsec1
def test_xmlsec1_verifies_our_signature(signed: bytes, pki: Pki, tmp_path: Path) -> None:
    outcome = _xmlsec1_verify(signed, pki, tmp_path)
    assert outcome.returncode == 0, outcome.stderr.decode()
    assert b"OK" in outcome.stderr


@needs_xmlsec1
def test_we_verify_a_signature_made_by_xmlsec1(edoc_bytes: bytes, pki: Pki, tmp_path: Path) -> None:
    signed = _xmlsec1_sign(edoc_bytes, pki, tmp_path, RSA_SHA256, SHA256)
    result = verify_edoc(signed, _trust(pki))
    assert result.message == parse_edoc(edoc_bytes)


@needs_xmlsec1
def test_sha1_is_refused_unless_the_legacy_flag_is_set(edoc_bytes: bytes, pki: Pki, tmp_path: Path) -> None:
    signed = _xmlsec1_sign(edoc_bytes, pki, tmp_path, RSA_SHA1, SHA1)
    with pytest.raises(WeakAlgorithmError, match="SHA-1") as caught:
        verify_edoc(signed, _trust(pki))
    assert caught.value.sender == "000.00.31.H26"
    result = verify_edoc(signed, _trust(pki, allow_sha1=True))
    assert result.signature_method == RSA_SHA1


@needs_xmlsec1
def test_tampered_attachment_byte_fails_verification(signed: bytes, pki: Pki, tmp_path: Path) -> None:
    marker = b'<edXML:ContentTransferEncoded xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">'
    position = signed.index(marker) + len(marker) + 100
    replacement = b"B" if signed[position : position + 1] != b"B" else b"C"
    tampered = signed[:position] + replacement + signed[position + 1 :]
    with pytest.raises(InvalidSignatureError, match="Digest mismatch"):
        verify_edoc(tampered, _trust(pki))
    assert _xmlsec1_verify(tampered, pki, tmp_path).returncode != 0


def test_tampered_subject_fails_verification(signed: bytes, pki: Pki) -> None:
    tampered = signed.replace("V/v triển khai".encode(), "V/v hủy bỏ".encode())
    with pytest.raises(InvalidSignatureError, match="does not verify"):
        verify_edoc(tampered, _trust(pki))


def test_signer_from_another_ca_is_untrusted(edoc_bytes: bytes, pki: Pki, other_pki: Pki) -> None:
    foreign = sign_edoc(edoc_bytes, _key(other_pki))
    with pytest.raises(UntrustedSignerError, match="not trusted"):
        verify_edoc(foreign, _trust(pki))


def test_unsigned_message_is_refused_with_sender_known(edoc_bytes: bytes, pki: Pki) -> None:
    with pytest.raises(MissingSignatureError, match="not signed") as caught:
        verify_edoc(edoc_bytes, _trust(pki))
    assert caught.value.sender_known


def test_signature_outside_the_header_is_refused(signed: bytes, pki: Pki) -> None:
    root = etree.fromstring(signed)
    signature = root.find(f".//{{{DSIG_NS}}}Signature")
    assert signature is not None
    body = root.find(f"{{{EDXML_NS}}}edXMLEnvelope/{{{EDXML_NS}}}edXMLBody")
    assert body is not None
    body.append(signature)
    with pytest.raises(InvalidSignatureError, match="last child of edXMLHeader"):
        verify_edoc(etree.tostring(root), _trust(pki))


def test_second_signature_is_refused(signed: bytes, pki: Pki) -> None:
    root = etree.fromstring(signed)
    signature = root.find(f".//{{{DSIG_NS}}}Signature")
    assert signature is not None
    root.append(etree.fromstring(etree.tostring(signature)))
    with pytest.raises(InvalidSignatureError, match="2 Signature elements"):
        verify_edoc(etree.tostring(root), _trust(pki))


def _genuine_and_forged_headers(root: etree._Element) -> tuple[etree._Element, etree._Element]:
    header = root.find(f"{{{EDXML_NS}}}edXMLEnvelope/{{{EDXML_NS}}}edXMLHeader")
    assert header is not None
    genuine = header.find(f"{{{EDXML_NS}}}MessageHeader")
    assert genuine is not None
    forged = etree.fromstring(etree.tostring(genuine))
    subject = forged.find(f"{{{EDXML_NS}}}Subject")
    assert subject is not None
    subject.text = "Quyết định của kẻ tấn công"
    return genuine, forged


def test_wrapped_whole_document_signature_is_refused(signed: bytes, pki: Pki) -> None:
    root = etree.fromstring(signed)
    genuine, forged = _genuine_and_forged_headers(root)
    parent = genuine.getparent()
    assert parent is not None
    parent.replace(genuine, forged)
    wrapper = etree.SubElement(root, f"{{{EDXML_NS}}}Extension")
    wrapper.append(genuine)
    with pytest.raises(InvalidSignatureError, match="does not verify"):
        verify_edoc(etree.tostring(root), _trust(pki))


def test_wrapped_id_reference_signature_is_refused(edoc_bytes: bytes, pki: Pki) -> None:
    root = etree.fromstring(edoc_bytes)
    genuine, forged = _genuine_and_forged_headers(root)
    genuine.set("Id", "hdr")
    header = genuine.getparent()
    assert header is not None
    etree.SubElement(header, f"{{{DSIG_NS}}}Signature", Id="placeholder")
    signer = XMLSigner(
        signature_algorithm=SignatureMethod(RSA_SHA256),
        digest_algorithm=DigestAlgorithm(SHA256),
        c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#",
    )
    signed = signer.sign(
        root, key=pki.signer_key_pem.read_bytes(), cert=pki.signer_cert_pem.read_text(), reference_uri="hdr"
    )
    signed_header = signed.find(f"{{{EDXML_NS}}}edXMLEnvelope/{{{EDXML_NS}}}edXMLHeader")
    assert signed_header is not None
    signed_genuine = signed_header.find(f"{{{EDXML_NS}}}MessageHeader")
    assert signed_genuine is not None
    signed_header.replace(signed_genuine, forged)
    envelope = signed_header.getparent()
    assert envelope is not None
    etree.SubElement(envelope, f"{{{EDXML_NS}}}Extension").append(signed_genuine)
    attack = etree.tostring(signed)
    # A verifier that trusts the original tree would read the forged subject; signxml's signed_xml
    # shows the genuine header, and ours refuses a signature that does not cover the whole message.
    location = f"./{{{EDXML_NS}}}edXMLEnvelope/{{{EDXML_NS}}}edXMLHeader/"
    raw: Any = XMLVerifier().verify(
        attack,
        x509_cert=pki.signer_cert_pem.read_text(),
        expect_config=SignatureConfiguration(location=location),
    )
    assert raw.signed_xml.findtext(f"{{{EDXML_NS}}}Subject") == "V/v triển khai liên thông văn bản điện tử"
    with pytest.raises(InvalidSignatureError, match='URI=""'):
        verify_edoc(attack, _trust(pki))


def test_comment_injection_does_not_change_what_is_read(signed: bytes, pki: Pki) -> None:
    injected = signed.replace(b"<edXML:OrganId>000.00.31.H26<", b"<edXML:OrganId>000.00<!-- x -->.31.H26<", 1)
    assert injected != signed
    result = verify_edoc(injected, _trust(pki))
    assert result.message.message_header.from_.organ_id == "000.00.31.H26"


def test_already_signed_message_is_not_signed_again(signed: bytes, pki: Pki) -> None:
    with pytest.raises(InvalidSignatureError, match="already signed"):
        sign_edoc(signed, _key(pki))


@pytest.mark.parametrize("name", EDOC_SAMPLES)
def test_official_samples_are_refused_with_a_clear_reason(name: str, pki: Pki) -> None:
    with pytest.raises(WeakAlgorithmError, match="SHA-1"):
        verify_edoc(sample(name), _trust(pki))
    with pytest.raises(InvalidSignatureError, match="MIIFqTCCBJG") as caught:
        verify_edoc(sample(name), _trust(pki, allow_sha1=True))
    assert caught.value.sender_known


def test_attachment_over_ten_megabytes_signs_and_verifies(pki: Pki) -> None:
    content = os.urandom(8 * 1024 * 1024)  # base64 text of ~11 MB: beyond libxml2's default node limit
    attachment = Attachment(
        content_id="1", attachment_name="lon.pdf", content_type="application/pdf", data=content
    )
    data = build_edoc(make_edoc(attachments=[attachment]))
    result = verify_edoc(sign_edoc(data, _key(pki)), _trust(pki))
    assert result.message.attachments[0].data == content

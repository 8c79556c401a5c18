"""XML-DSig of edoc messages with signxml: enveloped, URI="", last child of edXMLHeader.

Verification trusts only configured CA anchors, refuses SHA-1 unless the legacy flag is set, asserts
the Signature location and its single whole-document reference, and parses only what was signed.
The official samples put Signature in the edXML namespace; it is mapped to XML-DSig explicitly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from lxml import etree
from signxml import SignatureConfiguration, XMLSigner, XMLVerifier  # type: ignore[attr-defined]
from signxml.algorithms import DigestAlgorithm, SignatureMethod
from signxml.exceptions import InvalidCertificate, InvalidDigest, InvalidInput, InvalidSignature
from signxml.util import X509CertChainVerifier

from schemas.edxml.codes import DSIG_NS, EDXML_NS
from schemas.edxml.errors import (
    EdxmlError,
    InvalidSignatureError,
    MissingSignatureError,
    NotEdxmlError,
    UntrustedSignerError,
    WeakAlgorithmError,
)
from schemas.edxml.models import EdocMessage
from schemas.edxml.parse import ParseOptions, child, edoc_from_tree, sender_of
from schemas.edxml.xmlsafe import hardened_parser, parse_xml

C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
_LOCATION = f"./{{{EDXML_NS}}}edXMLEnvelope/{{{EDXML_NS}}}edXMLHeader/"
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def _ds(name: str) -> str:
    return f"{{{DSIG_NS}}}{name}"


@dataclass(frozen=True)
class SigningKey:
    """A private key with its certificate and the intermediate chain to embed."""

    key: Any
    certificate: x509.Certificate
    chain: Sequence[x509.Certificate] = ()

    @classmethod
    def from_pem(cls, key_pem: bytes, cert_pem: bytes, password: bytes | None = None) -> SigningKey:
        """Load a PEM private key and a PEM file of certificate (first) plus chain."""
        certs = x509.load_pem_x509_certificates(cert_pem)
        key = serialization.load_pem_private_key(key_pem, password=password)
        return cls(key, certs[0], tuple(certs[1:]))

    @classmethod
    def from_pkcs12(cls, data: bytes, password: bytes | None = None) -> SigningKey:
        """Load a PKCS#12 (.p12/.pfx) bundle."""
        key, cert, extra = pkcs12.load_key_and_certificates(data, password)
        if key is None or cert is None:
            raise ValueError("the PKCS#12 bundle holds no private key and certificate")
        return cls(key, cert, tuple(extra))


@dataclass(frozen=True)
class TrustConfig:
    """Trust anchors (CA PEM files) and algorithm policy for verification."""

    ca_pem_files: Sequence[Path]
    allow_sha1: bool = False
    verification_time: datetime | None = None
    anchors: tuple[x509.Certificate, ...] = field(default=(), init=False)

    def __post_init__(self) -> None:
        certs: list[x509.Certificate] = []
        for path in self.ca_pem_files:
            certs.extend(x509.load_pem_x509_certificates(Path(path).read_bytes()))
        if not certs:
            raise ValueError("no trust anchor: configure at least one CA PEM file")
        object.__setattr__(self, "anchors", tuple(certs))


@dataclass(frozen=True)
class VerifyResult:
    """What was actually signed (canonical bytes and parsed message) and by whom."""

    signed_xml: bytes
    message: EdocMessage
    signer: x509.Certificate
    signature_method: str
    digest_method: str
    legacy_namespace: bool


class _AnchoredChainVerifier(X509CertChainVerifier):  # type: ignore[misc]
    def __init__(self, anchors: Sequence[x509.Certificate], **kwargs: Any) -> None:
        super().__init__(ca_pem_file="", **kwargs)  # type: ignore[no-untyped-call]
        self._anchors = list(anchors)

    @property
    def store(self) -> x509.verification.Store:
        return x509.verification.Store(self._anchors)


class _AnchoredVerifier(XMLVerifier):  # type: ignore[misc]
    def __init__(self, anchors: Sequence[x509.Certificate]) -> None:
        super().__init__()
        self._anchors = anchors

    def get_cert_chain_verifier(
        self, ca_pem_file: Any, ee_policy: Any, ca_policy: Any
    ) -> _AnchoredChainVerifier:
        return _AnchoredChainVerifier(
            self._anchors,
            verification_time=self._get_cert_verification_time(),  # type: ignore[no-untyped-call]
            ee_policy=ee_policy,
            ca_policy=ca_policy,
        )


class _HugeTreeSigner(XMLSigner):  # type: ignore[misc]
    """signxml re-parses the document; allow text nodes over 10 MB (large attachments)."""

    @property
    def parser(self) -> etree.XMLParser:
        return hardened_parser()


def _header_of(root: etree._Element) -> etree._Element:
    header = child(child(root, "edXMLEnvelope"), "edXMLHeader")
    if header is None:
        raise NotEdxmlError("edXMLEnvelope/edXMLHeader is missing", field="edXMLHeader")
    return header


def _signatures(root: etree._Element) -> list[etree._Element]:
    found = []
    for element in root.iter("{*}Signature", "Signature"):
        if etree.QName(element).namespace in (DSIG_NS, EDXML_NS, None):
            found.append(element)
    return found


def _rename(source: etree._Element, target_ns: str, parent: etree._Element | None) -> etree._Element:
    """Copy a Signature subtree into another namespace, unprefixed."""
    name = etree.QName(source).localname
    tag = f"{{{target_ns}}}{name}"
    nsmap: Any = {None: target_ns}
    attrib = {str(k): str(v) for k, v in source.attrib.items()}
    if parent is None:
        element = etree.Element(tag, attrib=attrib, nsmap=nsmap)
    else:
        element = etree.SubElement(parent, tag, attrib=attrib)
    element.text, element.tail = source.text, source.tail
    for sub in source:
        if isinstance(sub.tag, str):
            _rename(sub, target_ns, element)
    return element


def _swap(old: etree._Element, new: etree._Element) -> None:
    parent = old.getparent()
    assert parent is not None
    new.tail = old.tail
    parent.replace(old, new)


def _algorithm(signature: etree._Element, path: str) -> str:
    node = signature.find(path, namespaces={"ds": DSIG_NS})
    if node is None or not node.get("Algorithm"):
        raise InvalidSignatureError("algorithm is missing", field=f"Signature/{path.replace('ds:', '')}")
    return str(node.get("Algorithm"))


def _check_shape(signature: etree._Element, trust: TrustConfig) -> tuple[str, str]:
    refs = signature.findall("ds:SignedInfo/ds:Reference", namespaces={"ds": DSIG_NS})
    if len(refs) != 1 or refs[0].get("URI") != "":
        raise InvalidSignatureError(
            'the signature must have exactly one Reference with URI="" (the whole message)',
            field="Signature/SignedInfo/Reference",
        )
    transforms = [t.get("Algorithm") for t in refs[0].findall("ds:Transforms/ds:Transform", {"ds": DSIG_NS})]
    if ENVELOPED not in transforms:
        raise InvalidSignatureError(
            "the Reference lacks the enveloped-signature transform", field="Signature"
        )
    method = _algorithm(signature, "ds:SignedInfo/ds:SignatureMethod")
    digest = _algorithm(signature, "ds:SignedInfo/ds:Reference/ds:DigestMethod")
    for alg in (method, digest):
        if alg.lower().endswith("sha1") and not trust.allow_sha1:
            raise WeakAlgorithmError(
                f"{alg} (SHA-1) is refused; enable the legacy flag to accept it", field="Signature"
            )
    return method, digest


def _locate(root: etree._Element) -> tuple[etree._Element, bool]:
    found = _signatures(root)
    if not found:
        raise MissingSignatureError("the message is not signed", field="edXMLHeader/Signature")
    if len(found) > 1:
        raise InvalidSignatureError(
            f"{len(found)} Signature elements found, exactly one is allowed", field="Signature"
        )
    signature = found[0]
    header = _header_of(root)
    last = [e for e in header if isinstance(e.tag, str)][-1]
    if signature.getparent() is not header or last is not signature:
        raise InvalidSignatureError("Signature must be the last child of edXMLHeader", field="Signature")
    legacy = etree.QName(signature).namespace != DSIG_NS
    if legacy:
        _swap(signature, signature := _rename(signature, DSIG_NS, None))
    return signature, legacy


def _config(trust: TrustConfig) -> SignatureConfiguration:
    methods = frozenset(SignatureMethod) if trust.allow_sha1 else SignatureConfiguration().signature_methods
    digests = frozenset(DigestAlgorithm) if trust.allow_sha1 else SignatureConfiguration().digest_algorithms
    return SignatureConfiguration(
        location=_LOCATION,
        expect_references=1,
        signature_methods=methods,
        digest_algorithms=digests,
        verification_time=trust.verification_time,
    )


def _signer_cert(signature: etree._Element, public_pem: bytes) -> x509.Certificate:
    for node in signature.iterfind("ds:KeyInfo/ds:X509Data/ds:X509Certificate", {"ds": DSIG_NS}):
        cert = x509.load_pem_x509_certificate(
            b"-----BEGIN CERTIFICATE-----\n"
            + (node.text or "").strip().encode()
            + b"\n-----END CERTIFICATE-----\n"
        )
        pem = cert.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        if pem == public_pem:
            return cert
    raise InvalidSignatureError("no X509Certificate matches the verifying key", field="Signature/KeyInfo")


def verify_edoc(data: bytes, trust: TrustConfig, options: ParseOptions | None = None) -> VerifyResult:
    """Verify an edoc's enveloped signature and return the message parsed from the signed content only."""
    options = options or ParseOptions()
    root = parse_xml(data, max_size=options.max_size)
    try:
        signature, legacy = _locate(root)
        method, digest = _check_shape(signature, trust)
        document = etree.tostring(root)
        try:
            result: Any = _AnchoredVerifier(trust.anchors).verify(
                document, parser=hardened_parser(), expect_config=_config(trust)
            )
        except InvalidCertificate as exc:
            raise UntrustedSignerError(
                f"signer certificate is not trusted: {exc}", field="Signature"
            ) from exc
        except etree.DocumentInvalid as exc:
            raise InvalidSignatureError(f"Signature is not valid XML-DSig: {exc}", field="Signature") from exc
        except (InvalidDigest, InvalidSignature, InvalidInput, ValueError) as exc:
            raise InvalidSignatureError(f"signature does not verify: {exc}", field="Signature") from exc
        if result.signed_xml is None:
            raise InvalidSignatureError("signed content is not XML", field="Signature")
        message = edoc_from_tree(result.signed_xml, options)
        signer = _signer_cert(signature, result.signature_key)
    except EdxmlError as exc:
        if exc.sender is None:
            exc.sender = sender_of(root)
        raise
    return VerifyResult(result.signed_data, message, signer, method, digest, legacy)


def _key_info(key: SigningKey) -> etree._Element:
    key_info = etree.Element(_ds("KeyInfo"), nsmap={None: DSIG_NS})  # type: ignore[dict-item]
    x509_data = etree.SubElement(key_info, _ds("X509Data"))
    etree.SubElement(x509_data, _ds("X509SubjectName")).text = key.certificate.subject.rfc4514_string()
    for cert in (key.certificate, *key.chain):
        der = cert.public_bytes(serialization.Encoding.DER)
        etree.SubElement(x509_data, _ds("X509Certificate")).text = _b64(der)
    return key_info


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")


def sign_edoc(
    data: bytes,
    key: SigningKey,
    *,
    signature_method: str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    digest_method: str = "http://www.w3.org/2001/04/xmlenc#sha256",
    legacy_namespace: bool = False,
    max_size: int | None = None,
) -> bytes:
    """Sign an unsigned edoc: enveloped Signature as the last child of edXMLHeader, as in the samples.

    With legacy_namespace the Signature is written in the edXML namespace like the official samples;
    standard verifiers (xmlsec1) then do not see it, but this module's verifier maps it back.
    """
    root = parse_xml(data, max_size=max_size) if max_size else parse_xml(data)
    if _signatures(root):
        raise InvalidSignatureError("the message is already signed", field="Signature")
    header = _header_of(root)
    last = [e for e in header if isinstance(e.tag, str)]
    placeholder = etree.SubElement(header, _ds("Signature"), Id="placeholder", nsmap={None: DSIG_NS})  # type: ignore[dict-item]
    if last and last[-1].tail is not None:
        placeholder.tail, last[-1].tail = last[-1].tail, header.text
    signer = _HugeTreeSigner(
        signature_algorithm=SignatureMethod(signature_method),
        digest_algorithm=DigestAlgorithm(digest_method),
        c14n_algorithm=C14N,
    )
    signer.namespaces = {None: DSIG_NS}  # type: ignore[dict-item]
    signed = signer.sign(root, key=key.key, key_info=_key_info(key))
    output = _DECLARATION + etree.tostring(signed, encoding="UTF-8") + b"\n"
    return _to_edxml_namespace(output) if legacy_namespace else output


def _to_edxml_namespace(document: bytes) -> bytes:
    """Drop the XML-DSig default namespace declarations, so Signature falls into the edXML namespace."""
    declaration = f' xmlns="{DSIG_NS}"'.encode()
    start = document.index(b"<Signature" + declaration)
    end = document.index(b"</Signature>", start)
    span = document[start:end].replace(declaration, b"")
    return document[:start] + span + document[end:]

"""Signing with a USB token on the signer's own computer: the server prepares, a local agent signs.

Flow (pyHanko interrupted signing): `prepare` adds a signature field and placeholder to the PDF, computes
the /ByteRange digest and the CMS signed attributes; the token signs the SHA-256 of their DER encoding
(RSA PKCS#1 v1.5). `complete` checks that signature against the certificate and embeds the CMS. A
`Prepared` is plain data (bytes and offsets): the service keeps it in the database and the Object Store,
so another process completes it, after a restart too.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from io import BytesIO

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko_certvalidator.registry import SimpleCertificateStore

from hub.errors import Invalid

DIGEST = "sha256"


class TokenSigningError(Invalid):
    """The preparation or the returned signature cannot be used; the message says why (Vietnamese)."""


@dataclass(frozen=True)
class Prepared:
    """A signature reserved in a PDF, waiting for the token: all that completing it needs."""

    output: bytes  # the PDF with the signature placeholder
    signed_attrs: bytes  # DER of the CMS signed attributes
    document_digest: bytes
    reserved_start: int
    reserved_end: int
    certificate: asn1_x509.Certificate
    chain: list[asn1_x509.Certificate]

    @property
    def digest(self) -> bytes:
        """SHA-256 of the DER signed attributes: what the token signs (RSA PKCS#1 v1.5, prehashed)."""
        return hashlib.sha256(self.signed_attrs).digest()


def load_certificate(data: bytes | str) -> asn1_x509.Certificate:
    """A certificate from PEM or DER (or base64 DER), with a clear error otherwise."""
    raw = data.encode("ascii") if isinstance(data, str) else data
    try:
        if b"-----BEGIN" in raw:
            der = x509.load_pem_x509_certificate(raw).public_bytes(Encoding.DER)
        else:
            try:
                der = x509.load_der_x509_certificate(raw).public_bytes(Encoding.DER)
            except ValueError:
                der = x509.load_der_x509_certificate(base64.b64decode(raw)).public_bytes(Encoding.DER)
    except ValueError as exc:
        raise TokenSigningError(f"Chứng thư số không đọc được: {exc}") from None
    return asn1_x509.Certificate.load(der)


def _registry(cert: asn1_x509.Certificate, chain: list[asn1_x509.Certificate]) -> SimpleCertificateStore:
    store: SimpleCertificateStore = SimpleCertificateStore.from_certs([cert, *chain])  # type: ignore[no-untyped-call]
    return store


async def prepare(
    pdf: bytes,
    cert: asn1_x509.Certificate,
    chain: list[asn1_x509.Certificate],
    *,
    field_name: str = "LanhDaoKy",
    reason: str = "Phê duyệt văn bản",
    box: tuple[int, int, int, int] = (330, 330, 540, 440),
) -> Prepared:
    """Reserve the signature in the PDF and compute what the token must sign."""
    if not pdf.startswith(b"%PDF"):
        raise TokenSigningError("Tệp cần ký không phải PDF")
    if cert.public_key.algorithm != "rsa":
        raise TokenSigningError("Chỉ hỗ trợ khóa RSA trên token")
    signer = signers.ExternalSigner(
        signing_cert=cert,
        cert_registry=_registry(cert, chain),
        signature_value=bytes(cert.public_key.bit_size // 8),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=field_name, reason=reason, md_algorithm=DIGEST, subfilter=fields.SigSeedSubFilter.PADES
    )
    try:
        writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    except Exception as exc:
        raise TokenSigningError(f"Không đọc được PDF: {exc}") from None
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer,
        new_field_spec=fields.SigFieldSpec(sig_field_name=field_name, on_page=0, box=box),
    )
    prepared, tbs, output = await pdf_signer.async_digest_doc_for_signing(writer)
    if tbs.post_sign_instructions is not None:  # no DSS, no document timestamp: nothing after the CMS
        raise TokenSigningError("Không chuẩn bị được chữ ký token (cần bước sau ký không hỗ trợ)")
    attrs = await signer.signed_attrs(prepared.document_digest, DIGEST, use_pades=True)
    assert isinstance(output, BytesIO)
    return Prepared(
        output=output.getvalue(),
        signed_attrs=attrs.dump(),
        document_digest=prepared.document_digest,
        reserved_start=prepared.reserved_region_start,
        reserved_end=prepared.reserved_region_end,
        certificate=cert,
        chain=list(chain),
    )


def check_signature(cert: asn1_x509.Certificate, digest: bytes, signature: bytes) -> None:
    """The token's signature must be the certificate's key over the prepared digest."""
    public = x509.load_der_x509_certificate(cert.dump()).public_key()
    if not isinstance(public, rsa.RSAPublicKey):
        raise TokenSigningError("Chỉ hỗ trợ khóa RSA trên token")
    try:
        public.verify(signature, digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
    except InvalidSignature:
        raise TokenSigningError("Chữ ký trả về không khớp với chứng thư số hoặc với dữ liệu cần ký") from None


async def complete(prepared: Prepared, signature: bytes) -> bytes:
    """Check the token's signature and embed the CMS in the prepared PDF; the signed PDF."""
    check_signature(prepared.certificate, prepared.digest, signature)
    signer = signers.ExternalSigner(
        signing_cert=prepared.certificate,
        cert_registry=_registry(prepared.certificate, prepared.chain),
        signature_value=signature,
    )
    attrs = cms.CMSAttributes.load(prepared.signed_attrs)
    container = await signer.async_sign_prescribed_attributes(DIGEST, signed_attrs=attrs)
    digest = PreparedByteRangeDigest(
        document_digest=prepared.document_digest,
        reserved_region_start=prepared.reserved_start,
        reserved_region_end=prepared.reserved_end,
    )
    out = BytesIO(prepared.output)
    await PdfTBSDocument.async_finish_signing(out, digest, container)
    return out.getvalue()

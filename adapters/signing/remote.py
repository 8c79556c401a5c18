"""Signing with a token on the signer's own computer: the server prepares, a local agent signs the digest.

Flow (pyHanko interrupted signing): `prepare` adds a signature field and placeholder to the PDF, computes
the /ByteRange digest and the CMS signed attributes, and returns the SHA-256 of their DER encoding for
the token; `complete` checks the token's RSA signature against the certificate and embeds the CMS.
Pending preparations are kept in memory for a few minutes (one process).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument, PostSignInstructions
from pyhanko_certvalidator.registry import SimpleCertificateStore

DIGEST = "sha256"
TTL_SECONDS = 600.0


class RemoteSigningError(ValueError):
    """The preparation or the returned signature cannot be used; the message says why (Vietnamese)."""


@dataclass
class Pending:
    """A prepared signature waiting for the token."""

    id: str
    owner: str
    document_id: str
    certificate: asn1_x509.Certificate
    chain: list[asn1_x509.Certificate]
    signed_attrs: bytes
    prepared: PreparedByteRangeDigest
    post_sign: PostSignInstructions | None
    output: bytes
    created: float = field(default_factory=time.monotonic)

    @property
    def digest(self) -> bytes:
        """SHA-256 of the DER signed attributes: what the token signs (RSA PKCS#1 v1.5, prehashed)."""
        return hashlib.sha256(self.signed_attrs).digest()


@dataclass
class Signed:
    """A completed signature."""

    document_id: str
    pdf: bytes
    signer_subject: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


def load_certificate(data: bytes | str) -> asn1_x509.Certificate:
    """A certificate from PEM or DER (or base64 DER), with a clear error otherwise."""
    raw = data.encode("ascii") if isinstance(data, str) else data
    try:
        if b"-----BEGIN" in raw:
            der = x509.load_pem_x509_certificate(raw).public_bytes(_der())
        else:
            try:
                der = x509.load_der_x509_certificate(raw).public_bytes(_der())
            except ValueError:
                der = x509.load_der_x509_certificate(base64.b64decode(raw)).public_bytes(_der())
    except ValueError as exc:
        raise RemoteSigningError(f"Chứng thư số không đọc được: {exc}") from None
    return asn1_x509.Certificate.load(der)


def _der() -> Any:
    from cryptography.hazmat.primitives.serialization import Encoding

    return Encoding.DER


class RemoteSigner:
    """Prepares and completes PDF signatures whose private key stays on the signer's token."""

    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self.ttl = ttl
        self._pending: dict[str, Pending] = {}

    def _sweep(self) -> None:
        limit = time.monotonic() - self.ttl
        for key in [k for k, p in self._pending.items() if p.created < limit]:
            del self._pending[key]

    async def prepare(
        self,
        pdf: bytes,
        certificate: bytes | str,
        *,
        owner: str,
        document_id: str,
        chain: list[bytes | str] | None = None,
        field_name: str = "LanhDaoKy",
        reason: str = "Phê duyệt văn bản",
        box: tuple[int, int, int, int] = (330, 330, 540, 440),
    ) -> Pending:
        """Reserve the signature in the PDF and compute what the token must sign."""
        self._sweep()
        if not pdf.startswith(b"%PDF"):
            raise RemoteSigningError("Tệp cần ký không phải PDF")
        cert = load_certificate(certificate)
        extra = [load_certificate(c) for c in chain or []]
        if cert.public_key.algorithm != "rsa":
            raise RemoteSigningError("Chỉ hỗ trợ khóa RSA trên token")
        key_bytes = cert.public_key.bit_size // 8
        signer = signers.ExternalSigner(
            signing_cert=cert,
            cert_registry=SimpleCertificateStore.from_certs([cert, *extra]),  # type: ignore[no-untyped-call]
            signature_value=bytes(key_bytes),
        )
        meta = signers.PdfSignatureMetadata(
            field_name=field_name, reason=reason, md_algorithm=DIGEST, subfilter=fields.SigSeedSubFilter.PADES
        )
        try:
            writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
        except Exception as exc:
            raise RemoteSigningError(f"Không đọc được PDF: {exc}") from None
        pdf_signer = signers.PdfSigner(
            meta,
            signer=signer,
            new_field_spec=fields.SigFieldSpec(sig_field_name=field_name, on_page=0, box=box),
        )
        prepared, tbs, output = await pdf_signer.async_digest_doc_for_signing(writer)
        attrs = await signer.signed_attrs(prepared.document_digest, DIGEST, use_pades=True)
        assert isinstance(output, BytesIO)
        pending = Pending(
            id=secrets.token_urlsafe(16),
            owner=owner,
            document_id=document_id,
            certificate=cert,
            chain=extra,
            signed_attrs=attrs.dump(),
            prepared=prepared,
            post_sign=tbs.post_sign_instructions,
            output=output.getvalue(),
        )
        self._pending[pending.id] = pending
        return pending

    def get(self, pending_id: str, owner: str) -> Pending:
        self._sweep()
        pending = self._pending.get(pending_id)
        if pending is None or pending.owner != owner:
            raise RemoteSigningError("Phiên ký không tồn tại hoặc đã hết hạn; hãy ký lại")
        return pending

    async def complete(self, pending_id: str, owner: str, signature: bytes) -> Signed:
        """Check the token's signature against the certificate and embed the CMS in the PDF."""
        pending = self.get(pending_id, owner)
        public = x509.load_der_x509_certificate(pending.certificate.dump()).public_key()
        if not isinstance(public, rsa.RSAPublicKey):
            raise RemoteSigningError("Chỉ hỗ trợ khóa RSA trên token")
        try:
            public.verify(signature, pending.digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
        except InvalidSignature:
            raise RemoteSigningError(
                "Chữ ký trả về không khớp với chứng thư số hoặc với dữ liệu cần ký"
            ) from None
        signer = signers.ExternalSigner(
            signing_cert=pending.certificate,
            cert_registry=SimpleCertificateStore.from_certs([pending.certificate, *pending.chain]),  # type: ignore[no-untyped-call]
            signature_value=signature,
        )
        attrs = cms.CMSAttributes.load(pending.signed_attrs)
        container = await signer.async_sign_prescribed_attributes(DIGEST, signed_attrs=attrs)
        out = BytesIO(pending.output)
        await PdfTBSDocument.async_finish_signing(
            out, pending.prepared, container, post_sign_instr=pending.post_sign
        )
        del self._pending[pending.id]
        subject = pending.certificate.subject.human_friendly
        return Signed(pending.document_id, out.getvalue(), subject)


def signature_count(pdf: bytes) -> int:
    """How many signatures a PDF carries."""
    return len(PdfFileReader(BytesIO(pdf)).embedded_signatures)

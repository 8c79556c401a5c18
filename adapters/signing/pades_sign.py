"""Make one visible PAdES signature (approval or issuing) as an incremental update."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import aiohttp
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from adapters.signing.certcheck import RevocationChecker, check_certificate, display_name
from adapters.signing.fonts import compact_font
from adapters.signing.placement import PlacementError, check_placement
from adapters.signing.refusals import SigningRefused
from adapters.signing.settings import SignerProfile, SigningConfig
from adapters.signing.stamp import (
    Fonts,
    approval_appearance,
    issue_appearance,
    stamp_style,
    vietnamese_date_line,
)
from schemas.signing import CertificateCheck, PadesLevel, SigningStage, SignPdfRequest, SignPdfResult

__all__ = ["SigningContext", "SigningRefused", "sign_pdf"]


@dataclass
class SigningContext:
    """Per-process state reused across signatures: config, trust anchors, timestamp client."""

    config: SigningConfig
    trust_roots: list[asn1_x509.Certificate]
    extra_certs: list[asn1_x509.Certificate]
    session: aiohttp.ClientSession | None = field(default=None, repr=False)
    revocation: RevocationChecker | None = field(default=None, repr=False)
    _timestamper: HTTPTimeStamper | None = field(default=None, repr=False)
    _reserved: dict[tuple[bytes, PadesLevel], int] = field(default_factory=dict, repr=False)

    def revocation_checker(self) -> RevocationChecker:
        """The pre-signing revocation check (trust anchors, intermediates, synchronised CRLs)."""
        if self.revocation is None:
            self.revocation = RevocationChecker(self.trust_roots, self.extra_certs)
        return self.revocation

    @property
    def fonts(self) -> Fonts:
        return Fonts(compact_font(self.config.font), compact_font(self.config.bold_font))

    def timestamper(self) -> HTTPTimeStamper:
        """Return the shared RFC 3161 client, so its dummy-token cache is reused."""
        if self.config.tsa_url is None:
            raise SigningRefused(
                "PAdES B-T and B-LT need a timestamp authority: configure tsa_url",
                "chữ ký B-T, B-LT cần máy chủ cấp dấu thời gian (tsa_url)",
            )
        if self._timestamper is None:
            self._timestamper = HTTPTimeStamper(self.config.tsa_url, timeout=10, session=self.session)
        return self._timestamper


async def _reserved_bytes(
    signer: signers.Signer, ctx: SigningContext, level: PadesLevel, timestamper: HTTPTimeStamper | None
) -> int | None:
    """Room for the signature container, sized once per certificate and level the way pyHanko would (a dry
    run of the CMS, doubled for hex, plus half again) instead of a dry run before every signature. B-LT
    embeds revocation data that changes from one signature to the next: pyHanko sizes it each time."""
    cert = signer.signing_cert
    if level is PadesLevel.B_LT or cert is None:
        return None
    key = (cert.sha256, level)
    if key not in ctx._reserved:
        dry = await signer.async_sign(
            hashlib.sha256(b"").digest(),
            "sha256",
            use_pades=True,
            dry_run=True,
            timestamper=timestamper,
            signed_attr_settings=PdfCMSSignedAttributes(
                signing_time=datetime.now(ZoneInfo(ctx.config.timezone))
            ),
        )
        length = len(dry.dump()) * 2
        ctx._reserved[key] = length + 2 * (length // 4)
    return ctx._reserved[key]


async def _check_signer_cert(signer: signers.Signer, ctx: SigningContext, now: datetime) -> CertificateCheck:
    """Circular 15/2025 before signing: valid now, a strong enough key, not revoked (when checkable)."""
    cert = signer.signing_cert
    if cert is None:
        raise SigningRefused("the signer has no certificate", "khóa ký không có chứng thư số")
    chain = [c for c in signer.cert_registry if c != cert] if signer.cert_registry is not None else []
    return await check_certificate(cert, chain, now, ctx.revocation_checker(), ctx.session)


def _refusal_from(exc: SigningError) -> SigningRefused:
    cause = exc.__cause__ or exc.__context__
    detail = f"{exc}: {cause}" if cause else str(exc)
    if "revoked" in detail.lower():
        return SigningRefused(
            f"the signer's certificate has been revoked ({detail})", "chứng thư số của người ký đã bị thu hồi"
        )
    return SigningRefused(
        f"signing failed: {detail}",
        "không ký được văn bản: không xác thực được chứng thư số hoặc dấu thời gian",
    )


def _appearance(req: SignPdfRequest, profile: SignerProfile, ctx: SigningContext, now: datetime) -> bytes:
    width, height = req.box.x2 - req.box.x1, req.box.y2 - req.box.y1
    if req.stage is SigningStage.APPROVAL:
        return approval_appearance(
            width=width,
            height=height,
            fonts=ctx.fonts,
            position=profile.position,
            full_name=profile.full_name,
            signed_at=now,
            signature_image=profile.signature_image,
        )
    assert req.document_number is not None
    return issue_appearance(
        width=width,
        height=height,
        fonts=ctx.fonts,
        organisation=profile.organisation or profile.full_name,
        document_number=req.document_number,
        date_line=vietnamese_date_line(req.place_name, req.issued_on or now.date()),
        signed_at=now,
        seal_image=profile.seal_image,
    )


def _existing_field_names(writer: IncrementalPdfFileWriter) -> set[str]:
    return {name for name, _, _ in fields.enumerate_sig_fields(writer.prev, filled_status=None)}


def _open_for_signing(data: bytes, req: SignPdfRequest) -> tuple[IncrementalPdfFileWriter, str]:
    """The PDF opened for an incremental update and the new field's name, or the reason it cannot be."""
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    except (PdfReadError, ValueError) as exc:
        raise SigningRefused(f"not a readable PDF: {exc}", "tệp không phải PDF đọc được") from None
    if writer.prev.encrypted:
        raise SigningRefused("encrypted PDFs cannot be signed", "không ký được tệp PDF đã mã hoá")
    try:
        check_placement(data, req.box, req.stage)
    except PlacementError as exc:
        raise SigningRefused(exc.en, exc.vi) from None
    existing = _existing_field_names(writer)
    field_name = req.field_name or f"{req.stage.value.capitalize()}{len(existing) + 1}"
    if field_name in existing:
        raise SigningRefused(
            f"signature field {field_name!r} already exists", f"trường chữ ký {field_name!r} đã tồn tại"
        )
    return writer, field_name


async def sign_pdf(
    data: bytes, req: SignPdfRequest, profile: SignerProfile, signer: signers.Signer, ctx: SigningContext
) -> tuple[bytes, SignPdfResult]:
    """Sign data as asked; raise SigningRefused with a reason when the request cannot be honoured."""
    now = datetime.now(ZoneInfo(ctx.config.timezone)).replace(microsecond=0)
    writer, field_name = _open_for_signing(data, req)
    checked = await _check_signer_cert(signer, ctx, now)
    level = req.level
    validation_context = None
    if level is PadesLevel.B_LT:
        validation_context = ValidationContext(
            trust_roots=ctx.trust_roots,
            other_certs=ctx.extra_certs,
            allow_fetching=True,
            fetcher_backend=AIOHttpFetcherBackend(ctx.session) if ctx.session is not None else None,
        )
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=req.reason
        or ("Phê duyệt văn bản" if req.stage is SigningStage.APPROVAL else "Ban hành văn bản"),
        location=req.location,
        name=profile.full_name,
        embed_validation_info=level is PadesLevel.B_LT,
        validation_context=validation_context,
    )
    box = req.box
    spec = fields.SigFieldSpec(
        sig_field_name=field_name,
        on_page=box.page - 1,
        box=(round(box.x1), round(box.y1), round(box.x2), round(box.y2)),
    )
    timestamper = ctx.timestamper() if level is not PadesLevel.B_B else None
    pdf_signer = signers.PdfSigner(
        meta,
        signer,
        timestamper=timestamper,
        stamp_style=stamp_style(_appearance(req, profile, ctx, now)),
        new_field_spec=spec,
    )
    out = io.BytesIO()
    try:
        reserved = await _reserved_bytes(signer, ctx, level, timestamper)
        await pdf_signer.async_sign_pdf(writer, output=out, bytes_reserved=reserved)
    except SigningError as exc:
        raise _refusal_from(exc) from None
    signed = out.getvalue()
    cert = signer.signing_cert
    assert cert is not None
    result = SignPdfResult(
        field_name=field_name,
        signer_subject=display_name(cert),
        signer_serial=format(cert.serial_number, "x"),
        stage=req.stage,
        level=level,
        signed_at=now,
        sha256=hashlib.sha256(signed).hexdigest(),
        size=len(signed),
        certificate=checked,
    )
    return signed, result

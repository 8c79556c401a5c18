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
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from adapters.signing.config import SignerProfile, SigningConfig
from adapters.signing.fonts import compact_font
from adapters.signing.models import PadesLevel, SigningStage, SignPdfRequest, SignPdfResult
from adapters.signing.placement import PlacementError, check_placement
from adapters.signing.stamp import (
    Fonts,
    approval_appearance,
    issue_appearance,
    stamp_style,
    vietnamese_date_line,
)


class SigningRefused(ValueError):
    """The document cannot be signed as asked; the message says why in English and Vietnamese."""

    def __init__(self, en: str, vi: str) -> None:
        super().__init__(en, vi)
        self.en, self.vi = en, vi

    def __str__(self) -> str:
        return f"{self.en} / {self.vi}"


@dataclass
class SigningContext:
    """Per-process state reused across signatures: config, trust anchors, timestamp client."""

    config: SigningConfig
    trust_roots: list[asn1_x509.Certificate]
    extra_certs: list[asn1_x509.Certificate]
    session: aiohttp.ClientSession | None = field(default=None, repr=False)
    _timestamper: HTTPTimeStamper | None = field(default=None, repr=False)

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


def _check_signer_cert(signer: signers.Signer, now: datetime) -> None:
    cert = signer.signing_cert
    if cert is None:
        return
    not_after = cert["tbs_certificate"]["validity"]["not_after"].native
    not_before = cert["tbs_certificate"]["validity"]["not_before"].native
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


async def sign_pdf(
    data: bytes, req: SignPdfRequest, profile: SignerProfile, signer: signers.Signer, ctx: SigningContext
) -> tuple[bytes, SignPdfResult]:
    """Sign data as asked; raise SigningRefused with a reason when the request cannot be honoured."""
    now = datetime.now(ZoneInfo(ctx.config.timezone)).replace(microsecond=0)
    _check_signer_cert(signer, now)
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
    pdf_signer = signers.PdfSigner(
        meta,
        signer,
        timestamper=ctx.timestamper() if level is not PadesLevel.B_B else None,
        stamp_style=stamp_style(_appearance(req, profile, ctx, now)),
        new_field_spec=spec,
    )
    out = io.BytesIO()
    try:
        await pdf_signer.async_sign_pdf(writer, output=out)
    except SigningError as exc:
        raise _refusal_from(exc) from None
    signed = out.getvalue()
    cert = signer.signing_cert
    assert cert is not None
    result = SignPdfResult(
        field_name=field_name,
        signer_subject=cert.subject.human_friendly,
        signer_serial=format(cert.serial_number, "x"),
        stage=req.stage,
        level=level,
        signed_at=now,
        sha256=hashlib.sha256(signed).hexdigest(),
        size=len(signed),
    )
    return signed, result

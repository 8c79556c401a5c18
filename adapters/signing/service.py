"""The signing adapter's logic: commands to the engine and back, and the USB token signing flow.

`sign_document` and `validate_document` turn a bus command into an engine call and return the outcome
to publish (same correlation id, by the consumer): `sign.pdf.signed` or `sign.pdf.refused`,
`sign.validate.completed` or `sign.validate.failed`. A signing command names the acting user: unless
that person is bound to the key (`authority.py`), the service answers `sign.pdf.refused`, writes an
audit row and the command goes to the dead letters (`NotTheSigner`, a domain error). A key that cannot
be opened (missing token, wrong PIN) is a transient error: the command is retried and, when deliveries
run out, dead-lettered with a reason that names the key source, never the secret.

The USB token flow is `tokens.py`.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import structlog

from adapters.signing.authority import KeyHolders, refusal
from adapters.signing.pades_report import NotAPdf
from adapters.signing.refusals import SigningRefused
from adapters.signing.settings import KeySourceError
from adapters.signing.xmldsig_report import NotEdxml
from hub.adapter_health import record_call
from hub.errors import Forbidden, TransientError
from hub.models import AuditEntry
from schemas.signing import (
    DocumentValidated,
    PdfSigned,
    PdfSignRefused,
    SignPdfRequested,
    ValidateRequested,
    ValidationFailed,
)

if TYPE_CHECKING:
    from adapters.signing.engine import SigningEngine
    from hub.runtime import Hub

log = structlog.get_logger(__name__)
PDF = "application/pdf"


def is_xml(data: bytes) -> bool:
    """Tell an XML (edXML) document from a PDF by its first bytes."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


async def _health(hub: Hub, ok: bool, started: float, error: str | None = None) -> None:
    """Report the signing engine's health to the portal's adapter health."""
    await record_call(hub, "signing", ok, (time.perf_counter() - started) * 1000, error=error)


class NotTheSigner(Forbidden):
    """The acting user is not bound to the key: answered with `outcome` (refused), then dead-lettered."""

    def __init__(self, outcome: PdfSignRefused) -> None:
        super().__init__(outcome.reason_vi)
        self.outcome = outcome


async def _audit(hub: Hub, actor: str, action: str, target: str, **detail: Any) -> None:
    """An audit row in its own transaction (the bus consumer has none)."""
    async with hub.db.session() as s:
        s.add(AuditEntry(at=datetime.now(UTC), actor=actor, action=action, target=target, detail=detail))


async def check_authority(hub: Hub, holders: KeyHolders, cmd: SignPdfRequested, sent_by: str | None) -> None:
    """Raise NotTheSigner (after an audit row) unless the acting user is bound to the requested key."""
    profile = cmd.request.signer
    if sent_by and sent_by != cmd.user_id:
        reason: str | None = (
            f"Yêu cầu ký do {sent_by} gửi nhưng ghi người ký là {cmd.user_id}: không ký thay người khác"
        )
    else:
        async with hub.db.session() as s:
            reason = await refusal(s, holders, profile, cmd.user_id)
    if reason is None:
        return
    await _audit(
        hub,
        cmd.user_id,
        "signing.refused",
        f"signer:{profile}",
        reason=reason,
        stage=cmd.request.stage.value,
        document_sha256=cmd.document.sha256,
        sent_by=sent_by,
    )
    log.warning("signing.not_the_signer", signer=profile, user=cmd.user_id, sent_by=sent_by)
    raise NotTheSigner(
        PdfSignRefused(
            original=cmd.document,
            request=cmd.request,
            reason_vi=reason,
            reason_en=f"user {cmd.user_id!r} is not bound to the signing key {profile!r}",
        )
    )


async def sign_document(
    hub: Hub,
    engine: SigningEngine,
    cmd: SignPdfRequested,
    holders: KeyHolders | None = None,
    sent_by: str | None = None,
) -> PdfSigned | PdfSignRefused:
    """Sign a claim-checked PDF for its bound signer: the signed revision as a new claim, or the refusal."""
    await check_authority(hub, holders or KeyHolders(), cmd, sent_by)
    data = await hub.claims.get(cmd.document)
    started = time.perf_counter()
    try:
        signed, result = await engine.sign_pdf(data, cmd.request)
    except SigningRefused as exc:
        await _health(hub, True, started)  # the keys and workers are fine: a business refusal
        log.info("signing.refused", signer=cmd.request.signer, reason=exc.en)
        return PdfSignRefused(original=cmd.document, request=cmd.request, reason_vi=exc.vi, reason_en=exc.en)
    except KeySourceError as exc:
        await _health(hub, False, started, error=str(exc))
        raise TransientError(str(exc)) from None
    await _health(hub, True, started)
    claim = await hub.claims.put(signed, media_type=PDF)
    await _audit(
        hub,
        cmd.user_id,
        "signing.signed",
        f"signer:{cmd.request.signer}",
        stage=cmd.request.stage.value,
        document_sha256=cmd.document.sha256,
        signed_sha256=claim.sha256,
        revocation=result.certificate.revocation if result.certificate else None,
    )
    return PdfSigned(original=cmd.document, signed=claim, result=result)


async def validate_document(
    hub: Hub, engine: SigningEngine, cmd: ValidateRequested
) -> DocumentValidated | ValidationFailed:
    """Validate every signature of a claim-checked PDF or edXML message (told apart by content)."""
    data = await hub.claims.get(cmd.document)
    try:
        if is_xml(data):
            report = await engine.validate_edxml(data)
        else:
            report = await engine.validate_pdf(data, cmd.request)
    except (NotAPdf, NotEdxml) as exc:
        return ValidationFailed(
            document=cmd.document,
            reason_vi="tệp không phải PDF hay edXML đọc được, không kiểm tra được chữ ký",
            reason_en=str(exc),
        )
    return DocumentValidated(document=cmd.document, report=report)

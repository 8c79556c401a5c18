"""Bus glue of the signing adapter: `sign.pdf.requested` and `sign.validate.requested` commands.

Each consumer hands the command to `service.py` and publishes the outcome it returns, caused by the
command (same correlation id and business key). A signing command from someone not bound to the key is
answered `sign.pdf.refused`, then dead-lettered (the service has written the audit row). Without a
signing configuration nothing is registered: the server holds no keys (token signing still works).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog

from adapters.signing import service
from schemas.signing import DocumentValidated, PdfSigned, SignPdfRequested, ValidateRequested

if TYPE_CHECKING:
    from adapters.signing import SigningModule
    from hub.runtime import Delivery, Hub

log = structlog.get_logger(__name__)


def setup(hub: Hub, module: SigningModule) -> None:
    """Register the signing and validation consumers when the module has a configuration."""
    if module.config is None:
        log.info("signing.disabled", reason="LIENTHONG_SIGNING_CONFIG is not set")
        return
    wait = module.settings.ack_wait_seconds

    @hub.consumer("signing-pdf", "lt.sign.cmd.pdf", ack_wait=wait)
    async def sign(d: Delivery) -> None:
        """Sign a claim-checked PDF and publish the signed revision, or the refusal."""
        cmd: SignPdfRequested = d.payload
        try:
            outcome = await service.sign_document(
                d.hub, module.engine, cmd, module.holders, sent_by=d.envelope.user_id
            )
        except service.NotTheSigner as refused:
            await d.emit("sign.pdf.refused", refused.outcome)
            raise  # a domain error: the command goes to the dead letters with the reason
        await d.emit("sign.pdf.signed" if isinstance(outcome, PdfSigned) else "sign.pdf.refused", outcome)

    @hub.consumer("signing-validate", "lt.sign.cmd.validate", ack_wait=wait)
    async def validate(d: Delivery) -> None:
        """Validate every signature of a claim-checked PDF or edXML message and publish the report."""
        cmd: ValidateRequested = d.payload
        outcome = await service.validate_document(d.hub, module.engine, cmd)
        done = isinstance(outcome, DocumentValidated)
        await d.emit("sign.validate.completed" if done else "sign.validate.failed", outcome)

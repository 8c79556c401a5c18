"""Bus consumers of the complaints module: submissions by post, e-mail or web, signing outcomes.

Thin glue: each translates the payload and calls the service. All transactional: the effect, the
inbox row and the emitted messages commit together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.complaints import service

if TYPE_CHECKING:
    from handlers.complaints import ComplaintsModule
    from hub.runtime import Delivery, Hub
    from schemas.complaints import SubmitCase
    from schemas.signing import PdfSigned, PdfSignRefused


def setup(hub: Hub, module: ComplaintsModule) -> None:
    """Register the module's consumers on the hub."""

    @hub.consumer("complaints-submit", "lt.complaint.cmd.submit", transactional=True)
    async def on_submit(d: Delivery) -> None:
        """A case arrived by post, e-mail or web form through another adapter."""
        sub: SubmitCase = d.payload
        await service.submit(
            d, sub, when=module.now(), by=d.envelope.user_id, intake_unit=module.settings.intake_unit
        )

    @hub.consumer("complaints-signed", "lt.sign.evt.pdf_signed", transactional=True)
    async def on_signed(d: Delivery) -> None:
        """The leader signed the conclusion: it goes to the clerks to be numbered, sealed and issued."""
        signed: PdfSigned = d.payload
        await service.conclusion_signed(
            d,
            d.envelope.issue,
            original=signed.original,
            signed=signed.signed,
            signer=d.envelope.user_id or "",  # who asked, whom the signing service bound to the key
            when=module.now(),
        )

    @hub.consumer(
        "complaints-conclusion-issued", "lt.doc.evt.issued", transactional=True, types=["document.issued"]
    )
    async def on_issued(d: Delivery) -> None:
        """The clerk issued a conclusion (numbered, sealed): the case closes and the submitter is told."""
        await service.conclusion_issued(d, d.payload, on=module.today())

    @hub.consumer("complaints-sign-refused", "lt.sign.evt.pdf_refused", transactional=True)
    async def on_refused(d: Delivery) -> None:
        """Signing was refused: the case goes back to the unit with the reason."""
        refused: PdfSignRefused = d.payload
        await service.signing_refused(d, d.envelope.issue, reason=refused.reason_vi, when=module.now())

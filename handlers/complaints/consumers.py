"""Bus consumers of the complaints module: submissions by post/e-mail/web, signing outcomes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog

from handlers.complaints import service
from handlers.complaints.models import Case

if TYPE_CHECKING:
    from handlers.complaints import ComplaintsModule
    from hub.runtime import Delivery, Hub

log = structlog.get_logger(__name__)
PREFIX = "complaint:"


def register(hub: Hub, module: ComplaintsModule) -> None:
    @hub.consumer("complaints-submit", "lt.complaint.cmd.submit", transactional=True)
    async def on_submit(d: Delivery) -> None:
        """A case arrived by post, e-mail or web form through another adapter."""
        await service.submit(
            d, d.payload, when=module.now(), by=d.envelope.user_id, intake_unit=module.intake_unit
        )

    async def case_of(d: Delivery) -> Case | None:
        issue = d.envelope.issue or ""
        if not issue.startswith(PREFIX) or d.session is None:
            return None
        return await d.session.get(Case, issue[len(PREFIX) :])

    @hub.consumer("complaints-signed", "lt.sign.evt.pdf_signed", transactional=True)
    async def on_signed(d: Delivery) -> None:
        """The conclusion was signed: close the case."""
        c = await case_of(d)
        if c is None or c.status != "concluding":
            return
        if (c.conclusion_draft or {}).get("sha256") != d.payload.original.sha256:
            log.warning("complaints.signed_other_document", case=c.number)
            return
        await service.concluded(d, c, signed=d.payload.signed.model_dump(mode="json"), on=module.today())

    @hub.consumer("complaints-sign-refused", "lt.sign.evt.pdf_refused", transactional=True)
    async def on_refused(d: Delivery) -> None:
        """Signing was refused: the case goes back to the unit with the reason."""
        c = await case_of(d)
        if c is None or c.status != "concluding":
            return
        c.status = "accepted"
        await service.note(
            d, c, when=module.now(), by=None, text=f"Ký số bị từ chối: {d.payload.reason_vi}", kind="signing"
        )

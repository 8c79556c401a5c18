"""Bus glue of the one-stop adapter: intake facts go back to the one-stop system as status callbacks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.onestop import service
from schemas.intake import DossierFacts

if TYPE_CHECKING:
    from adapters.onestop.client import OnestopClient
    from hub.runtime import Delivery, Hub


def setup(hub: Hub, client: OnestopClient | None) -> None:
    """Register the status consumer when the system can be called (secret and system_url set)."""
    if client is None:
        return

    @hub.consumer("onestop-status", "lt.intake.evt.>", transactional=False)
    async def status_back(d: Delivery) -> None:
        """Tell the one-stop system the dossier's code, status and appointment."""
        if isinstance(d.payload, DossierFacts):
            await service.report_status(d.hub, client, d.payload, str(d.envelope.id))

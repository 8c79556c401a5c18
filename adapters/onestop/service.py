"""The one-stop adapter's logic: a webhook body becomes `onestop.dossier_event`; status goes back.

Inline documents move to the Object Store first, so the event carries claim checks. The delivery id of
the webhook fixes the message id: a webhook the system re-sends is de-duplicated by JetStream.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from adapters.onestop import mapping
from hub.adapter_health import observed

if TYPE_CHECKING:
    from adapters.onestop.client import OnestopClient
    from hub.runtime import Hub
    from schemas.envelope import Envelope
    from schemas.intake import DossierFacts

_NS = uuid.UUID("0b0c3f0e-5a52-4c8e-9a77-1f6f3c0d2e11")


async def _store_inline(hub: Hub, index: int, item: Any) -> Any:
    """Replace an inline document by its claim check in the Object Store; other items stay as they are."""
    inline = mapping.inline_document(index, item)
    if inline is None:
        return item
    claim = await hub.claims.put(inline.content, media_type=inline.media_type)
    kept = {k: v for k, v in item.items() if k != "content_base64"}
    return {**kept, "claim": claim.model_dump(mode="json")}


async def accept_webhook(hub: Hub, body: bytes, delivery: str) -> Envelope:
    """Publish one authenticated webhook body as `onestop.dossier_event`; refusals are `Invalid`.

    The exchange counts in the system's health record: a body that breaks the contract as a failure.
    """
    async with observed(hub, "onestop"):
        raw = mapping.webhook_body(body)
        documents = raw.get("documents") or []
        raw["documents"] = [await _store_inline(hub, i, f) for i, f in enumerate(documents)]
        event = mapping.dossier_event(raw)
        return await hub.publish(
            "onestop.dossier_event",
            event,
            source="onestop",
            issue=event.code or event.external_id,
            id=uuid.uuid5(_NS, delivery),
        )


async def report_status(hub: Hub, client: OnestopClient, facts: DossierFacts, delivery: str) -> None:
    """Tell the one-stop system a dossier's code, status and appointment (dossiers it sent only)."""
    if not facts.external_id:
        return
    async with observed(hub, "onestop"):
        await client.post_status(facts.external_id, mapping.status_body(facts), delivery)

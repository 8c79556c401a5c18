"""The national axis's wire -> the shared intake: one inbox item becomes an `Arrival`."""

from __future__ import annotations

from adapters.axis.intake import Arrival
from adapters.vdxp.protocol import ReceivedItem
from schemas.axis import AxisMessageType


def arrival_of(item: ReceivedItem, message_type: AxisMessageType, systemid: str) -> Arrival:
    """The intake's view of an inbox item: the axis names the sender, the content hash keys the ids.

    The key keeps the envelope ids of earlier releases (`systemid:docId:sha256`), so an item taken
    again after an upgrade is still recognised as a duplicate.
    """
    return Arrival(
        axis="vdxp",
        axis_doc_id=item.doc_id,
        message_type=message_type,
        sender=item.from_code,
        key=f"{systemid}:{item.doc_id}:{item.content_sha256 or ''}",
    )

"""Split each `axis.send` between the axes: city-axis members to LGSP, everyone else to VDXP.

The one consumer of the split is in consumers.py; this file holds the decision and the members list.

`lt.axis.cmd.send` is a work-queue subject, so exactly one consumer takes it: this dispatcher. The
LGSP adapter publishes which agencies it reaches (KV `lt-cursors`, key `lgsp.members`); every other
recipient goes through the national axis. Each axis gets its own command subject.
"""

from __future__ import annotations

import json

import structlog
from nats.js.errors import KeyNotFoundError

from adapters.axis.mapping import edxml_of
from hub.errors import PermanentError
from hub.runtime import Delivery, Hub
from schemas.axis import AxisSendRequested
from schemas.edxml.peek import EdxmlPeekError, peek_edxml

log = structlog.get_logger(__name__)

SEND_SUBJECT = "lt.axis.cmd.send"
VDXP_SUBJECT = "lt.axis.cmd.vdxp"
LGSP_SUBJECT = "lt.axis.cmd.lgsp"
MEMBERS_BUCKET = "lt-cursors"
MEMBERS_KEY = "lgsp.members"


async def city_members(hub: Hub) -> frozenset[str]:
    """Agencies the city axis reaches, as the LGSP adapter last published them (none if it is off)."""
    assert hub.js is not None
    kv = await hub.js.key_value(MEMBERS_BUCKET)
    try:
        entry = await kv.get(MEMBERS_KEY)
    except KeyNotFoundError:
        return frozenset()
    return frozenset(json.loads(entry.value or b"[]"))


async def publish_city_members(hub: Hub, members: frozenset[str]) -> None:
    """Called by the LGSP adapter whenever its directory changes."""
    assert hub.js is not None
    kv = await hub.js.key_value(MEMBERS_BUCKET)
    await kv.put(MEMBERS_KEY, json.dumps(sorted(members)).encode())


async def dispatch(d: Delivery) -> None:
    """Split an axis.send command by recipient between the city axis and the national axis."""
    hub = d.hub
    command: AxisSendRequested = d.payload
    edxml = await edxml_of(hub, command)
    command = command.model_copy(update={"edxml": edxml, "edoc": None, "status": None, "attachments": []})
    recipients = list(command.to_codes or ())
    if not recipients:
        content = await hub.claims.get(edxml)
        try:
            recipients = list(peek_edxml(content).receiver_ids)
        except EdxmlPeekError as exc:
            raise PermanentError(f"axis.send without to_codes and unreadable edXML: {exc}") from exc
    if not recipients:
        raise PermanentError("axis.send names no recipient, in to_codes or in the edXML")
    members = await city_members(hub)
    city = [c for c in recipients if c in members]
    national = [c for c in recipients if c not in members]
    for subject, codes in ((LGSP_SUBJECT, city), (VDXP_SUBJECT, national)):
        if codes:
            await d.emit("axis.send", command.model_copy(update={"to_codes": codes}), subject=subject)
    log.info("axis.dispatched", city=city, national=national, document_id=command.document_id)

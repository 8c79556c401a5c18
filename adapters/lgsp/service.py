"""LGSP on the bus: poll the city axis into the shared axis intake, send `axis.send` to city members.

Receiving (the poll loop, and pushes to our own endpoint): each message goes to the shared
`AxisIntake` (`adapters/axis/intake.py`) as an `Arrival`; it publishes `document.received` or
`document.status_changed` and queues the 01 answer, or refuses the message (`axis.receive_failed`
and a 02 answer). Only then is the message confirmed on the axis, with a 01 or 02 trace. Envelope ids
are derived from our code and the axis id, so a re-poll after a crash before ConfirmReceived is
de-duplicated by JetStream.

Sending: the axis dispatcher routes to `lt.axis.cmd.lgsp` the recipients we said we reach (city-axis
members and our push partners); push partners get the message in their queue on our endpoint, the
others through SendDocument.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from typing import TYPE_CHECKING

import structlog

from adapters.axis.intake import AxisIntake, Refused
from adapters.axis.mapping import edxml_of
from adapters.axis.service import publish_city_members
from adapters.lgsp import mapping
from adapters.lgsp.client import LgspClient
from adapters.lgsp.errors import LgspPermanentError, LgspTransientError
from adapters.lgsp.protocol import StatusInfo
from adapters.lgsp.push import InboundBackend, InboundDocument, Rejection
from adapters.lgsp.store import MemoryStore
from hub.adapter_health import observed
from hub.errors import PermanentError, TransientError
from kit.tasks import cancel
from schemas.axis import AxisSendRequested
from schemas.edxml.models import Organization
from schemas.edxml.peek import EdxmlPeekError, EdxmlSummary, peek_edxml

if TYPE_CHECKING:
    from adapters.lgsp.settings import LgspSettings
    from hub.runtime import Delivery, Hub

log = structlog.get_logger(__name__)
SOURCE = "lgsp"
IDS = uuid.UUID("9b7e4c1a-0f3d-4e8b-a6c2-51d8e2f7a403")
"""Namespace of the envelope ids of what we publish about an incoming message."""


class CityDirectory:
    """Which organisation codes are reachable on the city axis."""

    def __init__(self, client: LgspClient, static: frozenset[str] = frozenset(), ttl: float = 3600.0) -> None:
        self.client = client
        self.static = static
        self.ttl = ttl
        self._cached: frozenset[str] = frozenset()
        self._loaded_at = -float("inf")

    async def members(self) -> frozenset[str]:
        """Return the member codes (configured, or GetOrganizations cached for `ttl` seconds)."""
        if self.static:
            return self.static
        if time.monotonic() - self._loaded_at > self.ttl:
            self._cached = frozenset(o.organ_id for o in await self.client.get_organizations())
            self._loaded_at = time.monotonic()
        return self._cached


class LgspPoller:
    """Take every pending message of our organisation from the city axis onto the bus."""

    def __init__(self, client: LgspClient, intake: AxisIntake) -> None:
        self.client = client
        self.intake = intake

    async def poll_once(self) -> Counter[str]:
        """Handle every pending message once; an axis outage (transient error) ends the poll early."""
        outcomes: Counter[str] = Counter()
        for axis_doc_id in await self.client.get_pending_document_ids():
            try:
                document = await self.client.get_document(axis_doc_id)
            except LgspPermanentError as exc:
                log.warning("lgsp.get_document_failed", axis_doc_id=axis_doc_id, error=str(exc))
                outcomes["unavailable"] += 1
                continue
            arrival = mapping.pending_arrival(self.intake.us.organ_id, document)
            try:
                result = await self.intake.take_bytes(arrival, document.content)
            except Exception as exc:  # e.g. the bus is unreachable: leave it pending for the next poll
                log.warning("lgsp.intake_failed", axis_doc_id=axis_doc_id, error=str(exc))
                outcomes["retry_later"] += 1
                continue
            await self.client.confirm_received(axis_doc_id)
            try:
                await self.client.update_traces([mapping.trace_of(axis_doc_id, result)])
            except LgspPermanentError as exc:  # the trace is informative; the status message is what counts
                log.warning("lgsp.trace_failed", axis_doc_id=axis_doc_id, error=str(exc))
            outcomes[result.outcome] += 1
        return outcomes


class LgspSender:
    """Send `axis.send` commands to recipients on the city axis or queue them for our push partners.

    Every message leaves at most once: its SendDocument (and each partner's queue entry) carries an
    idempotency key derived from the command, the same on every redelivery, and the axis answers a
    repeat with the first receipt instead of storing the message again. A recipient that is neither a
    city-axis member nor a push partner gets a failed delivery (`axis.delivery_changed`, `fail`) with
    the reason in Vietnamese, so the clerk sees it on the document.
    """

    def __init__(
        self,
        client: LgspClient | None,
        directory: CityDirectory | None,
        inbound: InboundBackend | None = None,
        organ_id: str = "",
    ) -> None:
        self.client = client
        self.directory = directory
        self.inbound = inbound
        self.organ_id = client.organ_id if client is not None else organ_id

    async def handle(self, d: Delivery) -> None:
        """Send one command; Client faults dead-letter it, Server faults and outages retry it."""
        command: AxisSendRequested = d.payload
        content = await d.hub.claims.get(await edxml_of(d.hub, command))
        summary = _summary(content)
        recipients = list(command.to_codes or ())
        if not recipients:
            if summary is None:
                raise PermanentError("axis.send without to_codes and unreadable edXML")
            recipients = list(summary.receiver_ids)
        document_id = command.document_id or (summary.document_id if summary else None)
        message_type = mapping.wire_message_type(command.message_type)
        partners = [c for c in recipients if self.inbound is not None and self.inbound.store.knows(c)]
        for code in partners:
            assert self.inbound is not None
            key = send_key(d, [code])
            transport_id = await self.inbound.enqueue(code, content, message_type, key)
            await d.emit("axis.sent", mapping.axis_sent(command, self.organ_id, transport_id, [code]))
        others = [c for c in recipients if c not in partners]
        city = await self._city(others)
        for code in (c for c in others if c not in city):
            await self._unreachable(d, command, document_id, code)
        if not city:
            return
        assert self.client is not None  # _city finds members only through the client's directory
        try:
            receipt = await self.client.send_document(content, message_type, city, send_key(d, city))
        except LgspTransientError as exc:
            raise TransientError(f"LGSP SendDocument failed: {exc}") from exc
        except LgspPermanentError as exc:
            raise PermanentError(f"LGSP refused SendDocument: {exc}") from exc
        sent = mapping.axis_sent(command, self.organ_id, receipt.document_id, list(receipt.receiver_ids))
        await d.emit("axis.sent", sent)

    async def _city(self, codes: list[str]) -> list[str]:
        if not codes or self.directory is None or self.client is None:
            return []
        try:
            members = await self.directory.members()
        except LgspTransientError as exc:
            raise TransientError(f"LGSP directory unavailable: {exc}") from exc
        return [code for code in codes if code in members]

    async def _unreachable(
        self, d: Delivery, command: AxisSendRequested, document_id: str | None, code: str
    ) -> None:
        """Report a recipient we cannot reach as a failed delivery, with the reason for the clerk."""
        log.warning("lgsp.unknown_recipient", to_code=code, document_id=document_id)
        event = mapping.unreachable(command, str(d.envelope.id), code, document_id)
        await d.emit(
            "axis.delivery_changed",
            event,
            issue=d.envelope.issue or document_id,
            id=uuid.uuid5(IDS, f"unreachable:{send_key(d, [code])}"),
        )


def send_key(d: Delivery, codes: list[str]) -> str:
    """The idempotency key of sending a command's message to `codes`: the same on every redelivery.

    Derived from the `axis.send` the dispatcher split (the command's cause, stable even if the
    dispatcher splits it again) and the recipients, so two commands never share a key.
    """
    origin = d.envelope.causation_id or d.envelope.id
    return uuid.uuid5(IDS, f"send:{origin}:{','.join(sorted(codes))}").hex


def _summary(content: bytes) -> EdxmlSummary | None:
    """What the edXML says about its recipients and DocumentId, or None when it is unreadable."""
    try:
        return peek_edxml(content)
    except EdxmlPeekError:
        return None


class LgspService:
    """The adapter at work: the intake, the city-axis client and poller, the push backend, the sender.

    Polls and sends through the city axis when LIENTHONG_LGSP_URL is set; keeps the push backend of
    our own endpoint (served by `api.py`) when LIENTHONG_LGSP_INBOUND_ACCOUNTS is set.
    """

    def __init__(self, hub: Hub, settings: LgspSettings) -> None:
        self.hub = hub
        self.settings = settings
        organ_id = settings.organ_id or hub.settings.agency_code
        us = Organization(organ_id=organ_id, organ_name=hub.settings.agency_name)
        self.intake = AxisIntake(hub, source=SOURCE, ids=IDS, us=us, trust=settings.trust())
        self.client: LgspClient | None = None
        self.poller: LgspPoller | None = None
        directory: CityDirectory | None = None
        if settings.url:
            token = settings.token.get_secret_value() if settings.token else ""
            self.client = LgspClient(
                settings.url,
                organ_id,
                token,
                connect_timeout=settings.connect_timeout,
                operation_timeout=settings.operation_timeout,
            )
            self.poller = LgspPoller(self.client, self.intake)
            directory = CityDirectory(self.client, settings.member_codes(), settings.directory_ttl_seconds)
        self.push: InboundBackend | None = None
        accounts = settings.accounts()
        if accounts:
            store = MemoryStore(accounts, hub.settings.data_dir / "lgsp-inbound", persist_accounts=False)
            self.push = InboundBackend(organ_id, store, self.deliver_pushed, on_rejected=self.refuse_pushed)
        self.sender = LgspSender(self.client, directory, self.push, organ_id)
        self._published_members: frozenset[str] | None = None
        self._task: asyncio.Task[None] | None = None

    # Receiving pushes ------------------------------------------------------------------------------

    async def deliver_pushed(self, document: InboundDocument) -> StatusInfo | None:
        """Take a message an agency pushed to our endpoint; answer its SendDocument with 01 or 02."""
        arrival = mapping.arrival(
            self.intake.us.organ_id, document.transport_id, document.sender_id, document.message_type
        )
        result = await self.intake.take_bytes(arrival, document.content)
        return mapping.push_answer(document.message_type, result)

    async def refuse_pushed(self, rejection: Rejection) -> None:
        """Record a push our endpoint's validator refused and queue its 02 answer."""
        arrival = mapping.arrival(
            self.intake.us.organ_id, rejection.transport_id, rejection.sender_id, rejection.message_type
        )
        refused = Refused(rejection.reason, kind=rejection.kind, field=rejection.field)
        await self.intake.refuse_bytes(arrival, rejection.content, refused)

    # Sending ---------------------------------------------------------------------------------------

    async def send(self, d: Delivery) -> None:
        """Send one `axis.send` command; calls that cross the city axis feed its health record."""
        client = self.client
        if client is None:  # only push partners: nothing crosses the city axis
            await self.sender.handle(d)
            return
        async with observed(self.hub, SOURCE, circuit=lambda: client.breaker.state.value):
            await self.sender.handle(d)

    # Background work -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Publish which agencies we reach (for the axis dispatcher); start the poll loop."""
        await self.publish_members()
        if self.poller is not None:
            self._task = asyncio.create_task(self._loop(), name="lgsp-poll")

    async def publish_members(self) -> None:
        """Tell the axis dispatcher who we reach: city-axis members and our push partners."""
        members: set[str] = set()
        if self.push is not None:
            members.update(o.organ_id for o in self.push.store.organizations())
        if self.sender.directory is not None:
            try:
                members.update(await self.sender.directory.members())
            except LgspTransientError as exc:
                log.warning("lgsp.directory_unavailable", error=str(exc))
        if frozenset(members) != self._published_members:
            await publish_city_members(self.hub, frozenset(members))
            self._published_members = frozenset(members)

    def _circuit(self) -> str:
        return self.client.breaker.state.value if self.client is not None else "closed"

    async def _loop(self) -> None:
        assert self.poller is not None
        while True:
            try:
                async with observed(self.hub, SOURCE, circuit=self._circuit):
                    outcomes = await self.poller.poll_once()
                if outcomes:
                    log.info("lgsp.polled", **outcomes)
                await self.publish_members()
            except LgspTransientError as exc:
                log.warning("lgsp.poll_unavailable", error=str(exc))
            except Exception:
                log.exception("lgsp.poll_failed")
            await asyncio.sleep(self.settings.poll_seconds)

    async def stop(self) -> None:
        """Stop polling and close the client."""
        await cancel(self._task)
        self._task = None
        if self.client is not None:
            await self.client.aclose()

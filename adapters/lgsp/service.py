"""LGSP on the bus: poll the city axis into `document.received`, send `axis.send` commands to city members.

Receiving (poll loop, and pushes to the hub's inbound endpoint through the same `LgspIntake`):
the edXML is parsed as a stream (attachments to files, then to the Object Store), optionally verified
against trust anchors, published as `document.received` or `document.status_changed`, answered with a
business status 01 (an `axis.send` command back to the sender), and only then confirmed on the axis
with a 01 trace. A refused message is reported as `axis.receive_failed`, answered with a 02 status,
confirmed with a 02 trace. Envelope ids are derived from the axis id, so a re-poll after a crash
before ConfirmReceived is de-duplicated by JetStream.

Sending: `axis.send` is also consumed by the national-axis adapter; this consumer sends only to the
recipients that are members of the city axis (configured, or read from GetOrganizations) and ignores
the others.

The payload models are the axis-neutral ones of `adapters/vdxp/messages.py` until they move to schemas/.
"""

from __future__ import annotations

import asyncio
import mimetypes
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.lgsp.client import LgspClient
from adapters.lgsp.edxml_peek import EdxmlPeekError, peek_edxml
from adapters.lgsp.errors import LgspPermanentError, LgspTransientError
from adapters.lgsp.inbound import InboundBackend, InboundDocument, Rejection, inbound_router
from adapters.lgsp.models import MessageType, StatusInfo, TraceUpdate
from adapters.lgsp.soap_server import DEFAULT_MAX_REQUEST_BYTES
from adapters.lgsp.store import MemoryStore, OrganizationAccount
from adapters.vdxp.messages import (
    AttachmentRef,
    AxisReceiveFailed,
    AxisSendRequested,
    AxisSent,
    SignatureCheck,
)
from hub.adapter_health import observed
from hub.errors import PermanentError, TransientError
from hub.module import Module
from schemas.axis_mapping import document_received, rejection_for_unreadable, reply_status, status_changed
from schemas.edxml.build import build_status
from schemas.edxml.codes import StatusCode
from schemas.edxml.dsig import TrustConfig, verify_edoc
from schemas.edxml.errors import EdxmlError
from schemas.edxml.models import EdocHeader, Organization, StatusMessage
from schemas.edxml.parse import ParseOptions, parse_status
from schemas.edxml.sinks import FileSink
from schemas.edxml.stream import stream_edoc_async
from schemas.envelope import ClaimCheck, Envelope

if TYPE_CHECKING:
    from fastapi import APIRouter

    from hub.runtime import Delivery, Hub

log = structlog.get_logger(__name__)
SOURCE = "lgsp"
EDXML_MEDIA_TYPE = "application/xml"
SEND_CONSUMER = "lgsp-send"
_IDS = uuid.UUID("9b7e4c1a-0f3d-4e8b-a6c2-51d8e2f7a403")


class LgspSettings(BaseSettings):
    """City axis and inbound endpoint settings, from LIENTHONG_LGSP_* variables."""

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_LGSP_", env_file=".env", extra="ignore")

    url: str | None = Field(default=None, description="SOAP address of the city axis, e.g. https://.../lgsp")
    organ_id: str | None = Field(
        default=None, description="Our code on the axis; LIENTHONG_AGENCY_CODE by default"
    )
    token: SecretStr | None = None
    poll_seconds: float = Field(default=30.0, gt=0)
    members: str = Field(
        default="", description="Comma-separated city-axis codes; empty asks GetOrganizations"
    )
    directory_ttl_seconds: float = Field(default=3600.0, gt=0)
    send_max_deliver: int = Field(
        default=500,
        ge=1,
        description="Deliveries of a send before it is dead-lettered: an axis outage of hours is waited out",
    )
    connect_timeout: float = Field(default=5.0, gt=0)
    operation_timeout: float = Field(default=60.0, gt=0)
    trust_ca_files: str = Field(default="", description="Comma-separated CA PEM files to verify signatures")
    allow_sha1: bool = False
    inbound_accounts: SecretStr | None = Field(
        default=None,
        description="Agencies that push to our own endpoint: ORGAN_ID:TOKEN[:NAME] separated by ';'",
    )
    inbound_path: str = "/lgsp"
    inbound_max_request_bytes: int = Field(default=DEFAULT_MAX_REQUEST_BYTES, ge=1024)

    @property
    def enabled(self) -> bool:
        """Whether we poll and send through the city axis."""
        return bool(self.url)

    def accounts(self) -> list[OrganizationAccount]:
        """Parse the inbound partner accounts."""
        raw = self.inbound_accounts.get_secret_value() if self.inbound_accounts else ""
        result = []
        for spec in (part.strip() for part in raw.split(";")):
            if not spec:
                continue
            organ_id, _, rest = spec.partition(":")
            token, _, name = rest.partition(":")
            if not organ_id or not token:
                raise ValueError(
                    f"LIENTHONG_LGSP_INBOUND_ACCOUNTS entry for {organ_id!r}: expected ID:TOKEN[:NAME]"
                )
            result.append(OrganizationAccount(organ_id=organ_id, token=token, name=name or organ_id))
        return result

    def trust(self) -> TrustConfig | None:
        files = [Path(p.strip()) for p in self.trust_ca_files.split(",") if p.strip()]
        return TrustConfig(ca_pem_files=files, allow_sha1=self.allow_sha1) if files else None


def message_id(organ_id: str, axis_doc_id: str, what: str) -> uuid.UUID:
    """Deterministic envelope id of what we publish about one axis message."""
    return uuid.uuid5(_IDS, f"{organ_id}:{axis_doc_id}:{what}")


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


class Refused(Exception):
    """An incoming message is refused; says why, which field, and what we could read of it."""

    def __init__(self, reason: str, *, field: str | None = None, header: EdocHeader | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field
        self.header = header


@dataclass
class IntakeResult:
    """What happened to one incoming message."""

    outcome: str  # received | status | refused
    status_code: str  # the trace we report back: 01 or 02
    description: str | None = None
    published: list[Envelope] = field(default_factory=list)


class LgspIntake:
    """Turn one incoming edXML message into bus events (shared by the poll loop and the inbound endpoint)."""

    def __init__(
        self,
        hub: Hub,
        us: Organization,
        trust: TrustConfig | None = None,
        parse: ParseOptions | None = None,
    ) -> None:
        self.hub = hub
        self.us = us
        self.trust = trust
        self.parse = parse or ParseOptions()

    async def take(
        self, axis_doc_id: str, sender_id: str, message_type: MessageType, content: bytes
    ) -> IntakeResult:
        """Publish the message's events, or refuse it with a 02 answer; raise only for technical errors."""
        with tempfile.TemporaryDirectory(prefix="lgsp-in-") as tmp:
            folder = Path(tmp)
            path = folder / "message.edxml"
            await asyncio.to_thread(path.write_bytes, content)
            try:
                if message_type is MessageType.EDOC:
                    return await self._edoc(axis_doc_id, sender_id, path, folder)
                return await self._status(axis_doc_id, sender_id, path)
            except Refused as refused:
                return await self._refuse(axis_doc_id, sender_id, message_type, path, refused)

    async def refuse(
        self, axis_doc_id: str, sender_id: str, message_type: MessageType, content: bytes, reason: str
    ) -> IntakeResult:
        """Record a message refused before intake (e.g. by the inbound endpoint's validator)."""
        with tempfile.TemporaryDirectory(prefix="lgsp-in-") as tmp:
            path = Path(tmp) / "message.edxml"
            await asyncio.to_thread(path.write_bytes, content)
            return await self._refuse(axis_doc_id, sender_id, message_type, path, Refused(reason))

    async def _edoc(self, axis_doc_id: str, sender_id: str, path: Path, folder: Path) -> IntakeResult:
        files = folder / "attachments"
        files.mkdir()
        try:
            streamed = await stream_edoc_async(path, FileSink(files), self.parse)
        except EdxmlError as exc:
            raise Refused(str(exc), field=exc.field) from exc
        header = streamed.header
        if header.message_header.from_.organ_id != sender_id:
            raise Refused(
                f"From/OrganId {header.message_header.from_.organ_id} is not the axis sender {sender_id}",
                field="MessageHeader/From/OrganId",
                header=header,
            )
        signature = await asyncio.to_thread(self._verify, path, header)
        edxml = await self.hub.claims.put(path, media_type=EDXML_MEDIA_TYPE)
        attachments = []
        for stored in streamed.attachments:
            info = stored.info
            media = _media_type(info.content_type, info.zip_entry_name if info.zipped else None)
            claim = await self.hub.claims.put(Path(str(stored.result)), media_type=media)
            attachments.append(
                AttachmentRef(
                    content_id=info.content_id,
                    name=info.zip_entry_name if info.zipped and info.zip_entry_name else info.attachment_name,
                    description=info.description,
                    content_type=media,
                    size=stored.size,
                    sha256=stored.sha256,
                    claim=claim,
                )
            )
        payload = document_received(
            header, "lgsp", axis_doc_id, edxml, attachments, signature, datetime.now(UTC)
        )
        document_id = header.message_header.document_id
        received = await self.hub.publish(
            "document.received",
            payload,
            source=SOURCE,
            issue=document_id,
            id=message_id(self.us.organ_id, axis_doc_id, "received"),
        )
        answer = reply_status(header, StatusCode.INBOX, self.us)
        queued = await self._queue_status(axis_doc_id, answer, document_id, received, "status-01")
        return IntakeResult("received", StatusCode.INBOX.value, None, [received, queued])

    def _verify(self, path: Path, header: EdocHeader) -> SignatureCheck:
        if self.trust is None:
            return SignatureCheck(verified=False, detail="not checked: no trust anchors configured")
        try:
            result = verify_edoc(path.read_bytes(), self.trust, self.parse)
        except EdxmlError as exc:
            raise Refused(str(exc), field=exc.field or "Signature", header=header) from exc
        if result.message.message_header != header.message_header:
            raise Refused(
                "the signed content differs from the message header (signature wrapping)",
                field="Signature",
                header=header,
            )
        return SignatureCheck(verified=True, signer=result.signer.subject.rfc4514_string(), detail="valid")

    async def _status(self, axis_doc_id: str, sender_id: str, path: Path) -> IntakeResult:
        try:
            message = parse_status(await asyncio.to_thread(path.read_bytes), self.parse)
        except EdxmlError as exc:
            raise Refused(str(exc), field=exc.field) from exc
        if message.from_.organ_id != sender_id:
            raise Refused(
                f"From/OrganId {message.from_.organ_id} is not the axis sender {sender_id}",
                field="MessageHeader/From/OrganId",
            )
        edxml = await self.hub.claims.put(path, media_type=EDXML_MEDIA_TYPE)
        env = await self.hub.publish(
            "document.status_changed",
            status_changed(message, "lgsp", axis_doc_id, edxml),
            source=SOURCE,
            issue=message.response_for.document_id,
            id=message_id(self.us.organ_id, axis_doc_id, "status"),
        )
        return IntakeResult("status", StatusCode.INBOX.value, None, [env])

    async def _queue_status(
        self, axis_doc_id: str, message: StatusMessage, document_id: str, cause: Envelope | None, what: str
    ) -> Envelope:
        """Put a status message in the Object Store and command its sending."""
        claim = await self.hub.claims.put(build_status(message), media_type=EDXML_MEDIA_TYPE)
        command = AxisSendRequested(
            edxml=claim,
            message_type="status",
            from_code=self.us.organ_id,
            to_codes=[message.response_for.organ_id or ""],
            document_id=document_id,
        )
        lineage: dict[str, Any] = (
            {"correlation_id": cause.correlation_id, "causation_id": cause.id} if cause else {}
        )
        return await self.hub.publish(
            "axis.send",
            command,
            source=SOURCE,
            issue=document_id,
            id=message_id(self.us.organ_id, axis_doc_id, what),
            **lineage,
        )

    async def _refuse(
        self, axis_doc_id: str, sender_id: str, message_type: MessageType, path: Path, refused: Refused
    ) -> IntakeResult:
        log.warning("lgsp.refused", axis_doc_id=axis_doc_id, reason=refused.reason, sender=sender_id)
        stored: ClaimCheck | None = await self.hub.claims.put(path, media_type=EDXML_MEDIA_TYPE)
        reason = f"văn bản điện tử không hợp lệ ({refused.reason})"
        description = f"{StatusCode.REJECTED.description}. Lý do: {reason}"
        published: list[Envelope] = []
        rejection_sent = False
        if message_type is MessageType.EDOC:
            if refused.header is not None:
                answer = reply_status(refused.header, StatusCode.REJECTED, self.us, description=description)
            else:
                readable = _readable_document_id(path)
                answer = rejection_for_unreadable(sender_id, readable, description, self.us)
            published.append(
                await self._queue_status(
                    axis_doc_id, answer, answer.response_for.document_id, None, "status-02"
                )
            )
            rejection_sent = True
        issue = refused.header.message_header.document_id if refused.header else f"lgsp:{axis_doc_id}"
        published.append(
            await self.hub.publish(
                "axis.receive_failed",
                AxisReceiveFailed(
                    axis="lgsp",
                    axis_doc_id=axis_doc_id,
                    message_type="edoc" if message_type is MessageType.EDOC else "status",
                    from_code=sender_id,
                    reason=refused.reason,
                    field=refused.field,
                    edxml=stored,
                    rejection_sent=rejection_sent,
                ),
                source=SOURCE,
                issue=issue,
                id=message_id(self.us.organ_id, axis_doc_id, "refused"),
            )
        )
        return IntakeResult("refused", StatusCode.REJECTED.value, description[:2000], published)


class LgspPoller:
    """Take every pending message of our organisation from the city axis onto the bus."""

    def __init__(self, client: LgspClient, intake: LgspIntake) -> None:
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
            try:
                result = await self.intake.take(
                    axis_doc_id, document.sender_id, document.message_type, document.content
                )
            except Exception as exc:  # e.g. the bus is unreachable: leave it pending for the next poll
                log.warning("lgsp.intake_failed", axis_doc_id=axis_doc_id, error=str(exc))
                outcomes["retry_later"] += 1
                continue
            await self.client.confirm_received(axis_doc_id)
            try:
                await self.client.update_traces(
                    [
                        TraceUpdate(
                            document_id=axis_doc_id,
                            status_code=result.status_code,
                            description=result.description,
                        )
                    ]
                )
            except LgspPermanentError as exc:  # the trace is informative; the status message is what counts
                log.warning("lgsp.trace_failed", axis_doc_id=axis_doc_id, error=str(exc))
            outcomes[result.outcome] += 1
        return outcomes


class LgspSender:
    """Send `axis.send` commands to recipients on the city axis or queue them for our push partners."""

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
        content = await d.hub.claims.get(command.edxml)
        recipients = list(command.to_codes or ())
        if not recipients:
            try:
                recipients = list(peek_edxml(content).receiver_ids)
            except EdxmlPeekError as exc:
                raise PermanentError(f"axis.send without to_codes and unreadable edXML: {exc}") from exc
        message_type = MessageType(command.message_type)
        partners = [c for c in recipients if self.inbound is not None and self.inbound.store.knows(c)]
        for code in partners:
            assert self.inbound is not None
            transport_id = await self.inbound.enqueue(code, content, message_type)
            await self._sent(d, command, transport_id, [code])
        city = await self._city([c for c in recipients if c not in partners])
        if not city or self.client is None:
            return  # nobody on the city axis: the national axis adapter handles the rest
        try:
            receipt = await self.client.send_document(content, message_type, city)
        except LgspTransientError as exc:
            raise TransientError(f"LGSP SendDocument failed: {exc}") from exc
        except LgspPermanentError as exc:
            raise PermanentError(f"LGSP refused SendDocument: {exc}") from exc
        await self._sent(d, command, receipt.document_id, list(receipt.receiver_ids))

    async def _city(self, codes: list[str]) -> list[str]:
        if not codes or self.directory is None:
            return []
        try:
            members = await self.directory.members()
        except LgspTransientError as exc:
            raise TransientError(f"LGSP directory unavailable: {exc}") from exc
        return [code for code in codes if code in members]

    async def _sent(self, d: Delivery, command: AxisSendRequested, doc_id: str, to_codes: list[str]) -> None:
        await d.emit(
            "axis.sent",
            AxisSent(
                axis="lgsp",
                sender_doc_id=doc_id,
                message_type=command.message_type,
                from_code=self.organ_id,
                to_codes=to_codes,
                document_id=command.document_id,
            ),
        )


class LgspModule(Module):
    """The city-axis adapter as a hub module.

    Polls and sends through the city axis when LIENTHONG_LGSP_URL is set; serves our own inbound SOAP
    endpoint (router(), mounted by the portal under /api) when LIENTHONG_LGSP_INBOUND_ACCOUNTS is set.
    """

    name = "lgsp"

    def __init__(self, settings: LgspSettings | None = None) -> None:
        self._settings = settings
        self.client: LgspClient | None = None
        self.poller: LgspPoller | None = None
        self.sender: LgspSender | None = None
        self.intake: LgspIntake | None = None
        self.inbound: InboundBackend | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def settings(self) -> LgspSettings:
        if self._settings is None:
            self._settings = LgspSettings()
        return self._settings

    def setup(self, hub: Hub) -> None:
        """Create the client, the inbound backend and the send consumer for what is configured."""
        s = self.settings
        accounts = s.accounts()
        if not s.url and not accounts:
            log.info(
                "lgsp.disabled",
                reason="neither LIENTHONG_LGSP_URL nor LIENTHONG_LGSP_INBOUND_ACCOUNTS is set",
            )
            return
        organ_id = s.organ_id or hub.settings.agency_code
        us = Organization(organ_id=organ_id, organ_name=hub.settings.agency_name)
        self.intake = LgspIntake(hub, us, s.trust())
        directory: CityDirectory | None = None
        if s.url:
            token = s.token.get_secret_value() if s.token else ""
            self.client = LgspClient(
                s.url,
                organ_id,
                token,
                connect_timeout=s.connect_timeout,
                operation_timeout=s.operation_timeout,
            )
            self.poller = LgspPoller(self.client, self.intake)
            members = frozenset(m.strip() for m in s.members.split(",") if m.strip())
            directory = CityDirectory(self.client, members, s.directory_ttl_seconds)
        if accounts:
            store = MemoryStore(accounts, hub.settings.data_dir / "lgsp-inbound", persist_accounts=False)
            self.inbound = InboundBackend(
                organ_id, store, self._deliver_pushed, on_rejected=self._refuse_pushed
            )
        self.sender = LgspSender(self.client, directory, self.inbound, organ_id)
        sender = self.sender
        client = self.client

        async def send(d: Delivery) -> None:
            if client is None:  # only push partners: nothing crosses the city axis
                await sender.handle(d)
                return
            async with observed(hub, "lgsp", circuit=lambda: client.breaker.state.value):
                await sender.handle(d)

        hub.consumer(
            SEND_CONSUMER,
            "lt.axis.cmd.lgsp",
            types=["axis.send"],
            description="send over LGSP",
            max_deliver=s.send_max_deliver,
        )(send)

    def router(self) -> APIRouter | None:
        """Our own LGSP SOAP endpoint for agencies that push to us (when partner accounts are set)."""
        if self.inbound is None:
            return None
        s = self.settings
        return inbound_router(self.inbound, s.inbound_path, max_request_bytes=s.inbound_max_request_bytes)

    async def _deliver_pushed(self, document: InboundDocument) -> StatusInfo | None:
        assert self.intake is not None
        result = await self.intake.take(
            document.transport_id, document.sender_id, document.message_type, document.content
        )
        if document.message_type is MessageType.STATUS and result.outcome != "refused":
            return None
        return StatusInfo(status_code=result.status_code, description=result.description)

    async def _refuse_pushed(self, rejection: Rejection) -> None:
        assert self.intake is not None
        await self.intake.refuse(
            rejection.transport_id,
            rejection.sender_id,
            rejection.message_type,
            rejection.content,
            rejection.reason,
        )

    async def start(self, hub: Hub) -> None:
        """Publish which agencies the city axis reaches (for the axis dispatcher); start the poll loop."""
        self._hub = hub
        await self._publish_members()
        if self.poller is not None:
            self._task = asyncio.create_task(self._loop(), name="lgsp-poll")

    def _circuit(self) -> str:
        return self.client.breaker.state.value if self.client is not None else "closed"

    async def _publish_members(self) -> None:
        """Tell the axis dispatcher who we reach: city-axis members and our push partners."""
        from adapters.axis.service import publish_city_members

        hub = getattr(self, "_hub", None)
        if hub is None:
            return
        members: set[str] = set()
        if self.inbound is not None:
            members.update(o.organ_id for o in self.inbound.store.organizations())
        directory = self.sender.directory if self.sender is not None else None
        if directory is not None:
            try:
                members.update(await directory.members())
            except LgspTransientError as exc:
                log.warning("lgsp.directory_unavailable", error=str(exc))
        if frozenset(members) != getattr(self, "_published_members", None):
            await publish_city_members(hub, frozenset(members))
            self._published_members = frozenset(members)

    async def _loop(self) -> None:
        assert self.poller is not None
        while True:
            try:
                async with observed(self._hub, "lgsp", circuit=self._circuit):
                    outcomes = await self.poller.poll_once()
                if outcomes:
                    log.info("lgsp.polled", **outcomes)
                await self._publish_members()
            except LgspTransientError as exc:
                log.warning("lgsp.poll_unavailable", error=str(exc))
            except Exception:
                log.exception("lgsp.poll_failed")
            await asyncio.sleep(self.settings.poll_seconds)

    async def stop(self) -> None:
        """Stop polling and close the client."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        if self.client is not None:
            await self.client.aclose()


# Mapping ------------------------------------------------------------------------------------------


def _readable_document_id(path: Path) -> str | None:
    try:
        return peek_edxml(path.read_bytes()).document_id
    except EdxmlPeekError:
        return None


def _media_type(wire_type: str | None, unzipped_name: str | None) -> str:
    if unzipped_name:
        guessed, _ = mimetypes.guess_type(unzipped_name)
        return guessed or "application/octet-stream"
    return wire_type or "application/octet-stream"

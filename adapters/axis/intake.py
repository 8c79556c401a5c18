"""One intake for both axes: an edXML an axis delivered to us becomes bus events, or a refusal.

The national axis (VDXP, polled) and the city axis (LGSP, polled or pushed to our SOAP endpoint) hand
each message here as an `Arrival` and a file. An edoc is parsed as a stream (attachments to files,
then to the Object Store), its signature verified when trust anchors are configured, published as
`document.received` and answered with status 01; a status message becomes `document.status_changed`.
A refused message is kept in the Object Store, reported as `axis.receive_failed` and answered with
a 02 to the agency the axis delivered it from.

Envelope ids are derived from the arrival, so taking the same message again after a crash (before the
axis was told it is done) publishes nothing new: JetStream drops the duplicate ids.
"""

from __future__ import annotations

import asyncio
import mimetypes
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog

from adapters.axis import reasons
from adapters.axis.mapping import (
    code_of,
    document_received,
    rejection_for_unreadable,
    reply_status,
    status_changed,
)
from adapters.axis.settings import AxisSettings
from schemas.axis import (
    AttachmentRef,
    Axis,
    AxisMessageType,
    AxisReceiveFailed,
    AxisSendRequested,
    SignatureCheck,
)
from schemas.edxml.build import build_status
from schemas.edxml.codes import StatusCode
from schemas.edxml.dsig import TrustConfig, verify_edoc
from schemas.edxml.errors import EdxmlError
from schemas.edxml.models import EdocHeader, Organization, StatusMessage
from schemas.edxml.parse import ParseOptions, parse_status
from schemas.edxml.peek import EdxmlPeekError, peek_edxml
from schemas.edxml.sinks import FileSink
from schemas.edxml.stream import stream_edoc
from schemas.envelope import ClaimCheck, Envelope

if TYPE_CHECKING:
    from hub.runtime import Hub

log = structlog.get_logger(__name__)
EDXML_MEDIA_TYPE = "application/xml"

Correlation = Callable[[str], Awaitable[uuid.UUID | None]]
"""The correlation id of the conversation in which we sent a document (for its status replies)."""


@dataclass(frozen=True)
class Arrival:
    """One message an axis delivered to us.

    `sender` is who the axis says sent it (the sender of record; None when the axis does not say).
    `key` identifies this delivery on the axis, so envelope ids about it are the same every time.
    """

    axis: Axis
    axis_doc_id: str
    message_type: AxisMessageType
    sender: str | None
    key: str


@dataclass
class Outcome:
    """What the intake did with one message: received, status or refused, and the trace code."""

    outcome: str
    status_code: str
    description: str | None = None
    published: list[Envelope] = field(default_factory=list)


class Refused(Exception):
    """An incoming message is refused: why (English, for the operator), which kind of problem and which
    field (for the Vietnamese reason told to the sender, reasons.py), and the header when it was read."""

    def __init__(
        self,
        reason: str,
        *,
        field: str | None = None,
        header: EdocHeader | None = None,
        sender: str | None = None,
        kind: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field
        self.header = header
        self.sender = sender
        self.kind = kind

    @classmethod
    def of(cls, exc: EdxmlError, *, header: EdocHeader | None = None, field: str | None = None) -> Refused:
        """The refusal of an edXML the codec refused: its kind is the error's class."""
        return cls(
            str(exc), field=field or exc.field, header=header, sender=exc.sender, kind=type(exc).__name__
        )

    @property
    def told(self) -> str:
        """The reason as the sender is told it, in Vietnamese (reasons.py)."""
        return reasons.sentence(self.kind, self.field)


class AxisIntake:
    """Turns an axis message into bus events; shared by every way a message reaches us."""

    def __init__(
        self,
        hub: Hub,
        *,
        source: str,
        ids: uuid.UUID,
        us: Organization,
        trust: TrustConfig | None = None,
        parse: ParseOptions | None = None,
        correlation: Correlation | None = None,
    ) -> None:
        self.hub = hub
        self.source = source
        self.ids = ids
        self.us = us
        self.trust = trust
        self.parse = parse or AxisSettings().parse_options()
        self.correlation = correlation

    def message_id(self, arrival: Arrival, what: str) -> uuid.UUID:
        """The deterministic envelope id of what we publish about one arrival."""
        return uuid.uuid5(self.ids, f"{arrival.key}:{what}")

    async def take(self, arrival: Arrival, path: Path) -> Outcome:
        """Publish the message's events, or refuse it with a 02; raise only for technical faults."""
        try:
            if arrival.message_type == "edoc":
                return await self._edoc(arrival, path)
            return await self._status(arrival, path)
        except Refused as refused:
            return await self.refuse(arrival, path, refused)

    async def take_bytes(self, arrival: Arrival, content: bytes) -> Outcome:
        """`take` for a message held in memory (a SOAP request or reply)."""
        with tempfile.TemporaryDirectory(prefix=f"{self.source}-in-") as tmp:
            path = Path(tmp) / "message.edxml"
            await asyncio.to_thread(path.write_bytes, content)
            return await self.take(arrival, path)

    async def refuse_bytes(self, arrival: Arrival, content: bytes, refused: Refused) -> Outcome:
        """`refuse` for a message held in memory, refused before intake (e.g. by a SOAP validator)."""
        with tempfile.TemporaryDirectory(prefix=f"{self.source}-in-") as tmp:
            path = Path(tmp) / "message.edxml"
            await asyncio.to_thread(path.write_bytes, content)
            return await self.refuse(arrival, path, refused)

    async def _edoc(self, arrival: Arrival, path: Path) -> Outcome:
        folder = path.parent / f"{path.stem}-attachments"
        folder.mkdir(exist_ok=True)
        try:
            # Decoding base64 is CPU work: keep it off the event loop that serves NATS heartbeats.
            streamed = await asyncio.to_thread(stream_edoc, path, FileSink(folder), self.parse)
        except EdxmlError as exc:
            raise Refused.of(exc) from exc
        header = streamed.header
        self._check_sender(arrival, header.message_header.from_.organ_id, header)
        signature = await asyncio.to_thread(self._verify, path, header)
        edxml = await self.hub.claims.put(path, media_type=EDXML_MEDIA_TYPE)
        attachments = []
        for stored in streamed.attachments:
            info = stored.info
            media = _media_type(info.content_type, info.attachment_name, info.zipped, info.zip_entry_name)
            claim = await self.hub.claims.put(Path(str(stored.result)), media_type=media)
            attachments.append(
                AttachmentRef(
                    content_id=info.content_id,
                    name=info.attachment_name or info.zip_entry_name,
                    description=info.description,
                    content_type=media,
                    size=stored.size,
                    sha256=stored.sha256,
                    claim=claim,
                )
            )
        payload = document_received(
            header, arrival.axis, arrival.axis_doc_id, edxml, attachments, signature, datetime.now(UTC)
        )
        document_id = header.message_header.document_id
        received = await self.hub.publish(
            "document.received",
            payload,
            source=self.source,
            issue=document_id,
            id=self.message_id(arrival, "received"),
        )
        answer = reply_status(header, StatusCode.INBOX, self.us)
        queued, _ = await self._queue_status(
            arrival, answer, self._sender_of(arrival, header), received, "status-01"
        )
        return Outcome("received", StatusCode.INBOX.value, None, [received, queued])

    def _check_sender(self, arrival: Arrival, declared: str, header: EdocHeader | None) -> None:
        """The sender of record is the one the axis names; a `From` that disagrees is refused."""
        if arrival.sender and declared != arrival.sender:
            raise Refused(
                f"From/OrganId {declared} is not the axis sender {arrival.sender}",
                field="MessageHeader/From/OrganId",
                header=header,
                kind=reasons.SENDER_MISMATCH,
            )

    @staticmethod
    def _sender_of(arrival: Arrival, header: EdocHeader) -> str:
        return arrival.sender or header.message_header.from_.organ_id

    def _verify(self, path: Path, header: EdocHeader) -> SignatureCheck:
        if self.trust is None:
            return SignatureCheck(verified=False, detail="not checked: no trust anchors configured")
        try:
            result = verify_edoc(path.read_bytes(), self.trust, self.parse)
        except EdxmlError as exc:
            raise Refused.of(exc, header=header, field=exc.field or "Signature") from exc
        if result.message.message_header != header.message_header:
            raise Refused(
                "the signed content differs from the message header (signature wrapping)",
                field="Signature",
                header=header,
                kind=reasons.SIGNATURE_WRAPPING,
            )
        return SignatureCheck(verified=True, signer=result.signer.subject.rfc4514_string(), detail="valid")

    async def _status(self, arrival: Arrival, path: Path) -> Outcome:
        try:
            message = parse_status(await asyncio.to_thread(path.read_bytes), self.parse)
        except EdxmlError as exc:
            raise Refused.of(exc) from exc
        self._check_sender(arrival, message.from_.organ_id, None)
        edxml = await self.hub.claims.put(path, media_type=EDXML_MEDIA_TYPE)
        document_id = message.response_for.document_id
        correlation = await self.correlation(document_id) if self.correlation else None
        env = await self.hub.publish(
            "document.status_changed",
            status_changed(message, arrival.axis, arrival.axis_doc_id, edxml),
            source=self.source,
            issue=document_id,
            id=self.message_id(arrival, "status"),
            correlation_id=correlation,
        )
        return Outcome("status", StatusCode.INBOX.value, None, [env])

    async def _queue_status(
        self, arrival: Arrival, message: StatusMessage, to: str, cause: Envelope | None, what: str
    ) -> tuple[Envelope, ClaimCheck]:
        """Put a status message in the Object Store and command its sending to `to`."""
        claim = await self.hub.claims.put(build_status(message), media_type=EDXML_MEDIA_TYPE)
        command = AxisSendRequested(
            edxml=claim,
            message_type="status",
            from_code=self.us.organ_id,
            to_codes=[to],
            document_id=message.response_for.document_id,
        )
        lineage: dict[str, Any] = (
            {"correlation_id": cause.correlation_id, "causation_id": cause.id} if cause else {}
        )
        env = await self.hub.publish(
            "axis.send",
            command,
            source=self.source,
            issue=message.response_for.document_id,
            id=self.message_id(arrival, what),
            **lineage,
        )
        return env, claim

    async def refuse(self, arrival: Arrival, path: Path | None, refused: Refused) -> Outcome:
        """Keep the refused message, answer the sender of record with a 02 whose reason is in Vietnamese,
        tell the operator (`axis.receive_failed`, with the English detail, the file and the answer)."""
        log.warning(
            "axis.refused",
            axis=arrival.axis,
            axis_doc_id=arrival.axis_doc_id,
            reason=refused.reason,
            field=refused.field,
            kind=refused.kind,
        )
        stored: ClaimCheck | None = None
        if path is not None and await asyncio.to_thread(path.exists):
            stored = await self.hub.claims.put(path, media_type=EDXML_MEDIA_TYPE)
        header = refused.header
        to = arrival.sender or (header.message_header.from_.organ_id if header else None) or refused.sender
        description = reasons.rejection_description(refused.kind, refused.field)
        published: list[Envelope] = []
        answer: StatusMessage | None = None
        answer_claim: ClaimCheck | None = None
        seen = _Seen.of(header) if header is not None else await asyncio.to_thread(_Seen.peek, path)
        if arrival.message_type == "edoc" and to:
            if header is not None:
                answer = reply_status(header, StatusCode.REJECTED, self.us, description=description)
            else:
                answer = rejection_for_unreadable(to, seen.document_id, description, self.us)
            env, answer_claim = await self._queue_status(arrival, answer, to, None, "status-02")
            published.append(env)
        issue = seen.document_id or f"{arrival.axis}:{arrival.axis_doc_id}"
        failed = AxisReceiveFailed(
            axis=arrival.axis,
            axis_doc_id=arrival.axis_doc_id,
            message_type=arrival.message_type,
            from_code=to,
            reason=refused.reason,
            field=refused.field,
            edxml=stored,
            rejection_sent=bool(published),
            kind=refused.kind,
            told=refused.told,
            answer=answer.description if answer else None,
            answer_edxml=answer_claim,
            document_id=seen.document_id,
            code=seen.code,
            subject=seen.subject,
        )
        published.append(
            await self.hub.publish(
                "axis.receive_failed",
                failed,
                source=self.source,
                issue=issue,
                id=self.message_id(arrival, "refused"),
                journal_payload=True,  # the ops portal lists refusals from the journal
            )
        )
        return Outcome("refused", StatusCode.REJECTED.value, description[:2000], published)


@dataclass(frozen=True)
class _Seen:
    """What a refused message says about itself, read from its header or, when that failed, peeked."""

    document_id: str | None = None
    code: str | None = None
    subject: str | None = None

    @classmethod
    def of(cls, header: EdocHeader) -> _Seen:
        mh = header.message_header
        return cls(mh.document_id, code_of(header), mh.subject or None)

    @classmethod
    def peek(cls, path: Path | None) -> _Seen:
        """The fields of a message too broken to parse, when its bytes still show them."""
        if path is None or not path.exists():
            return cls()
        try:
            summary = peek_edxml(path.read_bytes())
        except EdxmlPeekError:
            return cls()
        return cls(summary.document_id, summary.notation, summary.subject)


def _media_type(wire_type: str | None, name: str | None, zipped: bool, entry_name: str | None) -> str:
    """A zipped attachment's wire type is the zip's: its own comes from its name (declared, or in the zip)."""
    if zipped:
        for candidate in (name, entry_name):
            guessed, _ = mimetypes.guess_type(candidate or "")
            if guessed:
                return guessed
        return "application/octet-stream"
    return wire_type or "application/octet-stream"

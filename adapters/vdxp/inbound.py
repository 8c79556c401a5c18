"""Inbound loop of the national axis: poll, download, verify, store, publish, acknowledge, answer 01.

Each pending item is downloaded to a temporary folder, parsed as a stream (attachments go to files,
then to the Object Store), published as `document.received` or `document.status_changed`, and only
then acknowledged `done`. A failure before the acknowledgement leaves the item pending on the axis,
so the next poll takes it again; deterministic message ids let JetStream drop the re-publish.
Refused messages (hostile, invalid, badly signed) are acknowledged `fail`, reported as
`axis.receive_failed`, and answered with status 02 when the sender is known.
"""

from __future__ import annotations

import asyncio
import mimetypes
import tempfile
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import structlog
from nats.js.kv import KeyValue

from adapters.vdxp.client import VdxpClient
from adapters.vdxp.errors import VdxpError, VdxpRejectedError, VdxpTransientError
from adapters.vdxp.mapping import document_received, rejection_for_unreadable, status_changed
from adapters.vdxp.models import ReceivedItem
from adapters.vdxp.outbound import conversation_of
from schemas.axis import (
    AttachmentRef,
    AxisMessageType,
    AxisReceiveFailed,
    AxisSendRequested,
    SignatureCheck,
)
from schemas.axis_mapping import reply_status
from schemas.edxml.build import build_status
from schemas.edxml.codes import StatusCode
from schemas.edxml.dsig import TrustConfig, verify_edoc
from schemas.edxml.errors import EdxmlError
from schemas.edxml.models import EdocHeader, Organization, StatusMessage
from schemas.edxml.parse import ParseOptions, parse_status
from schemas.edxml.sinks import FileSink
from schemas.edxml.stream import stream_edoc
from schemas.envelope import ClaimCheck, Envelope

if TYPE_CHECKING:
    from hub.runtime import Hub

log = structlog.get_logger(__name__)
SOURCE = "vdxp"
EDXML_MEDIA_TYPE = "application/xml"
_IDS = uuid.UUID("3d0c6f0e-6a0b-4f55-9d0e-5a1f4b2c7e19")
MAX_UNEXPECTED_FAILURES = 5


def message_id(systemid: str, item: ReceivedItem, what: str) -> uuid.UUID:
    """Deterministic envelope id for what the loop publishes about one axis item."""
    return uuid.uuid5(_IDS, f"{systemid}:{item.doc_id}:{item.content_sha256 or ''}:{what}")


@dataclass
class InboundSettings:
    """What the loop needs to know about us and about trust."""

    systemid: str
    us: Organization
    trust: TrustConfig | None = None
    parse: ParseOptions = field(default_factory=ParseOptions)


@dataclass
class PollReport:
    """Counts of one poll: received documents, statuses, refusals, items left for the next poll."""

    outcomes: Counter[str] = field(default_factory=Counter)

    def add(self, outcome: str) -> None:
        self.outcomes[outcome] += 1


class Refused(Exception):
    """An incoming message is refused; carries what the sender and the operator need to know."""

    def __init__(
        self, reason: str, *, field: str | None, sender: str | None, header: EdocHeader | None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field
        self.sender = sender
        self.header = header


class InboundPoller:
    """Takes every pending item of our agency from the axis onto the bus."""

    def __init__(
        self, hub: Hub, client: VdxpClient, settings: InboundSettings, conversations: KeyValue | None = None
    ) -> None:
        self.hub = hub
        self.client = client
        self.settings = settings
        self.conversations = conversations
        self._refused: set[str] = set()
        self._failures: Counter[str] = Counter()

    async def poll_once(self) -> PollReport:
        """Handle every pending edoc and status message once; axis outages end the poll early."""
        report = PollReport()
        for message_type in ("edoc", "status"):
            items = await self.client.get_received_edoc_list(message_type, to=self.settings.us.organ_id)
            for item in items:
                if item.doc_id in self._refused:
                    report.add("skipped")
                    continue
                try:
                    report.add(await self._take(item, message_type))
                except VdxpTransientError:
                    raise
                except Exception as exc:
                    report.add("retry_later")
                    await self._unexpected(item, message_type, exc)
        return report

    async def _unexpected(self, item: ReceivedItem, message_type: AxisMessageType, exc: Exception) -> None:
        self._failures[item.doc_id] += 1
        log.warning(
            "vdxp.item_failed", doc_id=item.doc_id, error=str(exc), attempts=self._failures[item.doc_id]
        )
        if self._failures[item.doc_id] >= MAX_UNEXPECTED_FAILURES and not isinstance(exc, VdxpError):
            reason = f"could not be processed after {MAX_UNEXPECTED_FAILURES} attempts: {exc}"
            await self._refuse(
                item, message_type, None, Refused(reason, field=None, sender=None, header=None)
            )

    async def _take(self, item: ReceivedItem, message_type: AxisMessageType) -> str:
        with tempfile.TemporaryDirectory(prefix="vdxp-in-") as tmp:
            folder = Path(tmp)
            path = folder / "message.edxml"
            try:
                await self.client.download_edoc(item.doc_id, path)
            except VdxpRejectedError as exc:
                if exc.error_code != "TOO_LARGE":
                    raise
                refused = Refused(exc.error_desc, field=None, sender=item.from_code, header=None)
                await self._refuse(item, message_type, None, refused)
                return "refused"
            try:
                if message_type == "edoc":
                    await self._edoc(item, path, folder)
                else:
                    await self._status(item, path)
            except Refused as refused:
                await self._refuse(item, message_type, path, refused)
                return "refused"
        await self.client.update_status(item.doc_id, "done")
        self._failures.pop(item.doc_id, None)
        return "received" if message_type == "edoc" else "status"

    async def _edoc(self, item: ReceivedItem, path: Path, folder: Path) -> None:
        files = folder / "attachments"
        files.mkdir()
        try:
            # Decoding base64 is CPU work: keep it off the event loop that serves NATS heartbeats.
            streamed = await asyncio.to_thread(stream_edoc, path, FileSink(files), self.settings.parse)
        except EdxmlError as exc:
            raise Refused(
                str(exc), field=exc.field, sender=exc.sender or item.from_code, header=None
            ) from exc
        header, signature = streamed.header, await asyncio.to_thread(self._verify, path, streamed.header)
        edxml = await self.hub.claims.put(path, media_type=EDXML_MEDIA_TYPE)
        attachments = []
        for stored in streamed.attachments:
            info = stored.info
            media = _media_type(info.content_type, info.zip_entry_name if info.zipped else None)
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
        payload = document_received(header, item, edxml, attachments, signature, datetime.now(UTC))
        document_id = header.message_header.document_id
        env = await self.hub.publish(
            "document.received",
            payload,
            source=SOURCE,
            issue=document_id,
            id=message_id(self.settings.systemid, item, "received"),
        )
        await self._answer(item, header, StatusCode.INBOX, None, env, "status-01")

    def _verify(self, path: Path, header: EdocHeader) -> SignatureCheck:
        trust = self.settings.trust
        if trust is None:
            return SignatureCheck(verified=False, detail="not checked: no trust anchors configured")
        try:
            result = verify_edoc(path.read_bytes(), trust, self.settings.parse)
        except EdxmlError as exc:
            raise Refused(str(exc), field=exc.field or "Signature", sender=exc.sender, header=header) from exc
        if result.message.message_header != header.message_header:
            raise Refused(
                "the signed content differs from the message header (signature wrapping)",
                field="Signature",
                sender=header.message_header.from_.organ_id,
                header=header,
            )
        return SignatureCheck(verified=True, signer=result.signer.subject.rfc4514_string(), detail="valid")

    async def _status(self, item: ReceivedItem, path: Path) -> None:
        try:
            message = parse_status(await asyncio.to_thread(path.read_bytes), self.settings.parse)
        except EdxmlError as exc:
            raise Refused(
                str(exc), field=exc.field, sender=exc.sender or item.from_code, header=None
            ) from exc
        edxml = await self.hub.claims.put(path, media_type=EDXML_MEDIA_TYPE)
        document_id = message.response_for.document_id
        await self.hub.publish(
            "document.status_changed",
            status_changed(message, item, edxml),
            source=SOURCE,
            issue=document_id,
            id=message_id(self.settings.systemid, item, "status"),
            correlation_id=await conversation_of(self.conversations, document_id),
        )

    async def _answer(
        self,
        item: ReceivedItem,
        header: EdocHeader,
        code: StatusCode,
        reason: str | None,
        cause: Envelope | None,
        what: str,
    ) -> None:
        """Queue a status message back to the sender through the reliable send command."""
        description = f"{code.description}. Lý do: {reason}" if reason else None
        message = reply_status(header, code, self.settings.us, description=description)
        await self._queue_status(item, message, header.message_header.document_id, cause, what)

    async def _queue_status(
        self, item: ReceivedItem, message: StatusMessage, document_id: str, cause: Envelope | None, what: str
    ) -> ClaimCheck:
        claim = await self.hub.claims.put(build_status(message), media_type=EDXML_MEDIA_TYPE)
        command = AxisSendRequested(
            edxml=claim,
            message_type="status",
            from_code=self.settings.us.organ_id,
            to_codes=[message.response_for.organ_id or ""],
            document_id=document_id,
        )
        await self.hub.publish(
            "axis.send",
            command,
            source=SOURCE,
            issue=document_id,
            id=message_id(self.settings.systemid, item, what),
            correlation_id=cause.correlation_id if cause else None,
            causation_id=cause.id if cause else None,
        )
        return claim

    async def _refuse(
        self, item: ReceivedItem, message_type: AxisMessageType, path: Path | None, refused: Refused
    ) -> None:
        log.warning("vdxp.refused", doc_id=item.doc_id, reason=refused.reason, sender=refused.sender)
        stored: ClaimCheck | None = None
        if path is not None and await asyncio.to_thread(path.exists):
            stored = await self.hub.claims.put(path, media_type=EDXML_MEDIA_TYPE)
        sender = refused.sender or item.from_code
        reason = f"văn bản điện tử không hợp lệ ({refused.reason})"
        rejection_sent = False
        if message_type == "edoc" and sender:
            if refused.header is not None:
                await self._answer(item, refused.header, StatusCode.REJECTED, reason, None, "status-02")
            else:
                message = rejection_for_unreadable(sender, None, reason, self.settings.us)
                await self._queue_status(item, message, message.response_for.document_id, None, "status-02")
            rejection_sent = True
        issue = refused.header.message_header.document_id if refused.header else f"vdxp:{item.doc_id}"
        await self.hub.publish(
            "axis.receive_failed",
            AxisReceiveFailed(
                axis="vdxp",
                axis_doc_id=item.doc_id,
                message_type=message_type,
                from_code=sender,
                reason=refused.reason,
                field=refused.field,
                edxml=stored,
                rejection_sent=rejection_sent,
            ),
            source=SOURCE,
            issue=issue,
            id=message_id(self.settings.systemid, item, "refused"),
        )
        await self.client.update_status(item.doc_id, "fail")
        self._refused.add(item.doc_id)


def _media_type(wire_type: str | None, unzipped_name: str | None) -> str:
    if unzipped_name:
        guessed, _ = mimetypes.guess_type(unzipped_name)
        return guessed or "application/octet-stream"
    return wire_type or "application/octet-stream"

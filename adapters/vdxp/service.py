"""The national axis's work: take our inbox onto the bus, send `axis.send` commands, track deliveries.

Receiving: every pending item of our agency is downloaded to a temporary folder and handed to the
shared axis intake (adapters/axis/intake.py), then acknowledged `done` on the axis (`fail` when the
intake refused it). A failure before the acknowledgement leaves the item pending, so the next poll
takes it again; the intake's deterministic envelope ids let JetStream drop the re-publish.

Sending: sent items are remembered in the `lt-cursors` KV bucket (`vdxp.sent.<DocId>`) with their
business key, so `axis.delivery_changed` events carry the document's issue and conversation even
after a restart; a command already sent is remembered as `vdxp.cmd.<message id>` so a redelivery
does not send it twice; `vdxp.conv.<hash of DocumentId>` links statuses coming back to the
conversation.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError, NoKeysError
from nats.js.kv import KeyValue

from adapters.axis import reasons
from adapters.axis.intake import AxisIntake, Refused
from adapters.axis.mapping import code_of, edxml_of
from adapters.vdxp.client import VdxpClient
from adapters.vdxp.errors import VdxpError, VdxpRejectedError, VdxpTransientError
from adapters.vdxp.mapping import arrival_of
from adapters.vdxp.once import TRY_PREFIX, Attempt, candidates, claim_key, sha256_of
from adapters.vdxp.protocol import ReceivedItem
from hub.errors import PermanentError, TransientError
from schemas.axis import AxisDeliveryChanged, AxisMessageType, AxisSendRequested, AxisSent
from schemas.edxml.dsig import SigningKey, sign_edoc
from schemas.edxml.errors import EdxmlError, InvalidSignatureError
from schemas.edxml.models import AttachmentInfo
from schemas.edxml.parse import parse_status
from schemas.edxml.stream import stream_edoc

if TYPE_CHECKING:
    from hub.runtime import Delivery, Hub

log = structlog.get_logger(__name__)
SOURCE = "vdxp"
SENT_PREFIX = "vdxp.sent."
CMD_PREFIX = "vdxp.cmd."
CONVERSATION_PREFIX = "vdxp.conv."
TRACK_FOR = timedelta(days=7)
DEFAULT_SETTLE = timedelta(seconds=120)
_IDS = uuid.UUID("a8b1f0f4-1f7e-4a43-9b8f-2f6f3c1d9e55")
INBOX_IDS = uuid.UUID("3d0c6f0e-6a0b-4f55-9d0e-5a1f4b2c7e19")
"""Namespace of the envelope ids the intake derives from inbox items (kept: ids stay stable)."""
MAX_UNEXPECTED_FAILURES = 5


def conversation_key(document_id: str) -> str:
    """KV key remembering the conversation (correlation id) of a document we sent."""
    return CONVERSATION_PREFIX + hashlib.sha256(document_id.encode()).hexdigest()[:40]


async def conversation_of(kv: KeyValue | None, document_id: str) -> uuid.UUID | None:
    """The correlation id of the conversation in which we sent `document_id`, if we did."""
    if kv is None:
        return None
    try:
        entry = await kv.get(conversation_key(document_id))
    except KeyNotFoundError:
        return None
    return uuid.UUID(entry.value.decode()) if entry.value else None


class _Discard:
    def write(self, data: bytes) -> None:
        """Drop attachment content: only the header is wanted."""

    def close(self) -> None:
        """Nothing to close."""


def _discard(_: AttachmentInfo) -> _Discard:
    return _Discard()


@dataclass(frozen=True)
class Outgoing:
    """What an outgoing edXML file says about itself: recipients and what identifies the document."""

    recipients: list[str]
    document_id: str | None
    status_code: str | None = None
    notation: str | None = None
    subject: str | None = None


def read_outgoing(path: Path, message_type: str) -> Outgoing:
    """Recipients, DocumentId, status code, số/ký hiệu and subject of an outgoing edXML file;
    PermanentError if invalid.

    An edoc is checked as a stream (attachments decoded and dropped), so a large one is not held in memory.
    """
    try:
        if message_type == "status":
            status = parse_status(path.read_bytes())
            owner = status.response_for.organ_id
            return Outgoing(
                [owner] if owner else [], status.response_for.document_id, status.status_code.value
            )
        header = stream_edoc(path, _discard).header
        mh = header.message_header
        return Outgoing(
            [o.organ_id for o in mh.to], mh.document_id, None, code_of(header), mh.subject or None
        )
    except EdxmlError as exc:
        raise PermanentError(f"outgoing edXML is invalid: {exc}") from exc


def sign_file(path: Path, key: SigningKey) -> Path:
    """Sign an unsigned outgoing edoc with the agency's key (XML-DSig); a signed one is left as it is."""
    try:
        signed = sign_edoc(path.read_bytes(), key)
    except InvalidSignatureError:  # sign_edoc refuses a message that is already signed
        return path
    target = path.with_name("signed-" + path.name)
    target.write_bytes(signed)
    return target


@dataclass
class _Send:
    """One command being sent: the file, who from and to, what identifies it."""

    d: Delivery
    command: AxisSendRequested
    path: Path
    outgoing: Outgoing
    from_code: str
    to_codes: list[str]

    @property
    def document_id(self) -> str | None:
        return self.command.document_id or self.outgoing.document_id

    @property
    def command_id(self) -> str:
        return str(self.d.envelope.id)

    def attempt(self, now: datetime) -> Attempt:
        return Attempt(
            command_id=self.command_id,
            message_type=self.command.message_type,
            from_code=self.from_code,
            to_codes=self.to_codes,
            notation=self.outgoing.notation,
            subject=self.outgoing.subject,
            document_id=self.document_id,
            first_at=now,
            last_at=now,
        )


class Sender:
    """Handles `axis.send` commands: one sendEdoc call to all recipients, then `axis.sent`.

    With a signing key, unsigned edocs are signed (enveloped XML-DSig) before they leave. A command is
    sent at most once (once.py): an attempt whose reply was lost is looked up on the axis's sent list
    before anything is sent again.
    """

    def __init__(
        self,
        client: VdxpClient,
        agency_code: str,
        kv: KeyValue | None,
        signing_key: SigningKey | None = None,
        *,
        settle: timedelta = DEFAULT_SETTLE,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client = client
        self.agency_code = agency_code
        self.kv = kv
        self.signing_key = signing_key
        self.settle = settle
        self._now = now

    async def handle(self, d: Delivery) -> None:
        """Send the command's edXML through the axis (the consumer's handler)."""
        command: AxisSendRequested = d.payload
        with tempfile.TemporaryDirectory(prefix="vdxp-out-") as tmp:
            edxml = await edxml_of(d.hub, command)
            path = await d.hub.claims.get_to_file(edxml, Path(tmp) / "message.edxml")
            outgoing = await asyncio.to_thread(read_outgoing, path, command.message_type)
            to_codes = command.to_codes or outgoing.recipients
            if not to_codes:
                raise PermanentError("outgoing edXML names no recipient and the command gives none")
            send = _Send(d, command, path, outgoing, command.from_code or self.agency_code, list(to_codes))
            doc_id = await self._already_sent(f"{CMD_PREFIX}{d.envelope.id}")
            if doc_id is None:
                doc_id = await self._send_once(send)
        await d.emit(
            "axis.sent",
            AxisSent(
                axis="vdxp",
                sender_doc_id=doc_id,
                message_type=command.message_type,
                from_code=send.from_code,
                to_codes=send.to_codes,
                document_id=send.document_id,
                status_code=outgoing.status_code,
            ),
            issue=d.envelope.issue or send.document_id,
        )

    async def _send_once(self, send: _Send) -> str:
        """Send, unless an earlier attempt of this command reached the axis; return the DocId."""
        try_key = f"{TRY_PREFIX}{send.command_id}"
        attempt = await self._attempt(try_key)
        if attempt is not None and attempt.uncertain:
            doc_id = await self._arrived(attempt)
            if doc_id is not None:
                log.warning(
                    "vdxp.send_recovered",
                    doc_id=doc_id,
                    attempts=attempt.attempts,
                    document_id=send.document_id,
                    hint="the reply was lost but the axis had stored the document: not sent again",
                )
                await self._remember(send, doc_id)
                await self._forget(try_key)
                return doc_id
            now = self._now()
            if not attempt.settled(now, self.settle):
                wait = (attempt.last_at + self.settle - now).total_seconds()
                raise TransientError(
                    f"an earlier attempt at {attempt.last_at.isoformat(timespec='seconds')} may still reach "
                    f"the national axis and is not on its sent list yet: not sent again for {wait:.0f} s"
                )
            log.warning("vdxp.send_again", attempts=attempt.attempts, document_id=send.document_id)
        if self.signing_key is not None and send.command.message_type == "edoc":
            send.path = await asyncio.to_thread(sign_file, send.path, self.signing_key)
        attempt = attempt or send.attempt(self._now())
        attempt.begin(await asyncio.to_thread(sha256_of, send.path), self._now())
        await self._keep(try_key, attempt)
        try:
            doc_id = await self.client.send_edoc(
                send.path, from_code=send.from_code, to=send.to_codes, message_type=send.command.message_type
            )
        except VdxpRejectedError as exc:
            await self._forget(try_key)
            raise PermanentError(f"the national axis refused the message: {exc}") from exc
        except VdxpTransientError as exc:
            if not exc.may_have_reached_server:
                attempt.never_arrived()
            attempt.last_at = self._now()
            await self._keep(try_key, attempt)
            unsure = " (it may have arrived: it is looked up before any new attempt)"
            unsure = unsure if exc.may_have_reached_server else ""
            raise TransientError(f"the national axis is unavailable: {exc}{unsure}") from exc
        await self._remember(send, doc_id)
        await self._forget(try_key)
        return doc_id

    async def _arrived(self, attempt: Attempt) -> str | None:
        """The DocId of the item on the axis's sent list that is this attempt's document, if any."""
        try:
            rows = await self.client.get_sent_edoc_list(attempt.message_type)
        except VdxpError as exc:
            raise TransientError(f"cannot tell whether an earlier attempt arrived: {exc}") from exc
        for doc_id in candidates(rows, attempt):
            if await self._claim(doc_id, attempt.command_id):
                return doc_id
        return None

    async def _claim(self, doc_id: str, command_id: str) -> bool:
        """Take a DocId for this command unless another command already has it."""
        assert self.kv is not None
        key = claim_key(doc_id)
        try:
            await self.kv.create(key, command_id.encode())
            return True
        except KeyWrongLastSequenceError:
            pass
        try:
            entry = await self.kv.get(key)
        except KeyNotFoundError:
            return False
        return (entry.value or b"").decode() == command_id

    async def _attempt(self, key: str) -> Attempt | None:
        if self.kv is None:
            return None
        try:
            entry = await self.kv.get(key)
        except KeyNotFoundError:
            return None
        return Attempt.model_validate_json(entry.value) if entry.value else None

    async def _keep(self, key: str, attempt: Attempt) -> None:
        if self.kv is not None:
            await self.kv.put(key, attempt.model_dump_json().encode())

    async def _forget(self, key: str) -> None:
        if self.kv is not None:
            await self.kv.delete(key)

    async def _already_sent(self, marker: str) -> str | None:
        if self.kv is None:
            return None
        try:
            entry = await self.kv.get(marker)
        except KeyNotFoundError:
            return None
        return entry.value.decode() if entry.value else None

    async def _remember(self, send: _Send, doc_id: str) -> None:
        if self.kv is None:
            return
        d, document_id = send.d, send.document_id
        record = {
            "message_type": send.command.message_type,
            "document_id": document_id,
            "issue": d.envelope.issue or document_id,
            "correlation_id": str(d.envelope.correlation_id),
            "causation_id": str(d.envelope.id),
            "sent_at": datetime.now(UTC).isoformat(),
            "to": dict.fromkeys(send.to_codes, "pending"),
        }
        await self.kv.put(claim_key(doc_id), send.command_id.encode())
        await self.kv.put(f"{SENT_PREFIX}{doc_id}", json.dumps(record).encode())
        if send.command.message_type == "edoc" and document_id:
            await self.kv.put(conversation_key(document_id), str(d.envelope.correlation_id).encode())
        await self.kv.put(f"{CMD_PREFIX}{d.envelope.id}", doc_id.encode())


class DeliveryTracker:
    """Polls getSentEdocList for remembered items and publishes each recipient's transport changes."""

    def __init__(self, hub: Hub, client: VdxpClient, kv: KeyValue) -> None:
        self.hub = hub
        self.client = client
        self.kv = kv

    async def sync_once(self) -> int:
        """Publish `axis.delivery_changed` for every changed recipient; return how many changed."""
        try:
            keys = [k for k in await self.kv.keys() if k.startswith(SENT_PREFIX)]
        except NoKeysError:
            return 0
        changed = 0
        for key in keys:
            changed += await self._sync(key)
        return changed

    async def _sync(self, key: str) -> int:
        try:
            entry = await self.kv.get(key)
        except KeyNotFoundError:
            return 0
        record: dict[str, Any] = json.loads(entry.value or b"{}")
        doc_id = key.removeprefix(SENT_PREFIX)
        rows = await self.client.get_sent_edoc_list(record["message_type"], doc_id=doc_id)
        changed = 0
        for row in rows:
            to_code = row.to_code or ""
            status = row.receive_status or "pending"
            if record["to"].get(to_code) == status:
                continue
            record["to"][to_code] = status
            changed += 1
            await self.hub.publish(
                "axis.delivery_changed",
                AxisDeliveryChanged(
                    axis="vdxp",
                    sender_doc_id=doc_id,
                    to_code=to_code,
                    receiver_doc_id=row.receiver_doc_id,
                    receive_status=status,
                    receive_status_desc=row.receive_status_desc,
                    document_id=record.get("document_id"),
                ),
                source=SOURCE,
                issue=record.get("issue"),
                id=uuid.uuid5(_IDS, f"{doc_id}:{to_code}:{status}"),
                correlation_id=uuid.UUID(record["correlation_id"]),
                causation_id=uuid.UUID(record["causation_id"]),
            )
        sent_at = datetime.fromisoformat(record["sent_at"])
        finished = record["to"] and all(s == "done" for s in record["to"].values())
        if finished or datetime.now(UTC) - sent_at > TRACK_FOR:
            await self.kv.delete(key)
        elif changed:
            await self.kv.put(key, json.dumps(record).encode())
        return changed


@dataclass
class PollReport:
    """Counts of one poll: received documents, statuses, refusals, items left for the next poll."""

    outcomes: Counter[str] = field(default_factory=Counter)

    def add(self, outcome: str) -> None:
        self.outcomes[outcome] += 1


class Poller:
    """Takes every pending item of our agency from the national axis onto the bus."""

    def __init__(self, client: VdxpClient, intake: AxisIntake, systemid: str) -> None:
        self.client = client
        self.intake = intake
        self.systemid = systemid
        self._refused: set[str] = set()
        self._failures: Counter[str] = Counter()

    async def poll_once(self) -> PollReport:
        """Handle every pending edoc and status message once; axis outages end the poll early."""
        report = PollReport()
        for message_type in ("edoc", "status"):
            items = await self.client.get_received_edoc_list(message_type, to=self.intake.us.organ_id)
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
        """Count a technical failure; after MAX_UNEXPECTED_FAILURES the item is refused, not retried."""
        self._failures[item.doc_id] += 1
        log.warning(
            "vdxp.item_failed", doc_id=item.doc_id, error=str(exc), attempts=self._failures[item.doc_id]
        )
        if self._failures[item.doc_id] >= MAX_UNEXPECTED_FAILURES and not isinstance(exc, VdxpError):
            reason = f"could not be processed after {MAX_UNEXPECTED_FAILURES} attempts: {exc}"
            await self._refuse(item, message_type, None, Refused(reason, kind=reasons.UNPROCESSABLE))

    async def _take(self, item: ReceivedItem, message_type: AxisMessageType) -> str:
        with tempfile.TemporaryDirectory(prefix="vdxp-in-") as tmp:
            path = Path(tmp) / "message.edxml"
            try:
                await self.client.download_edoc(item.doc_id, path)
            except VdxpRejectedError as exc:
                if exc.error_code != "TOO_LARGE":
                    raise
                await self._refuse(item, message_type, None, Refused(exc.error_desc, kind=reasons.TOO_LARGE))
                return "refused"
            outcome = await self.intake.take(arrival_of(item, message_type, self.systemid), path)
        if outcome.outcome == "refused":
            await self._refused_on_axis(item)
            return "refused"
        await self.client.update_status(item.doc_id, "done")
        self._failures.pop(item.doc_id, None)
        return outcome.outcome

    async def _refuse(
        self, item: ReceivedItem, message_type: AxisMessageType, path: Path | None, refused: Refused
    ) -> None:
        await self.intake.refuse(arrival_of(item, message_type, self.systemid), path, refused)
        await self._refused_on_axis(item)

    async def _refused_on_axis(self, item: ReceivedItem) -> None:
        await self.client.update_status(item.doc_id, "fail")
        self._refused.add(item.doc_id)

"""Outbound side of the national axis: the `lt.axis.cmd.send` consumer and per-recipient delivery tracking.

Sent items are remembered in the `lt-cursors` KV bucket (`vdxp.sent.<DocId>`) with their business
key, so `axis.delivery_changed` events carry the document's issue and conversation even after a
restart; a command already sent is remembered as `vdxp.cmd.<message id>` so a redelivery does not
send it twice; `vdxp.conv.<hash of DocumentId>` links statuses coming back to the conversation.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog
from nats.js.errors import KeyNotFoundError, NoKeysError
from nats.js.kv import KeyValue

from adapters.vdxp.client import VdxpClient
from adapters.vdxp.errors import VdxpRejectedError, VdxpTransientError
from hub.errors import PermanentError, TransientError
from schemas.axis import AxisDeliveryChanged, AxisSendRequested, AxisSent
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
_IDS = uuid.UUID("a8b1f0f4-1f7e-4a43-9b8f-2f6f3c1d9e55")


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


def read_outgoing(path: Path, message_type: str) -> tuple[list[str], str | None, str | None]:
    """Recipients, DocumentId and status code of an outgoing edXML file; PermanentError if invalid.

    An edoc is checked as a stream (attachments decoded and dropped), so a large one is not held in memory.
    """
    try:
        if message_type == "status":
            status = parse_status(path.read_bytes())
            owner = status.response_for.organ_id
            return ([owner] if owner else []), status.response_for.document_id, status.status_code.value
        header = stream_edoc(path, _discard).header.message_header
        return [o.organ_id for o in header.to], header.document_id, None
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


class Sender:
    """Handles `axis.send` commands: one sendEdoc call to all recipients, then `axis.sent`.

    With a signing key, unsigned edocs are signed (enveloped XML-DSig) before they leave.
    """

    def __init__(
        self, client: VdxpClient, agency_code: str, kv: KeyValue | None, signing_key: SigningKey | None = None
    ) -> None:
        self.client = client
        self.agency_code = agency_code
        self.kv = kv
        self.signing_key = signing_key

    async def handle(self, d: Delivery) -> None:
        """Send the command's edXML through the axis (the consumer's handler)."""
        command: AxisSendRequested = d.payload
        with tempfile.TemporaryDirectory(prefix="vdxp-out-") as tmp:
            path = await d.hub.claims.get_to_file(command.edxml, Path(tmp) / "message.edxml")
            found, document_id, status_code = await asyncio.to_thread(
                read_outgoing, path, command.message_type
            )
            to_codes = command.to_codes or found
            if not to_codes:
                raise PermanentError("outgoing edXML names no recipient and the command gives none")
            from_code = command.from_code or self.agency_code
            marker = f"{CMD_PREFIX}{d.envelope.id}"
            doc_id = await self._already_sent(marker)
            if doc_id is None:
                if self.signing_key is not None and command.message_type == "edoc":
                    path = await asyncio.to_thread(sign_file, path, self.signing_key)
                doc_id = await self._send(path, from_code, to_codes, command)
                await self._remember(marker, doc_id, d, command, to_codes, command.document_id or document_id)
        await d.emit(
            "axis.sent",
            AxisSent(
                axis="vdxp",
                sender_doc_id=doc_id,
                message_type=command.message_type,
                from_code=from_code,
                to_codes=to_codes,
                document_id=command.document_id or document_id,
                status_code=status_code,
            ),
            issue=d.envelope.issue or command.document_id or document_id,
        )

    async def _send(self, path: Path, from_code: str, to_codes: list[str], command: AxisSendRequested) -> str:
        try:
            return await self.client.send_edoc(
                path, from_code=from_code, to=to_codes, message_type=command.message_type
            )
        except VdxpRejectedError as exc:
            raise PermanentError(f"the national axis refused the message: {exc}") from exc
        except VdxpTransientError as exc:
            raise TransientError(f"the national axis is unavailable: {exc}") from exc

    async def _already_sent(self, marker: str) -> str | None:
        if self.kv is None:
            return None
        try:
            entry = await self.kv.get(marker)
        except KeyNotFoundError:
            return None
        return entry.value.decode() if entry.value else None

    async def _remember(
        self,
        marker: str,
        doc_id: str,
        d: Delivery,
        command: AxisSendRequested,
        to_codes: list[str],
        document_id: str | None,
    ) -> None:
        if self.kv is None:
            return
        record = {
            "message_type": command.message_type,
            "document_id": document_id,
            "issue": d.envelope.issue or document_id,
            "correlation_id": str(d.envelope.correlation_id),
            "causation_id": str(d.envelope.id),
            "sent_at": datetime.now(UTC).isoformat(),
            "to": dict.fromkeys(to_codes, "pending"),
        }
        await self.kv.put(f"{SENT_PREFIX}{doc_id}", json.dumps(record).encode())
        if command.message_type == "edoc" and document_id:
            await self.kv.put(conversation_key(document_id), str(d.envelope.correlation_id).encode())
        await self.kv.put(marker, doc_id.encode())


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

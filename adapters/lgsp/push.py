"""The backend of the hub's own LGSP endpoint: agencies push edXML to us over the same WSDL.

`api.py` serves it over SOAP (`soap_server.py`). SendDocument validates the edXML (with the codec in
`schemas/edxml/` by default) and hands an accepted message to a `deliver` callable; the bus layer
(`service.py`, through the shared axis intake) stores it and publishes `document.received`. When
`deliver` returns a status (01 arrived, or 02 when a later check such as the signature fails), it is
recorded as a trace and returned in the SendDocument response.

A document we refuse (invalid edXML from an authenticated, hence known, sender) is not a SOAP fault:
it gets a 02 rejection status, returned in the SendDocument response, recorded as a trace the sender
can read with GetTraces, and passed to the `on_rejected` hook so the bus layer can record it and
queue the 02 status message. Technical failures (deliver raising) are Server faults, so the sender
retries.

The other operations serve the reverse direction: messages the hub queues for an agency with
`enqueue` are listed, downloaded and confirmed by that agency; its UpdateTraces calls are recorded
and handed to `on_traces`.
"""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from adapters.axis import reasons
from adapters.lgsp.errors import LgspError, LgspNotFoundError, LgspPermanentError, LgspTransientError
from adapters.lgsp.protocol import (
    MAX_PENDING_IDS,
    Document,
    MessageType,
    Organization,
    PendingQuery,
    SendReceipt,
    SendRequest,
    StatusInfo,
    Trace,
    TraceUpdate,
)
from adapters.lgsp.store import MemoryStore
from schemas.edxml.codes import StatusCode
from schemas.edxml.errors import EdxmlError

log = logging.getLogger(__name__)

REJECTED = StatusCode.REJECTED.value


@dataclass(frozen=True)
class InboundDocument:
    """An accepted message pushed to the hub."""

    transport_id: str
    sender_id: str
    message_type: MessageType
    content: bytes
    received_at: datetime
    parsed: object | None = None  # the codec's EdocMessage / StatusMessage when the validator returns it


@dataclass(frozen=True)
class Rejection:
    """A pushed message the hub refused: the bus layer answers it with a 02 status message."""

    transport_id: str
    sender_id: str
    message_type: MessageType
    reason: str  # technical reason, English, from the validator
    description: str  # the Vietnamese status description sent back
    content: bytes
    received_at: datetime
    kind: str | None = None  # the kind of problem (reasons.py), for the Vietnamese sentence
    field: str | None = None  # the edXML element at fault


Validator = Callable[[bytes], object]
Deliver = Callable[[InboundDocument], Awaitable[StatusInfo | None]]
RejectionHook = Callable[[Rejection], Awaitable[None]]
TracesHook = Callable[[str, Sequence[Trace]], Awaitable[None]]


def codec_validator(data: bytes) -> object:
    """Parse the edXML with the project codec; raise its EdxmlError (a ValueError) to refuse."""
    from schemas.edxml.parse import parse_message

    return parse_message(data)


def _message_type_of(parsed: object) -> MessageType | None:
    name = type(parsed).__name__
    if name == "StatusMessage":
        return MessageType.STATUS
    if name == "EdocMessage":
        return MessageType.EDOC
    return None


@dataclass
class _Received:
    sender_id: str
    traces: list[Trace] = field(default_factory=list)


class InboundBackend:
    """Backend of the hub's inbound SOAP endpoint (see the module docstring)."""

    def __init__(
        self,
        own_organ_id: str,
        store: MemoryStore,
        deliver: Deliver,
        *,
        validator: Validator = codec_validator,
        on_rejected: RejectionHook | None = None,
        on_traces: TracesHook | None = None,
        remember: int = 10_000,
    ) -> None:
        self.own_organ_id = own_organ_id
        self.store = store  # partner accounts (tokens) and the messages queued for them
        self.deliver = deliver
        self.validator = validator
        self.on_rejected = on_rejected
        self.on_traces = on_traces
        self._remember = remember
        self._received: OrderedDict[str, _Received] = OrderedDict()

    # Hub-side API -----------------------------------------------------------------------------------

    async def enqueue(
        self,
        receiver_id: str,
        content: bytes,
        message_type: MessageType = MessageType.EDOC,
        idempotency_key: str | None = None,
    ) -> str:
        """Queue a message for an agency that pulls from us; return its transport id.

        Queuing again with the same `idempotency_key` returns the first transport id: nothing is queued
        twice when a send command is redelivered.
        """
        if not self.store.knows(receiver_id):
            raise LgspPermanentError(
                f"organisation {receiver_id} has no account on this endpoint", "UNKNOWN_RECEIVER"
            )
        document = await self.store.add_document(
            self.own_organ_id, message_type, [receiver_id], content, idempotency_key
        )
        return document.document_id

    def record_trace(self, transport_id: str, status_code: str, description: str | None = None) -> Trace:
        """Record our status of a message an agency pushed (e.g. 01, 03), readable with GetTraces."""
        received = self._received.get(transport_id)
        if received is None:
            raise KeyError(transport_id)
        trace = Trace(
            document_id=transport_id,
            organ_id=self.own_organ_id,
            status_code=status_code,
            description=description,
            timestamp=datetime.now(UTC),
        )
        received.traces.append(trace)
        return trace

    # LgspBackend ------------------------------------------------------------------------------------

    async def authenticate(self, organ_id: str, token: str) -> bool:
        """Check the agency's token."""
        return self.store.check_token(organ_id, token)

    async def send_document(self, caller: str, request: SendRequest) -> SendReceipt:
        """Validate and deliver a pushed message, or refuse it with a 02 status."""
        transport_id = uuid.uuid4().hex
        now = datetime.now(UTC)
        if request.receiver_ids and self.own_organ_id not in request.receiver_ids:
            raise LgspPermanentError(
                f"this endpoint receives for {self.own_organ_id} only, not {', '.join(request.receiver_ids)}",
                "UNKNOWN_RECEIVER",
            )
        try:
            parsed = self.validator(request.content)
            actual = _message_type_of(parsed)
            if actual is not None and actual is not request.message_type:
                raise ValueError(
                    f"MessageType is {request.message_type.value} but the edXML is a {actual.value}"
                )
            sender = _sender_of(parsed)
            if sender is not None and sender != caller:
                problem = f"edXML From/OrganId {sender} is not the authenticated organisation {caller}"
                return await self._reject(
                    transport_id, caller, request, problem, now, reasons.SENDER_MISMATCH, "From/OrganId"
                )
        except EdxmlError as exc:
            return await self._reject(
                transport_id, caller, request, str(exc), now, type(exc).__name__, exc.field
            )
        except ValueError as exc:
            return await self._reject(transport_id, caller, request, str(exc), now)
        document = InboundDocument(transport_id, caller, request.message_type, request.content, now, parsed)
        try:
            answer = await self.deliver(document)
        except LgspError:
            raise
        except Exception:
            log.exception("could not hand over LGSP message %s from %s", transport_id, caller)
            raise LgspTransientError(
                "the hub could not store the message, send it again later", "STORE_FAILED"
            ) from None
        self._remember_received(transport_id, caller)
        if answer is not None:
            self.record_trace(transport_id, answer.status_code, answer.description)
        log.info("LGSP message %s from %s handed over", transport_id, caller)
        return SendReceipt(document_id=transport_id, receiver_ids=(self.own_organ_id,), status=answer)

    async def _reject(
        self,
        transport_id: str,
        caller: str,
        request: SendRequest,
        reason: str,
        now: datetime,
        kind: str | None = None,
        field: str | None = None,
    ) -> SendReceipt:
        description = reasons.rejection_description(kind, field)[:2000]
        rejection = Rejection(
            transport_id=transport_id,
            sender_id=caller,
            message_type=request.message_type,
            reason=reason,
            description=description,
            content=request.content,
            received_at=now,
            kind=kind,
            field=field,
        )
        if self.on_rejected is not None:
            try:
                await self.on_rejected(rejection)
            except Exception:
                log.exception("could not record the rejection of LGSP message %s", transport_id)
                raise LgspTransientError(
                    "the hub could not record the rejection, send it again later", "STORE_FAILED"
                ) from None
        self._remember_received(transport_id, caller)
        self.record_trace(transport_id, REJECTED, description)
        log.warning("LGSP message %s from %s rejected: %s", transport_id, caller, reason)
        return SendReceipt(
            document_id=transport_id,
            receiver_ids=(self.own_organ_id,),
            status=StatusInfo(status_code=REJECTED, description=description),
        )

    def _remember_received(self, transport_id: str, sender_id: str) -> None:
        self._received[transport_id] = _Received(sender_id)
        while len(self._received) > self._remember:
            self._received.popitem(last=False)

    async def get_pending_document_ids(self, caller: str, query: PendingQuery) -> list[str]:
        """List messages the hub queued for the caller."""
        return self.store.pending(caller, query.message_type, query.max_count or MAX_PENDING_IDS)

    async def get_document(self, caller: str, document_id: str) -> Document:
        """Return a message queued for the caller."""
        document = self.store.document(document_id)
        if document is None or not self.store.is_receiver(caller, document_id):
            raise LgspNotFoundError(f"document {document_id} does not exist for organisation {caller}")
        return document

    async def confirm_received(self, caller: str, document_id: str) -> None:
        """Take a message off the caller's queue."""
        if not self.store.is_receiver(caller, document_id):
            raise LgspNotFoundError(f"document {document_id} is not addressed to organisation {caller}")
        await self.store.confirm(caller, document_id)

    async def update_traces(self, caller: str, traces: Sequence[TraceUpdate]) -> int:
        """Record the caller's statuses of messages we queued for it and pass them to the bus layer."""
        for update in traces:
            if not self.store.is_receiver(caller, update.document_id):
                raise LgspNotFoundError(
                    f"document {update.document_id} was not sent to organisation {caller}"
                )
        now = datetime.now(UTC)
        recorded = [
            Trace(
                document_id=u.document_id,
                organ_id=caller,
                status_code=u.status_code,
                description=u.description,
                timestamp=u.timestamp or now,
            )
            for u in traces
        ]
        if self.on_traces is not None:
            try:
                await self.on_traces(caller, recorded)
            except Exception:
                log.exception("could not hand over LGSP traces from %s", caller)
                raise LgspTransientError(
                    "the hub could not record the traces, send them again later"
                ) from None
        await self.store.add_traces(recorded)
        return len(recorded)

    async def get_traces(self, caller: str, document_id: str) -> list[Trace]:
        """Return our statuses of a message the caller pushed, or the statuses of one we queued."""
        received = self._received.get(document_id)
        if received is not None and received.sender_id == caller:
            return list(received.traces)
        if self.store.is_party(caller, document_id):
            return self.store.traces(document_id)
        raise LgspNotFoundError(f"document {document_id} does not exist for organisation {caller}")

    async def get_organizations(self, caller: str, organ_id: str | None) -> list[Organization]:
        """Return the agencies known to this endpoint."""
        return self.store.organizations(organ_id)


def _sender_of(parsed: object) -> str | None:
    """Return From/OrganId of a codec model (edoc or status), if the validator returned one."""
    header = getattr(parsed, "message_header", parsed)
    sender = getattr(header, "from_", None)
    organ_id = getattr(sender, "organ_id", None)
    return organ_id if isinstance(organ_id, str) else None

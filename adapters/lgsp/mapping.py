"""The LGSP wire <-> the axis-neutral forms: message kinds, arrivals for the shared intake, traces.

An LGSP message (polled with GetDocument or pushed to our endpoint) becomes an `Arrival` of the
shared axis intake (`adapters/axis/intake.py`); what the intake did becomes the trace we report with
UpdateTraces, or the status we answer a push with; a message we sent becomes `axis.sent`.
"""

from __future__ import annotations

from adapters.axis.intake import Arrival, Outcome
from adapters.lgsp.protocol import Document, MessageType, StatusInfo, TraceUpdate
from schemas.axis import Axis, AxisDeliveryChanged, AxisMessageType, AxisSendRequested, AxisSent

AXIS: Axis = "lgsp"


def axis_message_type(message_type: MessageType) -> AxisMessageType:
    """The axis-neutral kind of an LGSP MessageType."""
    return "edoc" if message_type is MessageType.EDOC else "status"


def wire_message_type(message_type: AxisMessageType) -> MessageType:
    """The LGSP MessageType of an axis-neutral kind (of an `axis.send` command)."""
    return MessageType(message_type)


def arrival(our_code: str, axis_doc_id: str, sender_id: str, message_type: MessageType) -> Arrival:
    """One message the city axis (or a pushing agency) delivered to us, for the shared intake.

    The key keeps today's envelope ids: `<our code>:<axis id>`, as before the intake was shared.
    """
    return Arrival(
        axis=AXIS,
        axis_doc_id=axis_doc_id,
        message_type=axis_message_type(message_type),
        sender=sender_id,
        key=f"{our_code}:{axis_doc_id}",
    )


def pending_arrival(our_code: str, document: Document) -> Arrival:
    """The arrival of a pending message downloaded with GetDocument."""
    return arrival(our_code, document.document_id, document.sender_id, document.message_type)


def trace_of(axis_doc_id: str, outcome: Outcome) -> TraceUpdate:
    """The trace (01 received, 02 refused) we report on the axis for a message we took."""
    return TraceUpdate(
        document_id=axis_doc_id, status_code=outcome.status_code, description=outcome.description
    )


def push_answer(message_type: MessageType, outcome: Outcome) -> StatusInfo | None:
    """The synchronous status of a SendDocument pushed to us: none for a status message we took."""
    if message_type is MessageType.STATUS and outcome.outcome != "refused":
        return None
    return StatusInfo(status_code=outcome.status_code, description=outcome.description)


def axis_sent(command: AxisSendRequested, from_code: str, transport_id: str, to_codes: list[str]) -> AxisSent:
    """`axis.sent` for a message the city axis (or a pulling partner's queue) took."""
    return AxisSent(
        axis=AXIS,
        sender_doc_id=transport_id,
        message_type=command.message_type,
        from_code=from_code,
        to_codes=to_codes,
        document_id=command.document_id,
    )


UNREACHABLE = (
    "Không gửi được: cơ quan nhận (mã {code}) không có trên trục liên thông thành phố (LGSP) "
    "và không kết nối trực tiếp với Sở."
)
"""The reason a clerk reads when a recipient is on neither the city axis nor our push partners."""


def unreachable(
    command: AxisSendRequested, command_id: str, to_code: str, document_id: str | None
) -> AxisDeliveryChanged:
    """`axis.delivery_changed` (`fail`) for a recipient the city axis and our endpoint do not know."""
    return AxisDeliveryChanged(
        axis=AXIS,
        sender_doc_id=command_id,
        to_code=to_code,
        receive_status="fail",
        receive_status_desc=UNREACHABLE.format(code=to_code),
        document_id=document_id or command.document_id,
    )

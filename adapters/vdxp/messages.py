"""Bus payloads of the interconnect axes; they live in schemas/axis.py (re-exported here)."""

from schemas.axis import (
    AttachmentRef,
    Axis,
    AxisDeliveryChanged,
    AxisMessageType,
    AxisReceiveFailed,
    AxisSendRequested,
    AxisSent,
    DocumentReceived,
    DocumentStatusChanged,
    SignatureCheck,
)

__all__ = [
    "AttachmentRef",
    "Axis",
    "AxisDeliveryChanged",
    "AxisMessageType",
    "AxisReceiveFailed",
    "AxisSendRequested",
    "AxisSent",
    "DocumentReceived",
    "DocumentStatusChanged",
    "SignatureCheck",
]

"""Bus payloads of the interconnect axes (national VDXP and Hanoi LGSP): documents and statuses
received, send commands, delivery states. Axis-neutral: `axis` says which axis carried the message."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from schemas.envelope import ClaimCheck
from schemas.registry import message_type

Axis = Literal["vdxp", "lgsp"]
AxisMessageType = Literal["edoc", "status"]


class AttachmentRef(BaseModel):
    """One attachment of a received document, kept in the Object Store."""

    content_id: str
    name: str | None = None
    description: str | None = None
    content_type: str | None = None
    size: int
    sha256: str
    claim: ClaimCheck


class SignatureCheck(BaseModel):
    """Outcome of the XML-DSig check of a received edoc."""

    verified: bool
    signer: str | None = None
    detail: str = ""


@message_type("document.received", "lt.doc.evt.received")
class DocumentReceived(BaseModel):
    """An official document arrived from an interconnect axis and is stored (edXML and attachments)."""

    axis: Axis
    axis_doc_id: str = Field(description="The axis' id of this delivery (docId)")
    document_id: str = Field(description="edXML DocumentId")
    from_code: str
    from_name: str | None = None
    to_codes: list[str]
    subject: str
    code: str | None = Field(default=None, description="số/ký hiệu, e.g. 125/SKHĐT-TH")
    promulgation_date: date | None = None
    promulgation_place: str | None = None
    document_type: str | None = None
    priority: int | None = None
    business_type: int = Field(
        default=0, description="BussinessDocType: 0 new, 1 revoke, 2 update, 3 replace"
    )
    response_for_document_id: str | None = None
    signer_name: str | None = None
    due_date: date | None = None
    edxml: ClaimCheck
    attachments: list[AttachmentRef] = Field(default_factory=list)
    signature: SignatureCheck
    received_at: AwareDatetime


@message_type("document.status_changed", "lt.doc.evt.status_changed")
class DocumentStatusChanged(BaseModel):
    """A recipient (or the sender) reported a business status (01-16) about a document."""

    axis: Axis
    axis_doc_id: str
    document_id: str = Field(description="ResponseFor/DocumentId: the document the status is about")
    document_owner: str | None = Field(default=None, description="ResponseFor/OrganId")
    code: str | None = None
    from_code: str
    from_name: str | None = None
    status_code: str
    status_text: str = Field(description="Standard Vietnamese meaning of the code")
    description: str | None = None
    staff: str | None = None
    department: str | None = None
    reported_at: datetime
    edxml: ClaimCheck


@message_type("axis.send", "lt.axis.cmd.send")
class AxisSendRequested(BaseModel):
    """Send an edXML message (edoc or status) through the national axis to its recipients."""

    edxml: ClaimCheck
    message_type: AxisMessageType = "edoc"
    from_code: str | None = Field(
        default=None, description="Sender agency code; this hub's agency by default"
    )
    to_codes: list[str] | None = Field(
        default=None, description="Recipients; read from the edXML when absent"
    )
    document_id: str | None = None


@message_type("axis.sent", "lt.axis.evt.sent")
class AxisSent(BaseModel):
    """The axis accepted a message for delivery to its recipients."""

    axis: Axis
    sender_doc_id: str
    message_type: AxisMessageType
    from_code: str
    to_codes: list[str]
    document_id: str | None = None
    status_code: str | None = None


@message_type("axis.delivery_changed", "lt.axis.evt.delivery_changed")
class AxisDeliveryChanged(BaseModel):
    """The transport state of a sent message changed for one recipient (pending, done, fail, ...)."""

    axis: Axis
    sender_doc_id: str
    to_code: str
    receiver_doc_id: str | None = None
    receive_status: str
    receive_status_desc: str | None = None
    document_id: str | None = None


@message_type("axis.receive_failed", "lt.axis.evt.receive_failed")
class AxisReceiveFailed(BaseModel):
    """An incoming message was refused (invalid, hostile or badly signed edXML)."""

    axis: Axis
    axis_doc_id: str
    message_type: AxisMessageType
    from_code: str | None = None
    reason: str
    field: str | None = None
    edxml: ClaimCheck | None = None
    rejection_sent: bool = Field(description="A status 02 was queued back to the sender")

"""Bus payloads of the interconnect axes (national VDXP and Hanoi LGSP): documents and statuses
received, send commands, delivery states. Axis-neutral: `axis` says which axis carried the message."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from schemas.edxml.models import AttachmentInfo, EdocHeader, StatusMessage
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


class OutgoingAttachment(BaseModel):
    """One file of an outgoing edoc: how the manifest describes it, and its content in the Object Store."""

    info: AttachmentInfo
    claim: ClaimCheck


@message_type("axis.send", "lt.axis.cmd.send")
class AxisSendRequested(BaseModel):
    """Send a document or a status to other agencies; the axis adapters build, sign and route the edXML.

    A module gives the typed message (`edoc` with `attachments`, or `status`); `edxml` carries a
    message that is already built (a relay, a simulator, a test). Exactly one of the three forms.
    """

    edoc: EdocHeader | None = None
    attachments: list[OutgoingAttachment] = Field(default_factory=list)
    status: StatusMessage | None = None
    edxml: ClaimCheck | None = None
    message_type: AxisMessageType = "edoc"
    from_code: str | None = Field(
        default=None, description="Sender agency code; this hub's agency by default"
    )
    to_codes: list[str] | None = Field(
        default=None, description="Recipients; read from the edXML when absent"
    )
    document_id: str | None = None

    @model_validator(mode="after")
    def _one_form(self) -> AxisSendRequested:
        forms = [f for f in ("edoc", "status", "edxml") if getattr(self, f) is not None]
        if len(forms) != 1:
            raise ValueError(f"give exactly one of edoc, status or edxml (got {forms or 'none'})")
        if self.status is not None and self.message_type != "status":
            raise ValueError("a status message is sent with message_type 'status'")
        if self.edoc is not None and self.message_type != "edoc":
            raise ValueError("an edoc is sent with message_type 'edoc'")
        return self


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
    reason: str = Field(description="The technical reason, in English, for the operator")
    field: str | None = None
    edxml: ClaimCheck | None = None
    rejection_sent: bool = Field(description="A status 02 was queued back to the sender")
    kind: str | None = Field(default=None, description="The kind of problem, e.g. MissingFieldError")
    told: str | None = Field(default=None, description="The reason as the sender is told it, in Vietnamese")
    answer: str | None = Field(default=None, description="Description of the 02 status sent back")
    answer_edxml: ClaimCheck | None = Field(default=None, description="The 02 status message sent back")
    document_id: str | None = Field(default=None, description="DocumentId, when the header could be read")
    code: str | None = Field(default=None, description="số/ký hiệu, when the header could be read")
    subject: str | None = None

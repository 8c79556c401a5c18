"""Bus payloads of the documents module (e-office): incoming registration, handling steps, issuing."""

from __future__ import annotations

from datetime import date, datetime
from datetime import date as Date
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from schemas.envelope import ClaimCheck
from schemas.registry import message_type
from schemas.signing import StampBox

PriorityLabel = Literal["Thường", "Khẩn", "Thượng khẩn", "Hỏa tốc", "Hỏa tốc hẹn giờ"]
ConfidentialityLabel = Literal["Thường", "Mật", "Tối mật", "Tuyệt mật"]
RegisterSource = Literal["axis", "onestop", "paper", "complaints"]

PRIORITY_LABELS: tuple[str, ...] = ("Thường", "Khẩn", "Thượng khẩn", "Hỏa tốc", "Hỏa tốc hẹn giờ")


class DocumentAttachment(BaseModel):
    """One file of a document, kept in the Object Store behind a claim check."""

    name: str = Field(min_length=1, max_length=500)
    claim: ClaimCheck
    content_type: str | None = None


@message_type("document.registered", "lt.doc.evt.registered")
class DocumentRegistered(BaseModel):
    """An incoming document was entered in the incoming register with its số đến."""

    document_id: str = Field(description="Internal id of the document in the documents module")
    so_den: int = Field(ge=1, description="Incoming number within the register and year")
    year: int = Field(description="Calendar year of the register")
    register_code: str = Field(default="VBDEN", description="Register code")
    subject: str
    priority: PriorityLabel = "Thường"
    confidentiality: ConfidentialityLabel = "Thường"
    from_agency: str
    code: str | None = Field(default=None, description="Số/ký hiệu of the document, e.g. 125/SKHĐT-TH")
    due_date: date | None = None
    source: RegisterSource = "axis"
    edoc_document_id: str | None = Field(default=None, description="edXML DocumentId when from an axis")


@message_type("document.assigned", "lt.doc.evt.assigned")
class DocumentAssigned(BaseModel):
    """A leader assigned an incoming document to a lead unit with co-ordinating units and a deadline."""

    document_id: str
    subject: str
    priority: PriorityLabel = "Thường"
    lead_unit_id: str
    coordinating_unit_ids: list[str] = Field(default_factory=list)
    deadline: date | None = None
    instruction: str = ""
    assigned_by: str = Field(description="User id of the leader")
    so_den: int | None = None


@message_type("document.handler_assigned", "lt.doc.evt.handler_assigned")
class DocumentHandlerAssigned(BaseModel):
    """A unit head assigned officers of the unit to handle an incoming document."""

    document_id: str
    subject: str
    priority: PriorityLabel = "Thường"
    unit_id: str
    officer_ids: list[str]
    lead_officer_id: str
    deadline: date | None = None
    assigned_by: str


@message_type("document.processing", "lt.doc.evt.processing")
class DocumentProcessing(BaseModel):
    """An officer started processing an incoming document (status 05)."""

    document_id: str
    officer_id: str
    at: AwareDatetime
    note: str = ""


@message_type("document.completed", "lt.doc.evt.completed")
class DocumentCompleted(BaseModel):
    """An officer completed the handling of an incoming document (status 06)."""

    document_id: str
    officer_id: str
    at: AwareDatetime
    completed_on_time: bool
    deadline: date | None = None
    note: str = ""


@message_type("document.rejected", "lt.doc.evt.rejected")
class DocumentRejected(BaseModel):
    """The clerk refused an incoming document (status 02) with a reason."""

    document_id: str
    subject: str
    from_agency: str
    reason: str
    rejected_by: str


class IssuedRecipient(BaseModel):
    """One recipient of an issued document: an agency on an axis or an internal unit."""

    code: str
    name: str | None = None


@message_type("document.issued", "lt.doc.evt.issued")
class DocumentIssued(BaseModel):
    """An outgoing document received its number, the organisation's signature and was sent."""

    document_id: str
    number: str = Field(description="Số và ký hiệu, e.g. 15/QĐ-SKHĐT")
    so_di: int = Field(ge=1)
    year: int
    subject: str
    recipients: list[IssuedRecipient]
    issued_at: AwareDatetime
    edoc_document_id: str | None = None
    response_for: str | None = Field(default=None, description="Internal id of the document answered")
    origin: str | None = Field(
        default=None, description="The module's case this document concludes (`document.prepare_issue`)"
    )
    file: ClaimCheck | None = Field(default=None, description="The issued PDF, with the seal's signature")


@message_type("document.prepare_issue", "lt.doc.cmd.prepare_issue")
class PrepareIssue(BaseModel):
    """Another module hands the clerks a document its leader has signed, to be numbered in the outgoing
    register, sealed and issued like any other (e.g. the conclusion of a complaint). The answer is
    `document.issued` carrying the same `origin`."""

    origin: str = Field(min_length=3, max_length=200, description="e.g. complaint:<case id>")
    source: Literal["complaints"] = "complaints"
    subject: str = Field(min_length=1, max_length=500)
    document_type: str = Field(description="A Decree 30 type, e.g. Quyết định, Thông báo, Công văn")
    file: ClaimCheck = Field(description="The PDF with the leader's approval signature")
    file_name: str = Field(default="ket-luan.signed.pdf", max_length=200)
    drafting_unit_id: str | None = None
    signed_by: str = Field(description="User id of the leader who signed")
    prepared_by: str = Field(description="User id of the person who sent it for signature")
    confidentiality: ConfidentialityLabel = "Thường"
    note: str = Field(default="", max_length=500)
    seal_box: StampBox | None = Field(
        default=None, description="Where the seal goes on this form: page, x1, y1, x2, y2 (PDF points)"
    )


@message_type("document.register", "lt.doc.cmd.register")
class RegisterDocument(BaseModel):
    """Register an incoming document handed over by another module (one-stop desk, complaints, paper)."""

    subject: str = Field(min_length=1, max_length=500)
    from_agency: str = Field(min_length=1, max_length=200)
    code: str | None = Field(default=None, max_length=50)
    date: Date | None = Field(default=None, description="Date of the document (ngày tháng văn bản)")
    priority: PriorityLabel = "Thường"
    confidentiality: ConfidentialityLabel = "Thường"
    document_type: str | None = Field(default=None, description="Tên loại, e.g. Đơn, Công văn")
    attachments: list[DocumentAttachment] = Field(default_factory=list)
    source: Literal["onestop", "paper", "complaints"] = "onestop"
    external_ref: str | None = Field(default=None, description="Reference in the sending module")
    due_date: Date | None = None
    received_at: datetime | None = None

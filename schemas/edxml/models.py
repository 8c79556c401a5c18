"""Typed models of edXML messages: the edoc (document) message and the status (feedback) message.

Field aliases are the QCVN 102 element names, so validation errors name the element on the wire.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.alias_generators import to_pascal
from pydantic_core import PydanticCustomError

from schemas.edxml.codes import VN_TZ, BussinessDocType, Priority, StatusCode

_COMPOSITE_ID = re.compile(r"^[^,\s]+,\d{4}/\d{2}/\d{2},\S.*$")


def _document_id(value: str) -> str:
    """Accept a UUID or the composite `{OrganId},{yyyy/MM/dd},{số}/{ký hiệu}` form."""
    value = value.strip()
    if _COMPOSITE_ID.match(value):
        return value
    try:
        uuid.UUID(value)
    except ValueError:
        raise PydanticCustomError(
            "document_id", "DocumentId must be a UUID or {OrganId},{yyyy/MM/dd},{số}/{ký hiệu}"
        ) from None
    return value


def _vn_time(value: datetime) -> datetime:
    """Attach Vietnam time to a naive timestamp (the wire carries local time without offset)."""
    return value.replace(tzinfo=VN_TZ) if value.tzinfo is None else value


Text = Annotated[str, StringConstraints(min_length=1)]
VnDateTime = Annotated[datetime, AfterValidator(_vn_time)]
DocumentIdStr = Annotated[str, StringConstraints(min_length=1), AfterValidator(_document_id)]


class EdxmlModel(BaseModel):
    """Base: aliases are QCVN element names, values are immutable once read."""

    model_config = ConfigDict(
        alias_generator=to_pascal, validate_by_name=True, validate_by_alias=True, frozen=True, extra="forbid"
    )


class Organization(EdxmlModel):
    """An agency (`From`, `To`): OrganId is its electronic identifier (mã định danh)."""

    organ_id: Text
    organization_in_charge: Annotated[str, Field(max_length=500)] | None = None
    organ_name: Annotated[str, Field(max_length=200)] | None = None
    organ_add: str | None = None
    email: str | None = None
    telephone: str | None = None
    fax: str | None = None
    website: str | None = None


class Code(EdxmlModel):
    """Number and notation of a document (số, ký hiệu)."""

    code_number: str | None = None
    code_notation: str | None = None

    @property
    def joined(self) -> str:
        """Return the `số/ký hiệu` form used in ResponseFor/Code."""
        return "/".join(p for p in (self.code_number, self.code_notation) if p)


class PromulgationInfo(EdxmlModel):
    """Place and date of promulgation."""

    place: str | None = None
    promulgation_date: date | None = None


class DocumentType(EdxmlModel):
    """Document type code, detail and Vietnamese name (e.g. 1, 0, "Công văn")."""

    type: int | None = None
    type_detail: int | None = None
    type_name: str | None = None


class SignerInfo(EdxmlModel):
    """Who signed the document: authority prefix, position, full name."""

    competence: str | None = None
    position: str | None = None
    full_name: str | None = None


class OtherInfo(EdxmlModel):
    """Urgency, circulation scope, drafter, copies, pages, appendixes."""

    priority: Priority = Priority.NORMAL
    sphere_of_promulgation: str | None = None
    typer_notation: str | None = None
    promulgation_amount: int | None = None
    page_amount: int | None = None
    direction: bool | None = None
    appendixes: list[str] = Field(default_factory=list)


class ResponseFor(EdxmlModel):
    """The document being answered, revoked or reported on."""

    organ_id: str | None = None
    code: str | None = None
    document_id: str | None = None
    promulgation_date: date | None = None


class StatusResponseFor(ResponseFor):
    """ResponseFor of a status message: Code and DocumentId are required."""

    code: Text
    document_id: Text


class MessageHeader(EdxmlModel):
    """Header of an edoc: parties, identification and descriptive metadata of the document."""

    from_: Organization = Field(alias="From")
    to: Annotated[list[Organization], Field(min_length=1)]
    document_id: DocumentIdStr
    code: Code | None = None
    promulgation_info: PromulgationInfo | None = None
    document_type: DocumentType | None = None
    subject: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    content: Annotated[str, Field(max_length=500)] | None = None
    signer_info: SignerInfo | None = None
    due_date: date | None = None
    other_info: OtherInfo = Field(default_factory=OtherInfo)
    response_for: ResponseFor | None = None
    steering_type: int | None = None
    to_places: list[Annotated[str, Field(max_length=150)]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_recipients(self) -> MessageHeader:
        seen: set[str] = set()
        for organ in self.to:
            if organ.organ_id in seen:
                raise PydanticCustomError(
                    "duplicate_recipient",
                    "OrganId {organ_id} appears in more than one To",
                    {"organ_id": organ.organ_id},
                )
            seen.add(organ.organ_id)
        return self


class TraceHeader(EdxmlModel):
    """One hop of the delivery path: agency and time."""

    organ_id: Text
    timestamp: VnDateTime


class StaffInfo(EdxmlModel):
    """Clerk who handled the message."""

    department: str | None = None
    staff: str | None = None
    email: str | None = None
    mobile: str | None = None
    department_id: str | None = None
    staff_id: str | None = None


class Receiver(EdxmlModel):
    """A receiver touched by an update (ReceiverType 0 or 1)."""

    organ_id: Text
    receiver_type: int | None = None


class BussinessDocumentInfo(EdxmlModel):
    """What an update (business type 2) changes."""

    document_info: int | None = None
    document_receiver: int | None = None
    receiver_list: list[Receiver] = Field(default_factory=list)


class ReplacementInfo(EdxmlModel):
    """A replaced document and the agencies that received it (business type 3)."""

    document_id: Text
    organ_id_list: list[str] = Field(default_factory=list)


class Bussiness(EdxmlModel):
    """Business block (sic): new, revoke, update or replace."""

    document_id: str | None = None
    bussiness_doc_type: BussinessDocType = BussinessDocType.NEW
    bussiness_doc_reason: str | None = None
    paper: int | None = None
    bussiness_document_info: BussinessDocumentInfo | None = None
    replacement_info_list: list[ReplacementInfo] = Field(default_factory=list)
    staff_info: StaffInfo | None = None


class TraceHeaderList(EdxmlModel):
    """Append-only delivery trace plus the business block."""

    trace_headers: list[TraceHeader] = Field(default_factory=list, alias="TraceHeader")
    bussiness: Bussiness | None = None
    id: str | None = Field(default=None, alias="id")
    version: str | None = Field(default=None, alias="version")


class ManifestReference(EdxmlModel):
    """Manifest entry of an attachment; `content_id` is stored without the `cid:` prefix."""

    content_id: Text
    content_type: str | None = None
    description: str | None = None
    attachment_name: Annotated[str, Field(max_length=500)] | None = None


class AttachmentInfo(EdxmlModel):
    """Metadata of an attachment as carried in `AttachmentEncoded/Attachment`.

    `content_type` is the wire type (application/zip when the SDK zipped the file); `zipped` tells
    whether the content was a single-entry ZIP that the codec unwrapped, `zip_entry_name` its entry.
    """

    content_id: Text
    attachment_name: Annotated[str, Field(max_length=500)] | None = None
    description: str | None = None
    content_type: str | None = None
    zipped: bool = False
    zip_entry_name: str | None = None


class Attachment(AttachmentInfo):
    """An attachment with its (unzipped) content in memory."""

    data: bytes

    @property
    def size(self) -> int:
        """Return the content length in bytes."""
        return len(self.data)

    @property
    def sha256(self) -> str:
        """Return the hex SHA-256 of the content."""
        return hashlib.sha256(self.data).hexdigest()


class EdocHeader(EdxmlModel):
    """Everything of an edoc except attachment content: header, trace, manifest."""

    message_header: MessageHeader
    trace_header_list: TraceHeaderList = Field(default_factory=TraceHeaderList)
    references: list[ManifestReference] = Field(default_factory=list, alias="Reference")


class EdocMessage(EdocHeader):
    """A complete edoc message with its attachments."""

    attachments: list[Attachment] = Field(default_factory=list, alias="Attachment")


class StatusMessage(EdxmlModel):
    """A status (feedback) message about a document."""

    from_: Organization = Field(alias="From")
    response_for: StatusResponseFor
    staff_info: StaffInfo | None = None
    status_code: StatusCode
    description: str | None = None
    timestamp: VnDateTime

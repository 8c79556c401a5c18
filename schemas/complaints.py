"""Complaints, denunciations and petitions: submissions from any channel and the facts of each case."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from schemas.envelope import ClaimCheck
from schemas.registry import message_type

CaseKind = Literal["khieu_nai", "to_cao", "phan_anh", "kien_nghi"]
CaseChannel = Literal["counter", "post", "email", "web"]
Complexity = Literal["normal", "complex", "very_complex"]
CaseStatus = Literal["received", "accepted", "rejected", "concluding", "issuing", "concluded"]
KIND_LABELS: dict[str, str] = {
    "khieu_nai": "Khiếu nại",
    "to_cao": "Tố cáo",
    "phan_anh": "Phản ánh",
    "kien_nghi": "Kiến nghị",
}


class Submitter(BaseModel):
    """Who filed the case (a citizen or an organisation; a denouncer's identity stays confidential)."""

    name: str = Field(min_length=1, max_length=200)
    id_number: str | None = Field(default=None, max_length=40)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=500)


@message_type("complaint.submit_requested", "lt.complaint.cmd.submit")
class SubmitCase(BaseModel):
    """File a complaint, denunciation or petition that arrived by post, e-mail or the web form."""

    kind: CaseKind | None = Field(default=None, description="Classified by the clerk when absent")
    channel: CaseChannel
    subject: str = Field(min_length=3, max_length=500)
    content: str = Field(min_length=3, max_length=20000)
    submitter: Submitter
    respondent: str | None = Field(default=None, max_length=300, description="Person or body complained of")
    received_on: date | None = None
    second: bool = Field(default=False, description="Second complaint (khiếu nại lần hai)")
    remote_area: bool = False
    attachments: list[ClaimCheck] = Field(default_factory=list)
    external_ref: str | None = Field(
        default=None, max_length=200, description="E-mail Message-ID, post number"
    )


class CaseFacts(BaseModel):
    """What every complaints event says about the case."""

    case_id: str
    number: str
    kind: CaseKind | None
    subject: str
    status: CaseStatus
    received_on: date
    acceptance_due: date | None = None
    resolution_due: date | None = None
    unit_id: str | None = None
    duplicate_of: str | None = None


@message_type("complaint.received", "lt.complaint.evt.received")
class CaseReceived(CaseFacts):
    """A case was logged (with a duplicate flag when it repeats an open case)."""


@message_type("complaint.accepted", "lt.complaint.evt.accepted")
class CaseAccepted(CaseFacts):
    """The acceptance decision (quyết định thụ lý) was made; accepted_on_time says if within the law."""

    accepted_on_time: bool


@message_type("complaint.rejected", "lt.complaint.evt.rejected")
class CaseRejected(CaseFacts):
    """The case was not accepted (không thụ lý), with the reason."""

    reason: str


@message_type("complaint.assigned", "lt.complaint.evt.assigned")
class CaseAssigned(CaseFacts):
    """The case was assigned to a unit for investigation."""

    officer_id: str | None = None


@message_type("complaint.extended", "lt.complaint.evt.extended")
class CaseExtended(CaseFacts):
    """The resolution deadline was extended as the law allows for the case's complexity."""

    days: int
    extensions: int
    reason: str


@message_type("complaint.concluded", "lt.complaint.evt.concluded")
class CaseConcluded(CaseFacts):
    """The conclusion was issued as a signed document."""

    on_time: bool
    conclusion: ClaimCheck
    document_number: str


@message_type(
    "complaint.submitter_notification_requested", "lt.complaint.evt.submitter_notification_requested"
)
class SubmitterNotificationRequested(BaseModel):
    """Tell the submitter (not a staff user) by SMS, e-mail or post."""

    number: str
    name: str
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    title: str
    body: str
    dedup_key: str
    attachment: ClaimCheck | None = None

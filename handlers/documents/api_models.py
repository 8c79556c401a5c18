"""Request and response models of the documents API, and how a document becomes its response."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from handlers.documents.dossiers import STATUS_LABELS as DOSSIER_STATUS_LABELS
from handlers.documents.dossiers import Listed, transfer_due
from handlers.documents.exports import DossierEntry
from handlers.documents.models import DocApproval, DocDelivery, DocDossier, DocHistory, Document, DocVersion
from handlers.documents.reading import DocumentDetail
from handlers.documents.rules import DEADLINE_LABELS
from handlers.documents.search import deadline_of, effective_deadline
from schemas.documents import ConfidentialityLabel, PriorityLabel
from schemas.envelope import ClaimCheck

# -- requests ----------------------------------------------------------------------------------------


class PaperMetadata(BaseModel):
    """Metadata typed by the clerk for a paper document that was scanned."""

    subject: str = Field(min_length=1, max_length=500)
    from_agency: str = Field(min_length=1, max_length=200)
    code: str | None = Field(default=None, max_length=60)
    issued_date: date | None = None
    document_type: str | None = None
    priority: PriorityLabel = "Thường"
    confidentiality: ConfidentialityLabel = "Thường"
    due_date: date | None = None
    allow_duplicate: bool = False


class RegisterBody(BaseModel):
    """Register a received document; confirm a duplicate warning explicitly."""

    allow_duplicate: bool = False


class RejectBody(BaseModel):
    """Refuse a received document."""

    reason: str = Field(min_length=1, max_length=500)


class AssignBody(BaseModel):
    """A leader's assignment (phiếu giải quyết văn bản đến)."""

    lead_unit_id: str = Field(min_length=1)
    coordinating_unit_ids: list[str] = Field(default_factory=list)
    deadline: date | None = None
    instruction: str = Field(default="", max_length=2000)


class HandlersBody(BaseModel):
    """A unit head's assignment of officers."""

    officer_ids: list[str] = Field(min_length=1)
    lead_officer_id: str | None = None
    deadline: date | None = None


class NoteBody(BaseModel):
    """A short note with a handling step."""

    note: str = Field(default="", max_length=2000)


class Recipient(BaseModel):
    """A recipient of an outgoing document: an agency on the axes, or a unit or person of the agency."""

    code: str | None = Field(
        default=None, max_length=35, description="Mã định danh of an agency (sent over the axes)"
    )
    name: str | None = Field(default=None, max_length=200, description="Agency name (from the directory)")
    unit_id: str | None = Field(default=None, description="A unit of the agency (delivered internally)")
    user_id: str | None = Field(default=None, description="A person of the agency (delivered internally)")


class DraftBody(BaseModel):
    """A new outgoing draft."""

    subject: str = Field(min_length=1, max_length=500)
    document_type: str = Field(min_length=1, description="Tên loại, e.g. Quyết định, Công văn")
    recipients: list[Recipient] = Field(min_length=1)
    drafting_unit_id: str | None = None
    response_for_id: str | None = Field(default=None, description="Incoming document this one answers")
    priority: PriorityLabel = "Thường"
    confidentiality: ConfidentialityLabel = "Thường"
    due_date: date | None = None


class SubmitBody(BaseModel):
    """The approval chain, in order; the last approver is the leader who signs."""

    approvers: list[str] = Field(min_length=1)


class DecisionBody(BaseModel):
    """An approver's comment; the leader's final approval (the signature) needs their one-time code."""

    comment: str = Field(default="", max_length=2000)
    otp: str | None = Field(
        default=None,
        max_length=12,
        description="One-time code of the signing leader (authenticator app); required to approve last",
    )


class AgencyOut(BaseModel):
    """An agency of the directory a draft may be sent to."""

    code: str
    name: str


class AttachedOut(BaseModel):
    """A file attached to a draft, by its index among the document's attachments."""

    document_id: str
    index: int
    name: str
    content_type: str | None


class DossierBody(BaseModel):
    """A new work dossier."""

    title: str = Field(min_length=1, max_length=500)
    notation: str = Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9.\-]+$")
    description: str = Field(default="", max_length=500)
    maintenance: str = Field(default="", max_length=30, description="Expected retention, e.g. 10 năm")


class DossierItemBody(BaseModel):
    """A document or a note to add to a dossier."""

    document_id: str | None = None
    note: str | None = Field(default=None, max_length=2000)


class ArchiveBody(BaseModel):
    """Retention period when handing the dossier to the archive."""

    retention: str = Field(min_length=1, max_length=30, description="e.g. 10 năm, Vĩnh viễn")


# -- responses ---------------------------------------------------------------------------------------


class AttachmentOut(BaseModel):
    """One file of an incoming document (download it by its index)."""

    name: str | None = None
    content_type: str | None = None
    claim: ClaimCheck


class DocumentOut(BaseModel):
    """A document as listed and shown."""

    id: str
    direction: Literal["in", "out"]
    status: str
    register_code: str
    year: int | None
    number: int | None
    code: str | None
    document_type: str | None
    subject: str
    from_agency: str | None
    from_code: str | None
    issued_date: date | None
    arrived_at: datetime | None
    priority: str
    confidentiality: str
    due_date: date | None
    deadline: date | None
    deadline_status: str
    deadline_label: str
    source: str
    edoc_document_id: str | None
    duplicate_of: str | None
    lead_unit_id: str | None
    coordinating_unit_ids: list[str]
    officer_ids: list[str]
    lead_officer_id: str | None
    instruction: str
    response_for_id: str | None
    answered_by_id: str | None
    recipients: list[Recipient]
    approvers: list[str]
    approval_step: int
    issued_at: datetime | None
    completed_at: datetime | None
    attachments: list[AttachmentOut]
    note: str
    created_by: str
    drafting_unit_id: str | None = None
    index_note: str = Field(
        default="", description="Why the files' text is not in the full-text search (empty when it is)"
    )


class HistoryOut(BaseModel):
    """One step in the life of a document."""

    at: datetime
    actor: str
    action: str
    status_code: str | None
    text: str
    detail: dict[str, Any] = Field(description="What the step recorded besides its text (varies by step)")


class VersionOut(BaseModel):
    """One revision of an outgoing document's file."""

    version: int
    kind: str
    name: str
    sha256: str | None
    created_by: str
    created_at: datetime


class ApprovalOut(BaseModel):
    """One approver's decision."""

    step: int
    approver_id: str
    decision: str
    comment: str
    version: int
    at: datetime


class RecipientStatusOut(BaseModel):
    """A business status a recipient reported (01-16)."""

    code: str
    text: str
    at: datetime


class DeliveryOut(BaseModel):
    """One recipient of an issued document: transport state and the statuses it reported, in order."""

    to_code: str
    to_name: str | None
    transport: str
    status_code: str | None
    status_text: str | None
    statuses: list[RecipientStatusOut]


class RefusalOut(BaseModel):
    """An electronic document the axis intake refused, as the clerk sees it."""

    at: datetime
    axis: str
    from_code: str | None
    from_name: str | None
    code: str | None
    subject: str | None
    reason: str = Field(description="Why it was refused, in Vietnamese, as the sender was told")
    rejection_sent: bool = Field(description="A status 02 (refused) went back to the sender")


class DetailOut(DocumentOut):
    """A document with its history, versions, approvals and deliveries."""

    history: list[HistoryOut]
    versions: list[VersionOut]
    approvals: list[ApprovalOut]
    deliveries: list[DeliveryOut]


class VersionCreatedOut(BaseModel):
    """The version number an upload became."""

    document_id: str
    version: int
    sha256: str


class DossierEntryOut(BaseModel):
    """A document or a note of a dossier."""

    at: datetime
    kind: str
    title: str
    document_id: str | None
    code: str | None


class DossierOut(BaseModel):
    """A work dossier with its entries in chronological order."""

    id: str
    file_code: str
    title: str
    description: str
    status: str
    status_label: str
    retention: str | None
    maintenance: str
    unit_id: str | None
    creator_id: str
    created_at: datetime
    closed_at: datetime | None
    archived_at: datetime | None
    transfer_due: date | None = Field(description="Closed, not yet archived: the last day to hand it over")
    items: list[DossierEntryOut]


class DossierListedOut(BaseModel):
    """A dossier in a list: who made it, how many documents and notes it holds, its span of dates."""

    id: str
    file_code: str
    title: str
    status: str
    status_label: str
    retention: str | None
    maintenance: str
    unit_id: str | None
    unit_name: str
    creator_id: str
    creator_name: str
    created_at: datetime
    transfer_due: date | None
    documents: int
    notes: int
    first_at: datetime | None
    last_at: datetime | None


class DossierCountOut(BaseModel):
    """How many dossiers one account made, by status."""

    creator_id: str
    creator_name: str
    open: int
    closed: int
    archived: int
    total: int


class DossierItemOut(BaseModel):
    """What was added to a dossier."""

    dossier_id: str
    document_id: str | None
    note: str | None


class DossierStateOut(BaseModel):
    """A dossier's state after closing or archiving."""

    id: str
    status: str
    retention: str | None


# -- from rows to responses --------------------------------------------------------------------------


def document_out(doc: Document, day: date | None = None) -> DocumentOut:
    """A document with its deadline status on `day` (today by default)."""
    status = deadline_of(doc, day)
    data = {name: getattr(doc, name) for name in DocumentOut.model_fields if hasattr(doc, name)}
    data.update(
        deadline=effective_deadline(doc), deadline_status=status, deadline_label=DEADLINE_LABELS[status]
    )
    return DocumentOut.model_validate(data)


def _history_out(h: DocHistory) -> HistoryOut:
    return HistoryOut(
        at=h.at, actor=h.actor, action=h.action, status_code=h.status_code, text=h.text, detail=h.detail
    )


def _version_out(v: DocVersion) -> VersionOut:
    return VersionOut(
        version=v.version,
        kind=v.kind,
        name=v.name,
        sha256=v.claim.get("sha256"),
        created_by=v.created_by,
        created_at=v.created_at,
    )


def _approval_out(a: DocApproval) -> ApprovalOut:
    return ApprovalOut(
        step=a.step,
        approver_id=a.approver_id,
        decision=a.decision,
        comment=a.comment,
        version=a.version,
        at=a.at,
    )


def _delivery_out(d: DocDelivery) -> DeliveryOut:
    return DeliveryOut(
        to_code=d.to_code,
        to_name=d.to_name,
        transport=d.transport,
        status_code=d.status_code,
        status_text=d.status_text,
        statuses=[RecipientStatusOut.model_validate(s) for s in d.statuses],
    )


def detail_out(detail: DocumentDetail) -> DetailOut:
    """A document with the rows of its life."""
    return DetailOut(
        **document_out(detail.doc).model_dump(),
        history=[_history_out(h) for h in detail.history],
        versions=[_version_out(v) for v in detail.versions],
        approvals=[_approval_out(a) for a in detail.approvals],
        deliveries=[_delivery_out(d) for d in detail.deliveries],
    )


def _entry_out(e: DossierEntry) -> DossierEntryOut:
    return DossierEntryOut(
        at=e.at,
        kind=e.kind,
        title=e.title,
        document_id=e.document.id if e.document else None,
        code=e.document.code if e.document else None,
    )


def dossier_out(d: DocDossier, items: list[DossierEntry]) -> DossierOut:
    """A dossier with its entries."""
    return DossierOut(
        id=d.id,
        file_code=d.file_code,
        title=d.title,
        description=d.description,
        status=d.status,
        status_label=DOSSIER_STATUS_LABELS.get(d.status, d.status),
        retention=d.retention,
        maintenance=d.maintenance,
        unit_id=d.unit_id,
        creator_id=d.creator_id,
        created_at=d.created_at,
        closed_at=d.closed_at,
        archived_at=d.archived_at,
        transfer_due=transfer_due(d),
        items=[_entry_out(e) for e in items],
    )


def dossier_listed_out(item: Listed) -> DossierListedOut:
    """A dossier as a list shows it."""
    d = item.dossier
    return DossierListedOut(
        id=d.id,
        file_code=d.file_code,
        title=d.title,
        status=d.status,
        status_label=DOSSIER_STATUS_LABELS.get(d.status, d.status),
        retention=d.retention,
        maintenance=d.maintenance,
        unit_id=d.unit_id,
        unit_name=item.unit_name,
        creator_id=d.creator_id,
        creator_name=item.creator_name,
        created_at=d.created_at,
        transfer_due=transfer_due(d),
        documents=item.documents,
        notes=item.notes,
        first_at=item.first,
        last_at=item.last,
    )


def dossier_state(d: DocDossier) -> DossierStateOut:
    """A dossier's state."""
    return DossierStateOut(id=d.id, status=d.status, retention=d.retention)

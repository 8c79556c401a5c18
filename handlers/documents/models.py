"""Tables of the documents module: documents, numbering counters, history, versions, approvals,
deliveries, signing requests, access grants, work dossiers, requests for opinions, comment threads and the
electronic documents refused at intake. Portable between SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.comments import CommentColumns
from hub.db import Base

INCOMING = "in"
OUTGOING = "out"


class DocCounter(Base):
    """Last number given in one register for one calendar year (locked and bumped in the caller's txn)."""

    __tablename__ = "doc_counters"

    register_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class DocRegister(Base):
    """A register (sổ đăng ký văn bản) numbering its documents from 1 each calendar year: the default
    incoming and outgoing ones, and any the office adds (for decisions, for confidential documents...)."""

    __tablename__ = "doc_registers"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    document_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    """The Decree 30 types numbered here (outgoing); none: not chosen by type."""
    confidential: Mapped[bool] = mapped_column(default=False)
    """For documents of a state-secret level (Mật, Tối mật, Tuyệt mật)."""
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DocNotation(Base):
    """An abbreviation printed in the ký hiệu: the agency's (key "agency") or a unit's (key: unit id)."""

    __tablename__ = "doc_notations"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    abbreviation: Mapped[str] = mapped_column(String(30))
    updated_by: Mapped[str] = mapped_column(String(60))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Document(Base):
    """An incoming (văn bản đến) or outgoing (văn bản đi) document with its metadata and state."""

    __tablename__ = "doc_documents"
    __table_args__ = (
        UniqueConstraint("register_code", "year", "number", name="uq_doc_documents_register_number"),
        Index("ix_doc_documents_direction_status", "direction", "status"),
        Index("ix_doc_documents_edoc", "edoc_document_id"),
        Index("ix_doc_documents_identity", "code", "from_agency", "issued_date"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(24))
    register_code: Mapped[str] = mapped_column(String(40))
    year: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[int | None] = mapped_column(Integer)
    code: Mapped[str | None] = mapped_column(String(60))
    document_type: Mapped[str | None] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(500))
    from_agency: Mapped[str | None] = mapped_column(String(200))
    from_code: Mapped[str | None] = mapped_column(String(40))
    issued_date: Mapped[date | None] = mapped_column(Date)
    arrived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    priority: Mapped[str] = mapped_column(String(20), default="Thường")
    confidentiality: Mapped[str] = mapped_column(String(20), default="Thường")
    due_date: Mapped[date | None] = mapped_column(Date)
    deadline: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20))
    axis: Mapped[str | None] = mapped_column(String(10))
    external_ref: Mapped[str | None] = mapped_column(String(200))
    edoc_document_id: Mapped[str | None] = mapped_column(String(300))
    signer_name: Mapped[str | None] = mapped_column(String(100))
    seal_box: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # a module's own layout, else settings
    edxml: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    duplicate_of: Mapped[str | None] = mapped_column(String(36))
    lead_unit_id: Mapped[str | None] = mapped_column(String(40))
    coordinating_unit_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    instruction: Mapped[str] = mapped_column(Text, default="")
    officer_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    lead_officer_id: Mapped[str | None] = mapped_column(String(40))
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    response_for_id: Mapped[str | None] = mapped_column(String(36))
    answered_by_id: Mapped[str | None] = mapped_column(String(36))
    drafting_unit_id: Mapped[str | None] = mapped_column(String(40))
    recipients: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    approvers: Mapped[list[str]] = mapped_column(JSON, default=list)
    approval_step: Mapped[int] = mapped_column(Integer, default=0)
    signed_by: Mapped[str | None] = mapped_column(String(40))
    issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(Text, default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    index_note: Mapped[str] = mapped_column(Text, default="")  # why the files' text is not searchable
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DocAccess(Base):
    """Who may see a document besides clerks and leaders: a unit or a user it was assigned to."""

    __tablename__ = "doc_access"

    document_id: Mapped[str] = mapped_column(ForeignKey("doc_documents.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    principal_id: Mapped[str] = mapped_column(String(40), primary_key=True)


class DocHistory(Base):
    """One step in the life of a document, in order."""

    __tablename__ = "doc_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("doc_documents.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40))
    status_code: Mapped[str | None] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class DocVersion(Base):
    """One revision of an outgoing document's file (draft, approval-signed, issued)."""

    __tablename__ = "doc_versions"

    document_id: Mapped[str] = mapped_column(ForeignKey("doc_documents.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(300))
    claim: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(Text, default="")


class DocApproval(Base):
    """One decision of an approver on an outgoing draft."""

    __tablename__ = "doc_approvals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("doc_documents.id"), index=True)
    step: Mapped[int] = mapped_column(Integer)
    approver_id: Mapped[str] = mapped_column(String(40))
    decision: Mapped[str] = mapped_column(String(12))
    comment: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DocDelivery(Base):
    """One recipient of an issued document: transport state on the axis and the business status back."""

    __tablename__ = "doc_deliveries"

    document_id: Mapped[str] = mapped_column(ForeignKey("doc_documents.id"), primary_key=True)
    to_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    to_name: Mapped[str | None] = mapped_column(String(200))
    axis_doc_id: Mapped[str | None] = mapped_column(String(100))
    transport: Mapped[str] = mapped_column(String(20), default="queued")
    status_code: Mapped[str | None] = mapped_column(String(2))
    status_text: Mapped[str | None] = mapped_column(String(300))
    statuses: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DocSignRequest(Base):
    """A signature asked of the signing service; its outcome is matched by correlation id."""

    __tablename__ = "doc_sign_requests"

    correlation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("doc_documents.id"), index=True)
    stage: Mapped[str] = mapped_column(String(12))
    signer: Mapped[str] = mapped_column(String(60))
    requested_by: Mapped[str] = mapped_column(String(60))
    state: Mapped[str] = mapped_column(String(12), default="pending")
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DocDossier(Base):
    """A work dossier (hồ sơ công việc) of one matter."""

    __tablename__ = "doc_dossiers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    file_code: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(12), default="open")
    maintenance: Mapped[str] = mapped_column(String(30), default="")
    rights: Mapped[str] = mapped_column(String(30), default="Hạn chế")
    language: Mapped[str] = mapped_column(String(50), default="Tiếng Việt")
    description: Mapped[str] = mapped_column(String(500), default="")
    unit_id: Mapped[str | None] = mapped_column(String(40))
    creator_id: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retention: Mapped[str | None] = mapped_column(String(30))


class DocDossierItem(Base):
    """A document or a note in a dossier."""

    __tablename__ = "doc_dossier_items"
    __table_args__ = (UniqueConstraint("dossier_id", "document_id", name="uq_doc_dossier_items_document"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dossier_id: Mapped[str] = mapped_column(ForeignKey("doc_dossiers.id"), index=True)
    document_id: Mapped[str | None] = mapped_column(ForeignKey("doc_documents.id"))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    added_by: Mapped[str] = mapped_column(String(60))


class DocRefusal(Base):
    """An electronic document the axis intake refused (invalid, hostile or badly signed edXML), as the
    clerk sees it: who sent it, what it was, why it was refused and whether the sender was told (02)."""

    __tablename__ = "doc_refusals"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the event's message id
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    axis: Mapped[str] = mapped_column(String(10))
    from_code: Mapped[str | None] = mapped_column(String(40))
    from_name: Mapped[str | None] = mapped_column(String(200))
    code: Mapped[str | None] = mapped_column(String(60))
    subject: Mapped[str | None] = mapped_column(String(500))
    edoc_document_id: Mapped[str | None] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text)
    rejection_sent: Mapped[bool] = mapped_column(default=False)


class DocOpinionRequest(Base):
    """A request for opinions (xin ý kiến / góp ý) on a document: who asked what of whom, by when."""

    __tablename__ = "doc_opinion_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("doc_documents.id"), index=True)
    asked_by: Mapped[str] = mapped_column(String(60))
    question: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    unit_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    """The units asked (their people at the time of asking are the addressees)."""
    extensions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """Each extension of the deadline: from, to, when, by whom."""
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DocOpinion(Base):
    """One addressee of an opinion request and their answer (none yet: the row waits)."""

    __tablename__ = "doc_opinions"
    __table_args__ = (UniqueConstraint("request_id", "user_id", name="uq_doc_opinions_request_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("doc_opinion_requests.id"), index=True)
    user_id: Mapped[str] = mapped_column(String(60), index=True)
    answer: Mapped[str | None] = mapped_column(String(20))
    """"agree", "disagree" or "other" (Đồng ý, Không đồng ý, Ý kiến khác)."""
    comment: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DocComment(CommentColumns, Base):
    """One comment in a document's thread (trao đổi): whoever may read the document may write."""

    __tablename__ = "doc_comments"
    __table_args__ = (Index("ix_doc_comments_document_created", "document_id", "created_at"),)

    document_id: Mapped[str] = mapped_column(ForeignKey("doc_documents.id"))

"""REST API of the documents module under /api/documents (roles: clerk, leader, unit_head, officer)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import and_, func, or_, select

from handlers.common.workcal import default_calendar
from handlers.documents import dossiers, incoming, outgoing
from handlers.documents.core import (
    Refusal,
    audit,
    is_confidential,
    load_visible,
    local_date,
    sees_everything,
    today,
    visible_clause,
)
from handlers.documents.exports import (
    INCOMING_COLUMNS,
    OUTGOING_COLUMNS,
    Register,
    dossier_pdf,
    dossier_xml,
    incoming_row,
    outgoing_row,
    register_pdf,
    register_xlsx,
)
from handlers.documents.incoming import Context, Incoming
from handlers.documents.models import (
    INCOMING,
    OUTGOING,
    DocApproval,
    DocDelivery,
    DocDossier,
    DocHistory,
    Document,
    DocVersion,
)
from handlers.documents.rules import DEADLINE_LABELS, deadline_status, fold
from handlers.documents.text import pdf_text
from hub.auth import CurrentPrincipal, Principal, require_roles
from hub.directory import CLERK, LEADER, OFFICER, UNIT_HEAD, User
from hub.runtime import Hub
from hub.runtime import Unit as Work
from schemas.documents import ConfidentialityLabel, PriorityLabel
from schemas.envelope import ClaimCheck

T = TypeVar("T")
MAX_UPLOAD = 50 * 1024 * 1024
STAFF = (CLERK, LEADER, UNIT_HEAD, OFFICER)


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
    """A recipient of an outgoing document: an agency code on the axis, or an internal unit."""

    code: str | None = Field(default=None, description="Mã định danh of an agency (sent via the axis)")
    name: str | None = None
    unit_id: str | None = None


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
    """An approver's comment."""

    comment: str = Field(default="", max_length=2000)


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
    recipients: list[dict[str, Any]]
    approvers: list[str]
    approval_step: int
    issued_at: datetime | None
    completed_at: datetime | None
    attachments: list[dict[str, Any]]
    note: str


class DetailOut(DocumentOut):
    """A document with its history, versions, approvals and deliveries."""

    history: list[dict[str, Any]]
    versions: list[dict[str, Any]]
    approvals: list[dict[str, Any]]
    deliveries: list[dict[str, Any]]


class SearchOut(BaseModel):
    """One page of search results."""

    total: int
    items: list[DocumentOut]


def document_out(doc: Document, day: date | None = None) -> DocumentOut:
    """Serialize a document with its deadline status for today."""
    completed = local_date(doc.completed_at) if doc.completed_at else None
    status = deadline_status(doc.deadline, completed, day or today(), default_calendar())
    data = {name: getattr(doc, name) for name in DocumentOut.model_fields if hasattr(doc, name)}
    data.update(deadline_status=status, deadline_label=DEADLINE_LABELS[status])
    return DocumentOut.model_validate(data)


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


async def _in_tx(request: Request, p: Principal, fn: Callable[[Work], Awaitable[T]]) -> T:
    """Run a change in one transaction; a refusal rolls everything back and becomes an HTTP error."""
    try:
        async with _hub(request).transaction(source="documents", user_id=p.id) as tx:
            return await fn(tx)
    except Refusal as exc:
        detail = f"{exc.message} (trường: {exc.field})" if exc.field else exc.message
        raise HTTPException(exc.status, detail) from None


async def _read_upload(file: UploadFile) -> bytes:
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise HTTPException(413, f"Tệp quá lớn (tối đa {MAX_UPLOAD // 1024 // 1024} MB)")
    if not data:
        raise HTTPException(422, "Tệp rỗng (trường: file)")
    return data


def _deadline_filter(name: str, day: date) -> Any:
    done = Document.completed_at.is_not(None)
    if name == "overdue":
        return and_(~done, Document.deadline < day)
    if name == "due_today":
        return and_(~done, Document.deadline == day)
    if name in ("on_time", "due_soon"):
        return and_(~done, Document.deadline > day)
    if name == "no_deadline":
        return Document.deadline.is_(None)
    if name in ("done_on_time", "done_late"):
        return and_(done, Document.deadline.is_not(None))
    raise HTTPException(422, f"deadline_status không hợp lệ: {name}")


def build_router(ctx_of: Callable[[], Context]) -> APIRouter:
    """Build the /documents router around the module's context."""
    router = APIRouter(prefix="/documents", tags=["documents"])

    # -- registers and dossiers come first: their paths would otherwise match /{document_id} ----------

    @router.get(
        "/registers/{kind}.{fmt}",
        dependencies=[require_roles(CLERK, LEADER)],
        responses={
            200: {
                "content": {
                    "application/pdf": {},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
                }
            }
        },
    )
    async def export_register(
        request: Request,
        kind: Literal["incoming", "outgoing"],
        fmt: Literal["xlsx", "pdf"],
        year: int | None = None,
    ) -> Response:
        """Export the incoming or outgoing register of a year (Decree 30 App. IV columns) as XLSX or PDF."""
        ctx = ctx_of()
        year = year or today().year
        direction = INCOMING if kind == "incoming" else OUTGOING
        code = ctx.settings.incoming_register if kind == "incoming" else ctx.settings.outgoing_register
        async with _hub(request).db.session() as s:
            docs = list(
                (
                    await s.execute(
                        select(Document)
                        .where(
                            Document.direction == direction,
                            Document.register_code == code,
                            Document.year == year,
                            Document.number.is_not(None),
                        )
                        .order_by(Document.number)
                    )
                ).scalars()
            )
            signers = {u.id: u.full_name for u in (await s.execute(select(User))).scalars()}
        if kind == "incoming":
            register = Register(
                f"SỔ ĐĂNG KÝ VĂN BẢN ĐẾN NĂM {year}", INCOMING_COLUMNS, [incoming_row(d) for d in docs]
            )
        else:
            register = Register(
                f"SỔ ĐĂNG KÝ VĂN BẢN ĐI NĂM {year}",
                OUTGOING_COLUMNS,
                [outgoing_row(d, signers.get(d.signed_by or "", "")) for d in docs],
            )
        if fmt == "xlsx":
            media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            return Response(
                register_xlsx(register), media_type=media, headers=_attachment(f"so-{kind}-{year}.xlsx")
            )
        return Response(
            register_pdf(register), media_type="application/pdf", headers=_attachment(f"so-{kind}-{year}.pdf")
        )

    @router.post("/dossiers", status_code=201, dependencies=[require_roles(*STAFF)])
    async def create_dossier(
        request: Request, principal: CurrentPrincipal, body: DossierBody
    ) -> dict[str, Any]:
        """Open a work dossier (hồ sơ công việc)."""
        ctx = ctx_of()

        async def run(tx: Work) -> dict[str, Any]:
            d = await dossiers.create(
                tx,
                principal,
                title=body.title,
                notation=body.notation,
                description=body.description,
                maintenance=body.maintenance,
                organ_id=ctx.agency.code,
            )
            return _dossier_out(d, [])

        return await _in_tx(request, principal, run)

    @router.get("/dossiers/{dossier_id}", dependencies=[require_roles(*STAFF)])
    async def get_dossier(request: Request, principal: CurrentPrincipal, dossier_id: str) -> dict[str, Any]:
        """A dossier with its documents and notes in chronological order."""
        async with _hub(request).db.session() as s:
            try:
                d = await dossiers.load(s, principal, dossier_id)
            except Refusal as exc:
                raise HTTPException(exc.status, exc.message) from None
            items = await dossiers.entries(s, d)
            return _dossier_out(d, items)

    @router.post("/dossiers/{dossier_id}/items", status_code=201, dependencies=[require_roles(*STAFF)])
    async def add_dossier_item(
        request: Request, principal: CurrentPrincipal, dossier_id: str, body: DossierItemBody
    ) -> dict[str, Any]:
        """Add a document or a note to an open dossier."""

        async def run(tx: Work) -> dict[str, Any]:
            d = await dossiers.load(tx.session, principal, dossier_id)
            item = await dossiers.add_item(tx, principal, d, document_id=body.document_id, note=body.note)
            return {"dossier_id": d.id, "document_id": item.document_id, "note": item.note}

        return await _in_tx(request, principal, run)

    @router.post("/dossiers/{dossier_id}/close", dependencies=[require_roles(*STAFF)])
    async def close_dossier(request: Request, principal: CurrentPrincipal, dossier_id: str) -> dict[str, Any]:
        """Close a dossier."""

        async def run(tx: Work) -> dict[str, Any]:
            d = await dossiers.close(tx, principal, await dossiers.load(tx.session, principal, dossier_id))
            return {"id": d.id, "status": d.status}

        return await _in_tx(request, principal, run)

    @router.post("/dossiers/{dossier_id}/archive", dependencies=[require_roles(CLERK)])
    async def archive_dossier(
        request: Request, principal: CurrentPrincipal, dossier_id: str, body: ArchiveBody
    ) -> dict[str, Any]:
        """Hand a closed dossier to the agency archive with its retention period."""

        async def run(tx: Work) -> dict[str, Any]:
            d = await dossiers.load(tx.session, principal, dossier_id)
            d = await dossiers.archive(tx, principal, d, body.retention)
            return {"id": d.id, "status": d.status, "retention": d.retention}

        return await _in_tx(request, principal, run)

    @router.get("/dossiers/{dossier_id}/export.{fmt}", dependencies=[require_roles(*STAFF)])
    async def export_dossier(
        request: Request, principal: CurrentPrincipal, dossier_id: str, fmt: Literal["pdf", "xml"]
    ) -> Response:
        """Export a dossier: PDF of its contents in order, or XML metadata (Decree 30 App. VI)."""
        ctx = ctx_of()
        async with _hub(request).db.session() as s:
            try:
                d = await dossiers.load(s, principal, dossier_id)
            except Refusal as exc:
                raise HTTPException(exc.status, exc.message) from None
            items = await dossiers.entries(s, d)
            head = dossiers.header(d, items, ctx.agency.code)
            audit(s, principal, "dossier.exported", f"dossier:{d.id}", None, None, format=fmt)
        if fmt == "pdf":
            return Response(
                dossier_pdf(head, items),
                media_type="application/pdf",
                headers=_attachment(f"{d.file_code}.pdf"),
            )
        return Response(
            dossier_xml(head, items), media_type="application/xml", headers=_attachment(f"{d.file_code}.xml")
        )

    # -- incoming --------------------------------------------------------------------------------------

    @router.post("/incoming/paper", status_code=201, dependencies=[require_roles(CLERK)])
    async def register_paper(
        request: Request,
        principal: CurrentPrincipal,
        metadata: Annotated[str, Form(description="PaperMetadata as JSON")],
        file: Annotated[UploadFile, File(description="The scanned document (PDF)")],
    ) -> DocumentOut:
        """Register a paper document: the clerk uploads the scan and its metadata; it gets the next số đến."""
        try:
            meta = PaperMetadata.model_validate_json(metadata)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
            raise HTTPException(422, f"Thông tin văn bản không hợp lệ: {problems}") from None
        data = await _read_upload(file)
        media = file.content_type or "application/octet-stream"
        claim = await _hub(request).claims.put(data, media_type=media)
        text = await asyncio.to_thread(pdf_text, data) if data.startswith(b"%PDF") else ""
        item = Incoming(
            subject=meta.subject,
            from_agency=meta.from_agency,
            source="paper",
            code=meta.code,
            issued_date=meta.issued_date,
            document_type=meta.document_type,
            priority=meta.priority,
            confidentiality=meta.confidentiality,
            due_date=meta.due_date,
            attachments=[
                {
                    "name": file.filename or "scan.pdf",
                    "content_type": media,
                    "claim": claim.model_dump(mode="json"),
                }
            ],
            full_text=text,
        )

        async def run(tx: Work) -> DocumentOut:
            doc = await incoming.receive(
                tx, ctx_of(), item, principal, register=True, allow_duplicate=meta.allow_duplicate
            )
            return document_out(doc)

        return await _in_tx(request, principal, run)

    @router.post("/{document_id}/register", dependencies=[require_roles(CLERK)])
    async def register(
        request: Request, principal: CurrentPrincipal, document_id: str, body: RegisterBody
    ) -> DocumentOut:
        """Enter a received document in the incoming register (status 03 to the sender)."""

        async def run(tx: Work) -> DocumentOut:
            doc = await load_visible(tx.session, principal, document_id, lock=True)
            if doc.duplicate_of and not body.allow_duplicate:
                raise Refusal(
                    409,
                    "Văn bản có cảnh báo trùng; xác nhận allow_duplicate=true để vào sổ",
                    "allow_duplicate",
                )
            return document_out(await incoming.register_document(tx, ctx_of(), doc, principal))

        return await _in_tx(request, principal, run)

    @router.post("/{document_id}/reject", dependencies=[require_roles(CLERK)])
    async def reject(
        request: Request, principal: CurrentPrincipal, document_id: str, body: RejectBody
    ) -> DocumentOut:
        """Refuse a received document with a reason (status 02 to the sender)."""

        async def run(tx: Work) -> DocumentOut:
            doc = await load_visible(tx.session, principal, document_id, lock=True)
            return document_out(await incoming.reject(tx, ctx_of(), doc, principal, body.reason))

        return await _in_tx(request, principal, run)

    @router.post("/{document_id}/assign", dependencies=[require_roles(LEADER)])
    async def assign(
        request: Request, principal: CurrentPrincipal, document_id: str, body: AssignBody
    ) -> DocumentOut:
        """Assign the lead unit, co-ordinating units and deadline (status 04 to the sender)."""

        async def run(tx: Work) -> DocumentOut:
            doc = await load_visible(tx.session, principal, document_id, lock=True)
            doc = await incoming.assign(
                tx,
                ctx_of(),
                doc,
                principal,
                lead_unit_id=body.lead_unit_id,
                coordinating_unit_ids=body.coordinating_unit_ids,
                deadline=body.deadline,
                instruction=body.instruction,
            )
            return document_out(doc)

        return await _in_tx(request, principal, run)

    @router.post("/{document_id}/handlers", dependencies=[require_roles(UNIT_HEAD)])
    async def assign_handlers(
        request: Request, principal: CurrentPrincipal, document_id: str, body: HandlersBody
    ) -> DocumentOut:
        """The unit head names the officers of the unit who handle the document."""

        async def run(tx: Work) -> DocumentOut:
            doc = await load_visible(tx.session, principal, document_id, lock=True)
            doc = await incoming.assign_handlers(
                tx,
                ctx_of(),
                doc,
                principal,
                officer_ids=body.officer_ids,
                lead_officer_id=body.lead_officer_id,
                deadline=body.deadline,
            )
            return document_out(doc)

        return await _in_tx(request, principal, run)

    @router.post("/{document_id}/processing", dependencies=[require_roles(OFFICER, UNIT_HEAD)])
    async def processing(
        request: Request, principal: CurrentPrincipal, document_id: str, body: NoteBody
    ) -> DocumentOut:
        """An assigned officer starts handling (status 05 to the sender)."""

        async def run(tx: Work) -> DocumentOut:
            doc = await load_visible(tx.session, principal, document_id, lock=True)
            return document_out(await incoming.start_processing(tx, ctx_of(), doc, principal, body.note))

        return await _in_tx(request, principal, run)

    @router.post("/{document_id}/complete", dependencies=[require_roles(OFFICER, UNIT_HEAD)])
    async def complete(
        request: Request, principal: CurrentPrincipal, document_id: str, body: NoteBody
    ) -> DocumentOut:
        """The lead officer completes the handling (status 06 to the sender)."""

        async def run(tx: Work) -> DocumentOut:
            doc = await load_visible(tx.session, principal, document_id, lock=True)
            return document_out(await incoming.complete(tx, ctx_of(), doc, principal, body.note))

        return await _in_tx(request, principal, run)

    # -- outgoing --------------------------------------------------------------------------------------

    @router.post("/outgoing", status_code=201, dependencies=[require_roles(*STAFF)])
    async def create_draft(request: Request, principal: CurrentPrincipal, body: DraftBody) -> DocumentOut:
        """Start an outgoing draft; a reply names the incoming document it answers (ResponseFor)."""
        for r in body.recipients:
            if not (r.code or r.unit_id):
                raise HTTPException(
                    422, "Mỗi nơi nhận cần mã định danh (code) hoặc đơn vị (unit_id) (trường: recipients)"
                )
        draft = outgoing.Draft(
            subject=body.subject,
            document_type=body.document_type,
            recipients=[r.model_dump(exclude_none=True) for r in body.recipients],
            drafting_unit_id=body.drafting_unit_id,
            response_for_id=body.response_for_id,
            priority=body.priority,
            confidentiality=body.confidentiality,
            due_date=body.due_date,
        )

        async def run(tx: Work) -> DocumentOut:
            if body.response_for_id:
                await load_visible(tx.session, principal, body.response_for_id)
            return document_out(await outgoing.create_draft(tx, ctx_of(), draft, principal))

        return await _in_tx(request, principal, run)

    @router.post("/{document_id}/versions", status_code=201, dependencies=[require_roles(*STAFF)])
    async def upload_version(
        request: Request,
        principal: CurrentPrincipal,
        document_id: str,
        file: Annotated[UploadFile, File(description="The draft as PDF")],
        note: Annotated[str, Form()] = "",
    ) -> dict[str, Any]:
        """Upload a new version of a draft's file."""
        data = await _read_upload(file)
        if not data.startswith(b"%PDF"):
            raise HTTPException(422, "Dự thảo phải là tệp PDF (trường: file)")
        claim = await _hub(request).claims.put(data, media_type="application/pdf")

        async def run(tx: Work) -> dict[str, Any]:
            doc = await load_visible(tx.session, principal, document_id, lock=True)
            v = await outgoing.add_version(
                tx, doc, principal, claim, file.filename or "du-thao.pdf", "draft", note
            )
            return {"document_id": doc.id, "version": v.version, "sha256": claim.sha256}

        return await _in_tx(request, principal, run)

    @router.post("/{document_id}/submit", dependencies=[require_roles(*STAFF)])
    async def submit(
        request: Request, principal: CurrentPrincipal, document_id: str, body: SubmitBody
    ) -> DocumentOut:
        """Submit a draft along the approval chain."""

        async def run(tx: Work) -> DocumentOut:
            doc = await load_visible(tx.session, principal, document_id, lock=True)
            return document_out(await outgoing.submit(tx, doc, principal, body.approvers))

        return await _in_tx(request, principal, run)

    @router.post("/{document_id}/approve", dependencies=[require_roles(UNIT_HEAD, LEADER)])
    async def approve(
        request: Request, principal: CurrentPrincipal, document_id: str, body: DecisionBody
    ) -> DocumentOut:
        """Approve as the current approver; the last approver (a leader) signs digitally."""

        async def run(tx: Work) -> DocumentOut:
            doc = await load_visible(tx.session, principal, document_id, lock=True)
            return document_out(
                await outgoing.decide(tx, ctx_of(), doc, principal, approve=True, comment=body.comment)
            )

        return await _in_tx(request, principal, run)

    @router.post("/{document_id}/return", dependencies=[require_roles(UNIT_HEAD, LEADER)])
    async def return_draft(
        request: Request, principal: CurrentPrincipal, document_id: str, body: DecisionBody
    ) -> DocumentOut:
        """Return the draft to its drafter with a comment."""

        async def run(tx: Work) -> DocumentOut:
            doc = await load_visible(tx.session, principal, document_id, lock=True)
            return document_out(
                await outgoing.decide(tx, ctx_of(), doc, principal, approve=False, comment=body.comment)
            )

        return await _in_tx(request, principal, run)

    @router.post("/{document_id}/issue", dependencies=[require_roles(CLERK)])
    async def issue(request: Request, principal: CurrentPrincipal, document_id: str) -> DocumentOut:
        """Issue an approved document: number, the organisation's signature, sending through the axis."""

        async def run(tx: Work) -> DocumentOut:
            doc = await load_visible(tx.session, principal, document_id, lock=True)
            return document_out(await outgoing.issue(tx, ctx_of(), doc, principal))

        return await _in_tx(request, principal, run)

    # -- reading ---------------------------------------------------------------------------------------

    @router.get("", dependencies=[require_roles(*STAFF)])
    async def search(
        request: Request,
        principal: CurrentPrincipal,
        q: Annotated[
            str | None,
            Query(description="Words searched in metadata and full text, with or without diacritics"),
        ] = None,
        direction: Literal["in", "out"] | None = None,
        status: str | None = None,
        deadline_status: str | None = None,
        year: int | None = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> SearchOut:
        """Search the documents the caller may see; each carries its deadline status."""
        conditions: list[Any] = []
        if not sees_everything(principal):
            conditions.append(visible_clause(principal))
        for word in fold(q).split():
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"%{escaped}%"
            conditions.append(
                or_(
                    Document.search_text.like(pattern, escape="\\"),
                    Document.body_text.like(pattern, escape="\\"),
                )
            )
        if direction:
            conditions.append(Document.direction == direction)
        if status:
            conditions.append(Document.status == status)
        if year:
            conditions.append(Document.year == year)
        day = today()
        if deadline_status:
            conditions.append(_deadline_filter(deadline_status, day))
        async with _hub(request).db.session() as s:
            total = await s.scalar(select(func.count()).select_from(Document).where(*conditions)) or 0
            rows = (
                await s.execute(
                    select(Document)
                    .where(*conditions)
                    .order_by(Document.created_at.desc())
                    .limit(limit)
                    .offset(offset)
                )
            ).scalars()
            items = [document_out(d, day) for d in rows]
        if deadline_status in ("on_time", "due_soon", "done_on_time", "done_late"):
            items = [i for i in items if i.deadline_status == deadline_status]
        return SearchOut(total=total, items=items)

    @router.get("/{document_id}", dependencies=[require_roles(*STAFF)])
    async def detail(request: Request, principal: CurrentPrincipal, document_id: str) -> DetailOut:
        """A document with history, versions, approvals and deliveries; confidential reads are audited."""
        async with _hub(request).db.session() as s:
            refused: Refusal | None = None
            try:
                await load_visible(s, principal, document_id)
            except Refusal as exc:
                refused = exc
        if refused is not None:
            async with _hub(request).db.session() as s:
                audit(s, principal, "document.read_refused", f"document:{document_id}")
            raise HTTPException(refused.status, refused.message)
        async with _hub(request).db.session() as s:
            doc = await load_visible(s, principal, document_id)
            if is_confidential(doc):
                audit(
                    s,
                    principal,
                    "document.read",
                    f"document:{doc.id}",
                    None,
                    None,
                    confidentiality=doc.confidentiality,
                )
            history = (
                await s.execute(
                    select(DocHistory).where(DocHistory.document_id == doc.id).order_by(DocHistory.id)
                )
            ).scalars()
            versions = (
                await s.execute(
                    select(DocVersion).where(DocVersion.document_id == doc.id).order_by(DocVersion.version)
                )
            ).scalars()
            approvals = (
                await s.execute(
                    select(DocApproval).where(DocApproval.document_id == doc.id).order_by(DocApproval.id)
                )
            ).scalars()
            deliveries = (
                await s.execute(
                    select(DocDelivery).where(DocDelivery.document_id == doc.id).order_by(DocDelivery.to_code)
                )
            ).scalars()
            base = document_out(doc).model_dump()
            return DetailOut(
                **base,
                history=[
                    {
                        "at": h.at,
                        "actor": h.actor,
                        "action": h.action,
                        "status_code": h.status_code,
                        "text": h.text,
                        "detail": h.detail,
                    }
                    for h in history
                ],
                versions=[
                    {
                        "version": v.version,
                        "kind": v.kind,
                        "name": v.name,
                        "sha256": v.claim.get("sha256"),
                        "created_by": v.created_by,
                        "created_at": v.created_at,
                    }
                    for v in versions
                ],
                approvals=[
                    {
                        "step": a.step,
                        "approver_id": a.approver_id,
                        "decision": a.decision,
                        "comment": a.comment,
                        "version": a.version,
                        "at": a.at,
                    }
                    for a in approvals
                ],
                deliveries=[
                    {
                        "to_code": d.to_code,
                        "to_name": d.to_name,
                        "transport": d.transport,
                        "status_code": d.status_code,
                        "status_text": d.status_text,
                        "statuses": d.statuses,
                    }
                    for d in deliveries
                ],
            )

    @router.get("/{document_id}/files/{index}", dependencies=[require_roles(*STAFF)])
    async def download(
        request: Request, principal: CurrentPrincipal, document_id: str, index: int
    ) -> Response:
        """Download an attachment of an incoming document (index from 0) or, for outgoing, version `index`."""
        async with _hub(request).db.session() as s:
            try:
                doc = await load_visible(s, principal, document_id)
            except Refusal as exc:
                raise HTTPException(exc.status, exc.message) from None
            if doc.direction == INCOMING:
                if not 0 <= index < len(doc.attachments):
                    raise HTTPException(404, "Không có tệp này")
                meta = doc.attachments[index]
                claim, name = ClaimCheck.model_validate(meta["claim"]), str(meta.get("name") or "tep")
            else:
                version = await s.get(DocVersion, (doc.id, index))
                if version is None:
                    raise HTTPException(404, "Không có phiên bản này")
                claim, name = ClaimCheck.model_validate(version.claim), version.name
            if is_confidential(doc):
                audit(s, principal, "document.file_read", f"document:{doc.id}", None, None, file=name)
        data = await _hub(request).claims.get(claim)
        return Response(data, media_type=claim.media_type, headers=_attachment(name))

    return router


def _attachment(name: str) -> dict[str, str]:
    from urllib.parse import quote

    return {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}


def _dossier_out(d: DocDossier, items: list[Any]) -> dict[str, Any]:
    return {
        "id": d.id,
        "file_code": d.file_code,
        "title": d.title,
        "status": d.status,
        "retention": d.retention,
        "maintenance": d.maintenance,
        "unit_id": d.unit_id,
        "creator_id": d.creator_id,
        "items": [
            {
                "at": e.at.isoformat(),
                "kind": e.kind,
                "title": e.title,
                "document_id": e.document.id if e.document else None,
                "code": e.document.code if e.document else None,
            }
            for e in items
        ],
    }

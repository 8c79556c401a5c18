"""Documents API: incoming documents, from the clerk's paper registration to the lead officer's completion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from pydantic import ValidationError

from handlers.documents import refusals, service
from handlers.documents.api_common import SOURCE, ContextDep, read_upload
from handlers.documents.api_models import (
    AssignBody,
    DocumentOut,
    HandlersBody,
    NoteBody,
    PaperMetadata,
    RefusalOut,
    RegisterBody,
    RejectBody,
    document_out,
)
from handlers.documents.incoming import Incoming
from hub.auth import CurrentPrincipal, require_roles
from hub.errors import Invalid
from hub.orgchart import CLERK, LEADER, OFFICER, UNIT_HEAD
from hub.web import HubDep, Page, Paging, transaction

router = APIRouter()


def _paper_metadata(metadata: str) -> PaperMetadata:
    """The clerk's metadata form field (JSON), with every problem named."""
    try:
        return PaperMetadata.model_validate_json(metadata)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise Invalid(f"Thông tin văn bản không hợp lệ: {problems}", field="metadata") from None


@router.get("/incoming/refused", dependencies=[require_roles(CLERK, LEADER)])
async def refused(
    hub: HubDep,
    principal: CurrentPrincipal,
    paging: Paging,
    days: Annotated[int, Query(ge=1, le=366, description="How far back, in days")] = 30,
) -> Page[RefusalOut]:
    """Electronic documents the axes' intake refused (a 02 went back to the sender), newest first."""
    since = datetime.now(UTC) - timedelta(days=days)
    async with hub.db.session() as s:
        rows, total = await refusals.listing(s, principal, since, paging.limit, paging.offset)
    return Page.of([RefusalOut.model_validate(r, from_attributes=True) for r in rows], total, paging)


@router.post("/incoming/paper", status_code=201, dependencies=[require_roles(CLERK)])
async def register_paper(
    request: Request,
    hub: HubDep,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    metadata: Annotated[str, Form(description="PaperMetadata as JSON")],
    file: Annotated[UploadFile, File(description="The scanned document (PDF)")],
) -> DocumentOut:
    """Register a paper document: the clerk uploads the scan and its metadata; it gets the next số đến."""
    meta = _paper_metadata(metadata)
    media = file.content_type or "application/octet-stream"
    name = file.filename or "scan.pdf"
    claim, found = await service.store_scan(hub, ctx, await read_upload(file, ctx), media, name)
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
                "name": name,
                "content_type": media,
                "claim": claim.model_dump(mode="json"),
            }
        ],
        full_text=found.text,
        index_note=found.note,
    )
    async with transaction(request, SOURCE, principal.id) as work:
        doc = await service.register_paper(work, ctx, principal, item, allow_duplicate=meta.allow_duplicate)
        return document_out(doc)


@router.post("/{document_id}/register", dependencies=[require_roles(CLERK)])
async def register(
    request: Request, principal: CurrentPrincipal, ctx: ContextDep, document_id: str, body: RegisterBody
) -> DocumentOut:
    """Enter a received document in the incoming register (status 03 to the sender)."""
    async with transaction(request, SOURCE, principal.id) as work:
        doc = await service.register(work, ctx, principal, document_id, allow_duplicate=body.allow_duplicate)
        return document_out(doc)


@router.post("/{document_id}/reject", dependencies=[require_roles(CLERK)])
async def reject(
    request: Request, principal: CurrentPrincipal, ctx: ContextDep, document_id: str, body: RejectBody
) -> DocumentOut:
    """Refuse a received document with a reason (status 02 to the sender)."""
    async with transaction(request, SOURCE, principal.id) as work:
        return document_out(await service.reject(work, ctx, principal, document_id, body.reason))


@router.post("/{document_id}/assign", dependencies=[require_roles(LEADER)])
async def assign(
    request: Request, principal: CurrentPrincipal, ctx: ContextDep, document_id: str, body: AssignBody
) -> DocumentOut:
    """Assign the lead unit, co-ordinating units and deadline (status 04 to the sender)."""
    async with transaction(request, SOURCE, principal.id) as work:
        doc = await service.assign(
            work,
            ctx,
            principal,
            document_id,
            lead_unit_id=body.lead_unit_id,
            coordinating_unit_ids=body.coordinating_unit_ids,
            deadline=body.deadline,
            instruction=body.instruction,
        )
        return document_out(doc)


@router.post("/{document_id}/handlers", dependencies=[require_roles(UNIT_HEAD)])
async def assign_handlers(
    request: Request, principal: CurrentPrincipal, ctx: ContextDep, document_id: str, body: HandlersBody
) -> DocumentOut:
    """The unit head names the officers of the unit who handle the document."""
    async with transaction(request, SOURCE, principal.id) as work:
        doc = await service.assign_handlers(
            work,
            ctx,
            principal,
            document_id,
            officer_ids=body.officer_ids,
            lead_officer_id=body.lead_officer_id,
            deadline=body.deadline,
        )
        return document_out(doc)


@router.post("/{document_id}/processing", dependencies=[require_roles(OFFICER, UNIT_HEAD)])
async def processing(
    request: Request, principal: CurrentPrincipal, ctx: ContextDep, document_id: str, body: NoteBody
) -> DocumentOut:
    """An assigned officer starts handling (status 05 to the sender)."""
    async with transaction(request, SOURCE, principal.id) as work:
        return document_out(await service.start_processing(work, ctx, principal, document_id, body.note))


@router.post("/{document_id}/complete", dependencies=[require_roles(OFFICER, UNIT_HEAD)])
async def complete(
    request: Request, principal: CurrentPrincipal, ctx: ContextDep, document_id: str, body: NoteBody
) -> DocumentOut:
    """The lead officer completes the handling (status 06 to the sender)."""
    async with transaction(request, SOURCE, principal.id) as work:
        return document_out(await service.complete(work, ctx, principal, document_id, body.note))

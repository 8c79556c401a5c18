"""Documents API: outgoing documents, from the draft (recipients from the agency directory and the
organisation chart, attached files) through the approval chain to issuing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile

from handlers.documents import service
from handlers.documents.api_common import SOURCE, STAFF, ContextDep, read_upload
from handlers.documents.api_models import (
    AgencyOut,
    AttachedOut,
    DecisionBody,
    DocumentOut,
    DraftBody,
    RejectBody,
    SubmitBody,
    VersionCreatedOut,
    document_out,
)
from handlers.documents.directory import find_agencies
from handlers.documents.outgoing import Draft
from hub import otp
from hub.auth import CurrentPrincipal, require_roles
from hub.orgchart import CLERK, LEADER, UNIT_HEAD
from hub.web import HubDep, Page, Paging, transaction

router = APIRouter()


@router.get("/agencies", dependencies=[require_roles(*STAFF)])
async def agencies(
    hub: HubDep,
    ctx: ContextDep,
    paging: Paging,
    q: Annotated[
        str | None, Query(description="Words of the code or name, with or without diacritics")
    ] = None,
) -> Page[AgencyOut]:
    """The agencies a draft may be sent to over the axes (the directory and every agency that wrote to us)."""
    async with hub.db.session() as s:
        found = await find_agencies(s, ctx, q)
    return Page.whole([AgencyOut(code=a.code, name=a.name) for a in found], paging)


@router.post("/outgoing", status_code=201, dependencies=[require_roles(*STAFF)])
async def create_draft(
    request: Request, principal: CurrentPrincipal, ctx: ContextDep, body: DraftBody
) -> DocumentOut:
    """Start an outgoing draft; a reply names the incoming document it answers (ResponseFor)."""
    draft = Draft(
        subject=body.subject,
        document_type=body.document_type,
        recipients=[r.model_dump(exclude_none=True) for r in body.recipients],
        drafting_unit_id=body.drafting_unit_id,
        response_for_id=body.response_for_id,
        priority=body.priority,
        confidentiality=body.confidentiality,
        due_date=body.due_date,
    )
    async with transaction(request, SOURCE, principal.id) as work:
        return document_out(await service.create_draft(work, ctx, principal, draft))


@router.post("/{document_id}/versions", status_code=201, dependencies=[require_roles(*STAFF)])
async def upload_version(
    request: Request,
    hub: HubDep,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    document_id: str,
    file: Annotated[UploadFile, File(description="The draft as PDF")],
    note: Annotated[str, Form()] = "",
) -> VersionCreatedOut:
    """Upload a new version of a draft's file."""
    claim = await service.store_draft_file(hub, await read_upload(file, ctx))
    async with transaction(request, SOURCE, principal.id) as work:
        name = file.filename or "du-thao.pdf"
        v = await service.add_version(work, principal, document_id, claim, name, note)
        return VersionCreatedOut(document_id=v.document_id, version=v.version, sha256=claim.sha256)


@router.post("/{document_id}/attachments", status_code=201, dependencies=[require_roles(*STAFF)])
async def attach(
    request: Request,
    hub: HubDep,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    document_id: str,
    file: Annotated[UploadFile, File(description="An appendix: PDF, Word, Excel or ZIP")],
) -> AttachedOut:
    """Attach a file to a draft (its drafter, a unit head or a leader, while it is a draft)."""
    name = file.filename or "tep-dinh-kem"
    claim = await service.store_attachment_file(hub, await read_upload(file, ctx, kinds=None), name)
    async with transaction(request, SOURCE, principal.id) as work:
        doc, index = await service.attach(work, principal, document_id, claim, name)
        return AttachedOut(document_id=doc.id, index=index, name=name, content_type=claim.media_type)


@router.delete("/{document_id}/attachments/{index}", dependencies=[require_roles(*STAFF)])
async def detach(request: Request, principal: CurrentPrincipal, document_id: str, index: int) -> DocumentOut:
    """Take a file off a draft."""
    async with transaction(request, SOURCE, principal.id) as work:
        return document_out(await service.detach(work, principal, document_id, index))


@router.post("/{document_id}/submit", dependencies=[require_roles(*STAFF)])
async def submit(
    request: Request, principal: CurrentPrincipal, document_id: str, body: SubmitBody
) -> DocumentOut:
    """Submit a draft along the approval chain."""
    async with transaction(request, SOURCE, principal.id) as work:
        return document_out(await service.submit(work, principal, document_id, body.approvers))


@router.post("/{document_id}/approve", dependencies=[require_roles(UNIT_HEAD, LEADER)])
async def approve(
    request: Request,
    hub: HubDep,
    principal: CurrentPrincipal,
    ctx: ContextDep,
    document_id: str,
    body: DecisionBody,
) -> DocumentOut:
    """Approve as the current approver; the last approver (a leader) signs, confirmed by a one-time code."""
    counted = otp.counted(hub.db, principal.id, body.otp)
    async with counted, transaction(request, SOURCE, principal.id) as work:
        doc = await service.decide(
            work, ctx, principal, document_id, approve=True, comment=body.comment, code=body.otp
        )
        return document_out(doc)


@router.post("/{document_id}/return", dependencies=[require_roles(UNIT_HEAD, LEADER)])
async def return_draft(
    request: Request, principal: CurrentPrincipal, ctx: ContextDep, document_id: str, body: DecisionBody
) -> DocumentOut:
    """Return the draft to its drafter with a comment."""
    async with transaction(request, SOURCE, principal.id) as work:
        doc = await service.decide(work, ctx, principal, document_id, approve=False, comment=body.comment)
        return document_out(doc)


@router.post("/{document_id}/issue", dependencies=[require_roles(CLERK)])
async def issue(
    request: Request, principal: CurrentPrincipal, ctx: ContextDep, document_id: str
) -> DocumentOut:
    """Issue an approved document: number, the organisation's signature, sending through the axis."""
    async with transaction(request, SOURCE, principal.id) as work:
        return document_out(await service.issue(work, ctx, principal, document_id))


@router.post("/{document_id}/withdraw", dependencies=[require_roles(LEADER)])
async def withdraw(
    request: Request, principal: CurrentPrincipal, ctx: ContextDep, document_id: str, body: RejectBody
) -> DocumentOut:
    """Revoke an issued document (Decree 30 App. VI I.III.8.a): it is frozen, and every recipient over
    an axis is asked to give it back (status 13)."""
    async with transaction(request, SOURCE, principal.id) as work:
        return document_out(await service.withdraw(work, ctx, principal, document_id, body.reason))

"""The documents service: every step the bus and the API ask of the module, in one place.

A step runs inside the caller's transaction (`hub.web.transaction` or a transactional consumer):
the row changes, the history and audit entries, the events and the statuses back to the sender are
committed together or not at all. A refused step raises a `hub.errors` domain error (Vietnamese
message) and writes nothing. The steps themselves live in files named by what they hold:
`incoming.py` (receive, register, reject), `handling.py` (assign, officers, processing, completion),
`changes.py` (revoke, update, replace from the sender), `outgoing.py` (drafts and approvals),
`versions.py`, `signatures.py`, `issuing.py` and `deliveries.py`. Reads are in `reading.py` and
`search.py`, work dossiers in `dossiers.py`.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable
from datetime import date
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import select

from handlers.documents import (
    attachments,
    changes,
    deliveries,
    handling,
    incoming,
    issuing,
    outgoing,
    signatures,
    text,
)
from handlers.documents.access import load_visible, user_of
from handlers.documents.context import SYSTEM, Context
from handlers.documents.incoming import Incoming
from handlers.documents.models import OUTGOING, Document, DocVersion
from handlers.documents.rules import fold
from handlers.documents.secrecy import edxml_level, higher, is_secret, stamp_level
from handlers.documents.store import put_claim, read_claim
from handlers.documents.text import Indexed
from handlers.documents.trail import history
from handlers.documents.versions import add_version as keep_version
from hub.auth import Principal
from hub.errors import Conflict, Invalid
from schemas.edxml import BussinessDocType
from schemas.envelope import ClaimCheck

if TYPE_CHECKING:
    from hub.runtime import Hub, Work
    from schemas.axis import AxisDeliveryChanged, AxisSent, DocumentStatusChanged
    from schemas.documents import PrepareIssue
    from schemas.signing import PdfTokenSigned

log = structlog.get_logger(__name__)
PDF = "application/pdf"

# -- from the bus ------------------------------------------------------------------------------------


async def receive_from_axis(
    work: Work,
    ctx: Context,
    item: Incoming,
    kind: BussinessDocType,
    edxml: ClaimCheck,
    response_for: str | None,
) -> None:
    """A document from an axis: a new one is registered; revoke, update and replace requests applied."""
    if kind is BussinessDocType.NEW:
        if response_for:
            item.response_for_id = await work.session.scalar(
                select(Document.id).where(
                    Document.direction == OUTGOING, Document.edoc_document_id == response_for
                )
            )
        await _receive_marked(work, ctx, item, edxml)
        return
    business = await changes.business_of(work, edxml)
    target = (business.document_id if business else None) or response_for
    about = target or item.edoc_document_id or ""
    if kind is BussinessDocType.REVOKE:
        reason = (business.bussiness_doc_reason if business else None) or "Thu hồi văn bản điện tử"
        await changes.revoke(work, ctx, item, about, reason)
    elif kind is BussinessDocType.UPDATE:
        await changes.update(work, ctx, item, about)
    else:
        replaced = [r.document_id for r in business.replacement_info_list] if business else []
        doc = await _receive_marked(work, ctx, item, edxml)
        await changes.replaced(work, ctx, doc, item, replaced or ([target] if target else []))


async def _receive_marked(work: Work, ctx: Context, item: Incoming, edxml: ClaimCheck) -> Document:
    """Receive an axis document; one marked secret is kept confidential and waits for the clerk.

    Such a document should never have travelled over the axis (`secrecy.py`): it is not registered
    nor announced automatically, only leaders and the clerk (who registers or refuses it) see it.
    """
    level = higher(stamp_level(item.subject), edxml_level(await read_claim(work.hub, edxml)))
    item.confidentiality = higher(item.confidentiality, level)
    secret = is_secret(item.confidentiality)
    doc = await incoming.receive(work, ctx, item, SYSTEM, register=ctx.settings.auto_register and not secret)
    if secret:
        log.warning("documents.secret_over_axis", document_id=doc.id, confidentiality=doc.confidentiality)
        history(
            work.session,
            doc,
            SYSTEM,
            "secret_received",
            f"Văn bản mang dấu “{doc.confidentiality}” nhận qua trục liên thông: không phân phối tự động, "
            "chờ văn thư kiểm tra, vào sổ hoặc từ chối",
        )
    return doc


async def register_command(work: Work, ctx: Context, item: Incoming) -> Document | None:
    """Register a document handed over by another module, once per (source, external_ref)."""
    if item.external_ref:
        existing = await work.session.scalar(
            select(Document.id).where(
                Document.source == item.source, Document.external_ref == item.external_ref
            )
        )
        if existing is not None:
            log.info(
                "documents.register_duplicate_command", external_ref=item.external_ref, document_id=existing
            )
            return None
    return await incoming.receive(work, ctx, item, SYSTEM, register=True)


async def prepare_issue(work: Work, ctx: Context, p: PrepareIssue) -> Document:
    """A leader-signed document from another module waits for the clerk's number, seal and issue."""
    return await outgoing.from_module(work, ctx, p)


async def index_files(hub: Hub, ctx: Context, document_id: str) -> None:
    """Extract the text of a registered document's PDF files for full-text search (outside any lock).

    Done once: a document already indexed, or marked not indexed with the reason, is not tried again.
    """
    async with hub.db.session() as s:
        doc = await s.get(Document, document_id)
        if doc is None or doc.body_text or doc.index_note:
            return
        files = [
            (str(a.get("name") or "tệp"), ClaimCheck.model_validate(a["claim"]))
            for a in doc.attachments
            if a.get("content_type") == PDF
        ]
    if not files:
        return

    async def loaded() -> AsyncIterator[tuple[str, bytes]]:
        for name, claim in files:
            yield name, await read_claim(hub, claim)

    found = await _index(ctx, loaded())
    body = fold(found.text)
    if not body and not found.note:
        return
    async with hub.db.session() as s:
        doc = await s.get(Document, document_id)
        if doc is not None and doc.status != "revoked":
            doc.body_text, doc.index_note = body, found.note


async def status_reported(work: Work, ctx: Context, p: DocumentStatusChanged) -> None:
    """A recipient's status about what we issued; a take-back request (13) from a sender."""
    ours = await deliveries.on_business_status(
        work, p.document_id, p.from_code, p.status_code, p.status_text, p.reported_at
    )
    if not ours and p.status_code == "13":
        await changes.take_back(work, ctx, p.document_id, p.from_code, p.description or "Yêu cầu lấy lại")


async def axis_sent(work: Work, p: AxisSent) -> None:
    """The axis took one of our issued documents."""
    if p.message_type == "edoc" and p.document_id:
        await deliveries.on_axis_sent(work, p.document_id, p.sender_doc_id, p.to_codes)


async def delivery_changed(work: Work, p: AxisDeliveryChanged) -> None:
    """The transport state of one recipient of an issued document."""
    if p.document_id:
        await deliveries.on_transport(work, p.document_id, p.to_code, p.receive_status, p.receive_status_desc)


async def signature_signed(
    work: Work, ctx: Context, correlation_id: str, signed: ClaimCheck, signer_subject: str
) -> None:
    """The signing service signed one of our PDFs: keep it; a seal signature finishes the issue."""
    found = await signatures.pending(work, correlation_id)
    if found is None:
        return
    request, doc = found
    version = await signatures.keep_signed(work, request, doc, signed, signer_subject)
    if request.stage == "issue":
        actor = signatures.requester(request, signer_subject)
        await issuing.finish_issue(work, ctx, doc, actor, version)


async def token_signed(work: Work, ctx: Context, p: PdfTokenSigned) -> None:
    """A leader signed one of our drafts with their USB token: the signed PDF is the approved version."""
    doc = await work.session.get(Document, p.document_id) if p.document_id else None
    if doc is None or doc.direction != OUTGOING:
        log.info("documents.token_signature_not_ours", document_id=p.document_id, session=p.session)
        return
    signer = await user_of(work.session, p.user_id)
    if signer is None:
        raise Conflict(f"Người ký {p.user_id} không có trong danh bạ: chữ ký bằng token không được áp dụng")
    await outgoing.approve_by_token(work, ctx, doc, Principal.of(signer, via="token"), p)


async def signature_refused(work: Work, correlation_id: str, reason: str) -> None:
    """The signing service refused one of our PDFs: the document goes back one step."""
    found = await signatures.pending(work, correlation_id)
    if found is not None:
        request, doc = found
        signatures.refused(work, request, doc, reason)


# -- incoming, from the API --------------------------------------------------------------------------


async def store_scan(
    hub: Hub, ctx: Context, data: bytes, media_type: str, name: str
) -> tuple[ClaimCheck, Indexed]:
    """Keep a paper document's scan (before its transaction) with the text of a PDF scan."""
    if not data:
        raise Invalid("Tệp rỗng", field="file")
    claim = await put_claim(hub, data, media_type)
    if not data.startswith(b"%PDF"):
        return claim, Indexed("")
    return claim, await _index(ctx, [(name, data)])


async def _index(
    ctx: Context, files: Iterable[tuple[str, bytes]] | AsyncIterable[tuple[str, bytes]]
) -> Indexed:
    """The files' text within the module's index budget (size per file, time per document)."""
    return await text.index_pdfs(
        files, max_bytes=ctx.settings.index_max_mb * 1_048_576, seconds=ctx.settings.index_seconds
    )


async def register_paper(
    work: Work, ctx: Context, actor: Principal, item: Incoming, *, allow_duplicate: bool
) -> Document:
    """The clerk registers a scanned paper document with the next số đến."""
    return await incoming.receive(work, ctx, item, actor, register=True, allow_duplicate=allow_duplicate)


async def register(
    work: Work, ctx: Context, actor: Principal, document_id: str, *, allow_duplicate: bool
) -> Document:
    """Enter a received document in the incoming register; a duplicate needs the clerk's confirmation."""
    doc = await load_visible(work.session, actor, document_id, lock=True)
    if doc.duplicate_of and not allow_duplicate:
        raise Conflict(
            "Văn bản có cảnh báo trùng; xác nhận allow_duplicate=true để vào sổ", field="allow_duplicate"
        )
    return await incoming.register_document(work, ctx, doc, actor)


async def reject(work: Work, ctx: Context, actor: Principal, document_id: str, reason: str) -> Document:
    """Refuse a received document with a reason (02 to the sender)."""
    doc = await load_visible(work.session, actor, document_id, lock=True)
    return await incoming.reject(work, ctx, doc, actor, reason)


async def assign(
    work: Work,
    ctx: Context,
    actor: Principal,
    document_id: str,
    *,
    lead_unit_id: str,
    coordinating_unit_ids: list[str],
    deadline: date | None,
    instruction: str,
) -> Document:
    """A leader assigns the lead unit, co-ordinating units and the deadline (04 to the sender)."""
    doc = await load_visible(work.session, actor, document_id, lock=True)
    return await handling.assign(
        work,
        ctx,
        doc,
        actor,
        lead_unit_id=lead_unit_id,
        coordinating_unit_ids=coordinating_unit_ids,
        deadline=deadline,
        instruction=instruction,
    )


async def assign_handlers(
    work: Work,
    ctx: Context,
    actor: Principal,
    document_id: str,
    *,
    officer_ids: list[str],
    lead_officer_id: str | None,
    deadline: date | None,
) -> Document:
    """The unit head names the officers of the unit who handle the document."""
    doc = await load_visible(work.session, actor, document_id, lock=True)
    return await handling.assign_handlers(
        work, ctx, doc, actor, officer_ids=officer_ids, lead_officer_id=lead_officer_id, deadline=deadline
    )


async def start_processing(
    work: Work, ctx: Context, actor: Principal, document_id: str, note: str
) -> Document:
    """An assigned officer starts handling (05 to the sender)."""
    doc = await load_visible(work.session, actor, document_id, lock=True)
    return await handling.start_processing(work, ctx, doc, actor, note)


async def complete(work: Work, ctx: Context, actor: Principal, document_id: str, note: str) -> Document:
    """The lead officer completes the handling (06 to the sender)."""
    doc = await load_visible(work.session, actor, document_id, lock=True)
    return await handling.complete(work, ctx, doc, actor, note)


# -- outgoing, from the API --------------------------------------------------------------------------


async def create_draft(work: Work, ctx: Context, actor: Principal, draft: outgoing.Draft) -> Document:
    """Start an outgoing draft; a reply names an incoming document the drafter may see."""
    if draft.response_for_id:
        await load_visible(work.session, actor, draft.response_for_id)
    return await outgoing.create_draft(work, ctx, draft, actor)


async def store_draft_file(hub: Hub, data: bytes) -> ClaimCheck:
    """Keep an uploaded draft (before its transaction): a non-empty PDF."""
    if not data:
        raise Invalid("Tệp rỗng", field="file")
    if not data.startswith(b"%PDF"):
        raise Invalid("Dự thảo phải là tệp PDF", field="file")
    return await put_claim(hub, data, PDF)


async def add_version(
    work: Work, actor: Principal, document_id: str, claim: ClaimCheck, name: str, note: str
) -> DocVersion:
    """Keep a new version of a draft's file."""
    doc = await load_visible(work.session, actor, document_id, lock=True)
    return await keep_version(work, doc, actor, claim, name, "draft", note)


async def store_attachment_file(hub: Hub, data: bytes, filename: str) -> ClaimCheck:
    """Keep a file to attach to a draft (before its transaction): PDF, Word, Excel or ZIP."""
    return await put_claim(hub, data, attachments.media_type_of(data, filename))


async def attach(
    work: Work, actor: Principal, document_id: str, claim: ClaimCheck, name: str
) -> tuple[Document, int]:
    """Attach a file to a draft; the document and the file's index."""
    doc = await load_visible(work.session, actor, document_id, lock=True)
    attachments.add_attachment(work, doc, actor, claim, name)
    return doc, len(doc.attachments) - 1


async def detach(work: Work, actor: Principal, document_id: str, index: int) -> Document:
    """Take a file off a draft."""
    doc = await load_visible(work.session, actor, document_id, lock=True)
    attachments.remove_attachment(work, doc, actor, index)
    return doc


async def submit(work: Work, actor: Principal, document_id: str, approvers: list[str]) -> Document:
    """Submit a draft along the approval chain."""
    doc = await load_visible(work.session, actor, document_id, lock=True)
    return await outgoing.submit(work, doc, actor, approvers)


async def decide(
    work: Work,
    ctx: Context,
    actor: Principal,
    document_id: str,
    *,
    approve: bool,
    comment: str,
    code: str | None = None,
) -> Document:
    """Approve as the current approver (the last one signs, with their one-time code), or return it."""
    doc = await load_visible(work.session, actor, document_id, lock=True)
    return await outgoing.decide(work, ctx, doc, actor, approve=approve, comment=comment, code=code)


async def withdraw(work: Work, ctx: Context, actor: Principal, document_id: str, reason: str) -> Document:
    """A leader revokes an issued document: frozen, and its axis recipients asked to give it back."""
    doc = await load_visible(work.session, actor, document_id, lock=True)
    return await changes.withdraw(work, ctx, doc, actor, reason)


async def issue(work: Work, ctx: Context, actor: Principal, document_id: str) -> Document:
    """Issue an approved document: number, the organisation's signature, sending through the axis."""
    doc = await load_visible(work.session, actor, document_id, lock=True)
    return await issuing.issue(work, ctx, doc, actor)

"""Outgoing drafts (dự thảo văn bản đi): the draft and its recipients, the approval chain, each
approver's decision; the last approver (a leader) signs. Issuing is in `issuing.py`.

The leader's final approval is their signature, so it needs the leader's second factor whatever the
route: a one-time code checked here (`hub.otp`, once), after which the server-held key signs; or a
signature the leader made with their own USB token, which arrives as `sign.token.signed` and makes the
signed PDF the approved version (`approve_by_token`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from handlers.documents.access import grant, granted_to, require, user_names, user_of
from handlers.documents.clock import now
from handlers.documents.directory import check_recipients
from handlers.documents.models import INCOMING, OUTGOING, DocApproval, Document
from handlers.documents.rules import canonical_type, status_word
from handlers.documents.search import search_text
from handlers.documents.secrecy import refuse_axis
from handlers.documents.signatures import request_signature
from handlers.documents.store import new_id
from handlers.documents.trail import audit, history, snapshot
from handlers.documents.versions import add_version, latest_version
from hub import otp
from hub.auth import Principal
from hub.errors import Conflict, Forbidden, Invalid, PermanentError
from hub.orgchart import CLERK, LEADER, OFFICER, UNIT_HEAD

if TYPE_CHECKING:
    from handlers.documents.context import Context
    from handlers.documents.models import DocVersion
    from hub.runtime import Work
    from schemas.documents import PrepareIssue
    from schemas.signing import PdfTokenSigned

DRAFTERS = (OFFICER, UNIT_HEAD, LEADER, CLERK)


@dataclass
class Draft:
    """What a drafter gives for a new outgoing document."""

    subject: str
    document_type: str
    recipients: list[dict[str, Any]]
    drafting_unit_id: str | None = None
    response_for_id: str | None = None
    priority: str = "Thường"
    confidentiality: str = "Thường"
    due_date: date | None = None


async def _check_draft(work: Work, ctx: Context, draft: Draft) -> tuple[str, list[dict[str, Any]]]:
    """The Decree 30 spelling of the draft's type and its recipients as kept, once they check out."""
    known = canonical_type(draft.document_type)
    if known is None:
        raise Invalid(
            f"Loại văn bản “{draft.document_type}” không có trong Nghị định 30", field="document_type"
        )
    recipients = await check_recipients(work.session, ctx, draft.recipients)
    refuse_axis(draft.confidentiality, recipients)
    if draft.response_for_id:
        answered = await work.session.get(Document, draft.response_for_id)
        if answered is None or answered.direction != INCOMING:
            raise Invalid("Văn bản được trả lời không tồn tại", field="response_for_id")
    return known, recipients


async def create_draft(work: Work, ctx: Context, draft: Draft, actor: Principal) -> Document:
    """Start an outgoing document (no file yet: versions are uploaded)."""
    require(actor, *DRAFTERS)
    known, recipients = await _check_draft(work, ctx, draft)
    doc = Document(
        id=new_id(),
        direction=OUTGOING,
        status="draft",
        register_code=ctx.settings.outgoing_register,
        subject=draft.subject,
        document_type=known,
        from_agency=ctx.agency.name,
        from_code=ctx.agency.code,
        priority=draft.priority,
        confidentiality=draft.confidentiality,
        due_date=draft.due_date,
        source="draft",
        drafting_unit_id=draft.drafting_unit_id or actor.unit_id,
        response_for_id=draft.response_for_id,
        recipients=recipients,
        coordinating_unit_ids=[],
        officer_ids=[],
        approvers=[],
        attachments=[],
        instruction="",
        note="",
        created_by=actor.id,
        created_at=now(),
        updated_at=now(),
    )
    doc.search_text = search_text(doc)
    work.session.add(doc)
    await work.session.flush()
    granted: set[tuple[str, str]] = set()
    grant(work.session, doc, "user", actor.id, granted)
    if doc.drafting_unit_id:
        grant(work.session, doc, "unit", doc.drafting_unit_id, granted)
    history(work.session, doc, actor, "drafted", f"Soạn thảo dự thảo {known}: {draft.subject}")
    audit(work.session, actor, "document.drafted", f"document:{doc.id}", None, snapshot(doc))
    return doc


MODULE_NAMES = {"complaints": "Khiếu nại, tố cáo"}


async def from_module(work: Work, ctx: Context, p: PrepareIssue) -> Document:
    """A document another module's leader has signed, handed to the clerks for number, seal and issue
    (`document.prepare_issue`): it starts approved, with the signed PDF as its approved version. Once
    per origin: a redelivery or a second request for the same case returns the document already made."""
    existing = await work.session.scalar(
        select(Document).where(
            Document.direction == OUTGOING, Document.source == p.source, Document.external_ref == p.origin
        )
    )
    if existing is not None:
        return existing
    known = canonical_type(p.document_type)
    if known is None:
        raise PermanentError(f"document type {p.document_type!r} is not a Decree 30 type")
    signer = await user_of(work.session, p.signed_by)
    if signer is None or LEADER not in signer.roles:
        raise PermanentError(
            f"{p.signed_by!r} is not a leader: a module's document needs a leader's signature"
        )
    doc = Document(
        id=new_id(),
        direction=OUTGOING,
        status="approved",
        register_code=ctx.settings.outgoing_register,
        subject=p.subject,
        document_type=known,
        from_agency=ctx.agency.name,
        from_code=ctx.agency.code,
        priority="Thường",
        confidentiality=p.confidentiality,
        source=p.source,
        external_ref=p.origin,
        drafting_unit_id=p.drafting_unit_id,
        recipients=[],
        coordinating_unit_ids=[],
        officer_ids=[],
        approvers=[p.signed_by],
        approval_step=1,
        signed_by=p.signed_by,
        signer_name=signer.full_name,
        seal_box=p.seal_box.model_dump() if p.seal_box else None,
        attachments=[],
        instruction="",
        note=p.note,
        created_by=p.prepared_by,
        created_at=now(),
        updated_at=now(),
    )
    doc.search_text = search_text(doc)
    work.session.add(doc)
    await work.session.flush()
    granted: set[tuple[str, str]] = set()
    for user_id in {p.prepared_by, p.signed_by}:
        grant(work.session, doc, "user", user_id, granted)
    if doc.drafting_unit_id:
        grant(work.session, doc, "unit", doc.drafting_unit_id, granted)
    leader = Principal(id=signer.id, username=signer.username, full_name=signer.full_name)
    await add_version(work, doc, leader, p.file, p.file_name, kind="approval", note=signer.full_name)
    module = MODULE_NAMES.get(p.source, p.source)
    history(work.session, doc, leader, "drafted", f"Dự thảo {known} lập tại phân hệ {module}: {p.subject}")
    history(work.session, doc, leader, "submitted", f"Trình lãnh đạo ký tại phân hệ {module}")
    history(
        work.session,
        doc,
        leader,
        "approval_signed",
        f"{known} do {signer.full_name} ký số, chuyển từ phân hệ {module}: chờ văn thư cấp số và ban hành",
    )
    audit(work.session, leader, "document.prepared", f"document:{doc.id}", None, snapshot(doc))
    return doc


async def submit(work: Work, doc: Document, actor: Principal, approvers: list[str]) -> Document:
    """Send the draft along a chain of approvers; the last one must be a leader (who signs)."""
    if actor.id != doc.created_by:
        raise Forbidden("Chỉ người soạn thảo được trình dự thảo")
    if doc.status not in ("draft", "returned"):
        raise Conflict(f"Văn bản đang ở trạng thái “{status_word(doc.status)}”, không trình được")
    if await latest_version(work, doc) is None:
        raise Invalid("Chưa có tệp dự thảo để trình", field="file")
    if not approvers:
        raise Invalid("Cần ít nhất một người duyệt", field="approvers")
    granted = await granted_to(work.session, doc)
    for index, user_id in enumerate(approvers):
        user = await user_of(work.session, user_id)
        if user is None or not user.active:
            raise Invalid(f"Người duyệt {user_id!r} không tồn tại", field="approvers")
        if index == len(approvers) - 1 and LEADER not in user.roles:
            raise Invalid("Người duyệt cuối cùng phải là lãnh đạo (người ký)", field="approvers")
        grant(work.session, doc, "user", user_id, granted)
    before = snapshot(doc)
    doc.approvers = list(approvers)
    doc.approval_step = 0
    doc.status = "pending_approval"
    doc.updated_at = now()
    chain = " → ".join([await user_names(work.session, [a]) for a in approvers])
    history(work.session, doc, actor, "submitted", f"Trình duyệt: {chain}")
    audit(work.session, actor, "document.submitted", f"document:{doc.id}", before, snapshot(doc))
    return doc


def current_approver(doc: Document) -> str | None:
    """Whose decision the draft waits for (None when it waits for nobody's)."""
    if doc.status != "pending_approval" or doc.approval_step >= len(doc.approvers):
        return None
    return doc.approvers[doc.approval_step]


async def _last_approval(
    work: Work, ctx: Context, doc: Document, actor: Principal, current: DocVersion, comment: str
) -> None:
    """The leader approves last: signs (when signing is on) and the draft waits for the signature."""
    doc.approval_step += 1
    doc.signed_by = actor.id
    if ctx.settings.signing_enabled:
        profile = ctx.settings.signer_profiles.get(actor.id, ctx.settings.default_signer_profile)
        await request_signature(work, ctx, doc, actor, current, "approval", profile)
        doc.status = "signing"
        history(work.session, doc, actor, "approved", f"Lãnh đạo duyệt, ký số phê duyệt. {comment}".strip())
    else:
        doc.status = "approved"
        history(work.session, doc, actor, "approved", f"Lãnh đạo duyệt. {comment}".strip())


def is_last_step(doc: Document) -> bool:
    """The draft waits for its last approver: the leader who signs."""
    return doc.approval_step == len(doc.approvers) - 1


async def decide(
    work: Work,
    ctx: Context,
    doc: Document,
    actor: Principal,
    *,
    approve: bool,
    comment: str,
    code: str | None = None,
) -> Document:
    """The current approver approves (the last one signs, with their one-time code) or returns the draft."""
    if current_approver(doc) != actor.id:
        raise Forbidden("Dự thảo không chờ bạn duyệt")
    if not approve and not comment.strip():
        raise Invalid("Cần ghi ý kiến khi trả lại dự thảo", field="comment")
    if approve and (is_last_step(doc) or code):  # the signature needs it; a code given is always checked
        await otp.verify_once(work.session, otp.cipher_for(work.hub.settings), actor.id, code)
    current = await latest_version(work, doc)
    assert current is not None
    before = snapshot(doc)
    work.session.add(
        DocApproval(
            document_id=doc.id,
            step=doc.approval_step,
            approver_id=actor.id,
            decision="approved" if approve else "returned",
            comment=comment,
            version=current.version,
            at=now(),
        )
    )
    if not approve:
        doc.status = "returned"
        history(work.session, doc, actor, "returned", f"Trả lại dự thảo: {comment}")
    elif doc.approval_step < len(doc.approvers) - 1:
        doc.approval_step += 1
        next_approver = await user_names(work.session, [doc.approvers[doc.approval_step]])
        history(
            work.session, doc, actor, "approved_step", f"Đồng ý, chuyển {next_approver}. {comment}".strip()
        )
    else:
        await _last_approval(work, ctx, doc, actor, current, comment)
    doc.updated_at = now()
    audit(
        work.session, actor, "document.approval", f"document:{doc.id}", before, snapshot(doc), comment=comment
    )
    return doc


async def approve_by_token(
    work: Work, ctx: Context, doc: Document, signer: Principal, signed: PdfTokenSigned
) -> Document:
    """The leader signed the draft awaiting them with their USB token: that PDF is the approved version.

    The signing service checked the signature against the prepared digest and the certificate bound to
    the leader; here it must be the leader's turn, at the last step, and the PDF they signed the
    draft's latest version (a signature of an older or another file is refused, 409).
    """
    if current_approver(doc) != signer.id or not is_last_step(doc):
        raise Conflict(
            f"Dự thảo {doc.id} không chờ {signer.full_name} ký duyệt: chữ ký bằng token không được áp dụng"
        )
    current = await latest_version(work, doc)
    assert current is not None
    if current.claim.get("sha256") != signed.original.sha256:
        raise Conflict(
            f"Chữ ký bằng token là của một tệp khác phiên bản {current.version} của dự thảo: hãy ký lại"
        )
    before = snapshot(doc)
    note = "Ký số bằng USB token"
    work.session.add(
        DocApproval(
            document_id=doc.id,
            step=doc.approval_step,
            approver_id=signer.id,
            decision="approved",
            comment=note,
            version=current.version,
            at=now(),
        )
    )
    doc.approval_step += 1
    doc.signed_by = signer.id
    await add_version(
        work, doc, signer, signed.signed, "du-thao.approved.pdf", kind="approval", note=signed.signer_subject
    )
    doc.status = "approved"
    doc.updated_at = now()
    check = signed.certificate
    unchecked = ""
    if check.revocation != "good":
        unchecked = f" Chưa kiểm tra được thu hồi: {check.revocation_detail}."
    text = f"Lãnh đạo duyệt, ký số bằng USB token; chứng thư số của {signed.signer_subject}.{unchecked}"
    history(work.session, doc, signer, "approval_signed", text, token_session=signed.session)
    after = snapshot(doc)
    audit(work.session, signer, "document.approval", f"document:{doc.id}", before, after, comment=note)
    return doc

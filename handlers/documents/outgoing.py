"""Outgoing documents (văn bản đi): drafts with versions, the approval chain, the leader's approval
signature, the clerk's issuing (number, seal signature), sending through the axis, delivery tracking."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from handlers.documents.core import (
    Refusal,
    audit,
    grant,
    granted_to,
    history,
    local_date,
    new_id,
    next_number,
    now,
    put_claim,
    read_claim,
    search_text,
    snapshot,
    user_of,
)
from handlers.documents.incoming import Context, require
from handlers.documents.models import INCOMING, OUTGOING, DocDelivery, DocSignRequest, Document, DocVersion
from handlers.documents.rules import CODE_BY_PRIORITY, canonical_type, number_and_notation
from hub.auth import Principal
from hub.directory import CLERK, LEADER, OFFICER, UNIT_HEAD
from schemas.axis import AxisSendRequested
from schemas.documents import DocumentIssued, IssuedRecipient
from schemas.edxml import (
    AttachmentInfo,
    AttachmentSource,
    BuildOptions,
    Code,
    DocumentType,
    EdocHeader,
    MessageHeader,
    Organization,
    OtherInfo,
    PromulgationInfo,
    ResponseFor,
    SignerInfo,
    TraceHeader,
    TraceHeaderList,
    write_edoc,
)
from schemas.edxml.codes import VN_TZ
from schemas.envelope import ClaimCheck
from schemas.signing import SignPdfRequested

if TYPE_CHECKING:
    from hub.runtime import Unit as Work

PDF = "application/pdf"
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


async def create_draft(work: Work, ctx: Context, draft: Draft, actor: Principal) -> Document:
    """Start an outgoing document (no file yet: versions are uploaded)."""
    require(actor, *DRAFTERS)
    known = canonical_type(draft.document_type)
    if known is None:
        raise Refusal(
            422, f"Loại văn bản {draft.document_type!r} không có trong Nghị định 30", "document_type"
        )
    if not draft.recipients:
        raise Refusal(422, "Cần ít nhất một nơi nhận", field="recipients")
    answered: Document | None = None
    if draft.response_for_id:
        answered = await work.session.get(Document, draft.response_for_id)
        if answered is None or answered.direction != INCOMING:
            raise Refusal(422, "Văn bản được trả lời không tồn tại", field="response_for_id")
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
        recipients=draft.recipients,
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


async def latest_version(work: Work, doc: Document) -> DocVersion | None:
    stmt = (
        select(DocVersion)
        .where(DocVersion.document_id == doc.id)
        .order_by(DocVersion.version.desc())
        .limit(1)
    )
    found: DocVersion | None = await work.session.scalar(stmt)
    return found


async def add_version(
    work: Work,
    doc: Document,
    actor: Principal,
    claim: ClaimCheck,
    name: str,
    kind: str = "draft",
    note: str = "",
) -> DocVersion:
    """Keep a new revision of the document's file."""
    if kind == "draft":
        if doc.status not in ("draft", "returned"):
            raise Refusal(409, f"Chỉ sửa được dự thảo; văn bản đang ở trạng thái {doc.status}")
        if actor.id != doc.created_by and not actor.has(UNIT_HEAD, LEADER):
            raise Refusal(403, "Chỉ người soạn thảo hoặc lãnh đạo được sửa dự thảo")
    last = await work.session.scalar(
        select(func.max(DocVersion.version)).where(DocVersion.document_id == doc.id)
    )
    version = DocVersion(
        document_id=doc.id,
        version=(last or 0) + 1,
        kind=kind,
        name=name,
        claim=claim.model_dump(mode="json"),
        created_by=actor.id,
        created_at=now(),
        note=note,
    )
    work.session.add(version)
    doc.updated_at = now()
    history(
        work.session,
        doc,
        actor,
        "version",
        f"Phiên bản {version.version} ({kind}): {name}",
        version=version.version,
    )
    return version


async def submit(work: Work, doc: Document, actor: Principal, approvers: list[str]) -> Document:
    """Send the draft along a chain of approvers; the last one must be a leader (who signs)."""
    if actor.id != doc.created_by:
        raise Refusal(403, "Chỉ người soạn thảo được trình dự thảo")
    if doc.status not in ("draft", "returned"):
        raise Refusal(409, f"Văn bản đang ở trạng thái {doc.status}, không trình được")
    if await latest_version(work, doc) is None:
        raise Refusal(422, "Chưa có tệp dự thảo để trình", field="file")
    if not approvers:
        raise Refusal(422, "Cần ít nhất một người duyệt", field="approvers")
    granted = await granted_to(work.session, doc)
    for index, user_id in enumerate(approvers):
        user = await user_of(work.session, user_id)
        if user is None or not user.active:
            raise Refusal(422, f"Người duyệt {user_id!r} không tồn tại", field="approvers")
        if index == len(approvers) - 1 and LEADER not in user.roles:
            raise Refusal(422, "Người duyệt cuối cùng phải là lãnh đạo (người ký)", field="approvers")
        grant(work.session, doc, "user", user_id, granted)
    before = snapshot(doc)
    doc.approvers = list(approvers)
    doc.approval_step = 0
    doc.status = "pending_approval"
    doc.updated_at = now()
    history(work.session, doc, actor, "submitted", f"Trình duyệt: {' → '.join(approvers)}")
    audit(work.session, actor, "document.submitted", f"document:{doc.id}", before, snapshot(doc))
    return doc


def _current_approver(doc: Document) -> str | None:
    if doc.status != "pending_approval" or doc.approval_step >= len(doc.approvers):
        return None
    return doc.approvers[doc.approval_step]


async def decide(
    work: Work, ctx: Context, doc: Document, actor: Principal, *, approve: bool, comment: str
) -> Document:
    """The current approver approves (the last one signs) or returns the draft with a comment."""
    from handlers.documents.models import DocApproval

    if _current_approver(doc) != actor.id:
        raise Refusal(403, "Dự thảo không chờ bạn duyệt")
    if not approve and not comment.strip():
        raise Refusal(422, "Cần ghi ý kiến khi trả lại dự thảo", field="comment")
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
        history(
            work.session,
            doc,
            actor,
            "approved_step",
            f"Đồng ý, chuyển {doc.approvers[doc.approval_step]}. {comment}".strip(),
        )
    else:
        doc.approval_step += 1
        doc.signed_by = actor.id
        if ctx.settings.signing_enabled:
            profile = ctx.settings.signer_profiles.get(actor.id, ctx.settings.default_signer_profile)
            await request_signature(work, ctx, doc, actor, current, "approval", profile)
            doc.status = "signing"
            history(
                work.session, doc, actor, "approved", f"Lãnh đạo duyệt, ký số phê duyệt. {comment}".strip()
            )
        else:
            doc.status = "approved"
            history(work.session, doc, actor, "approved", f"Lãnh đạo duyệt. {comment}".strip())
    doc.updated_at = now()
    audit(
        work.session, actor, "document.approval", f"document:{doc.id}", before, snapshot(doc), comment=comment
    )
    return doc


def _box(spec: tuple[int, float, float, float, float]) -> dict[str, float | int]:
    page, x1, y1, x2, y2 = spec
    return {"page": page, "x1": x1, "y1": y1, "x2": x2, "y2": y2}


async def request_signature(
    work: Work, ctx: Context, doc: Document, actor: Principal, version: DocVersion, stage: str, signer: str
) -> DocSignRequest:
    """Ask the signing service for a signature; the outcome comes back in the same conversation."""
    correlation = uuid.uuid4()
    box = ctx.settings.approval_box if stage == "approval" else ctx.settings.issue_box
    request: dict[str, Any] = {
        "signer": signer,
        "stage": stage,
        "box": _box(box),
        "reason": "Phê duyệt văn bản" if stage == "approval" else "Ban hành văn bản",
    }
    if stage == "issue":
        request["document_number"] = doc.code
        request["issued_on"] = local_date(now()).isoformat()
    payload = SignPdfRequested.model_validate(
        {"document": ClaimCheck.model_validate(version.claim), "request": request}
    )
    record = DocSignRequest(
        correlation_id=str(correlation),
        document_id=doc.id,
        stage=stage,
        signer=signer,
        requested_by=actor.id,
        created_at=now(),
    )
    work.session.add(record)
    await work.emit("sign.pdf.requested", payload, issue=doc.id, id=correlation, correlation_id=correlation)
    return record


async def issue(work: Work, ctx: Context, doc: Document, actor: Principal) -> Document:
    """The clerk issues: next outgoing number (kept if a later step fails), seal signature, sending."""
    require(actor, CLERK)
    if doc.status not in ("approved", "issue_failed"):
        raise Refusal(409, f"Chỉ ban hành được văn bản đã được lãnh đạo duyệt (trạng thái {doc.status})")
    current = await latest_version(work, doc)
    assert current is not None
    before = snapshot(doc)
    if doc.number is None:
        doc.year = local_date(now()).year
        doc.number = await next_number(work.session, doc.register_code, doc.year)
        doc.code = number_and_notation(
            doc.number,
            doc.document_type or "Công văn",
            ctx.settings.agency_abbreviation,
            doc.drafting_unit_id,
        )
        doc.issued_date = local_date(now())
    history(work.session, doc, actor, "numbered", f"Cấp số văn bản đi: {doc.code}")
    audit(work.session, actor, "document.numbered", f"document:{doc.id}", before, snapshot(doc))
    if ctx.settings.signing_enabled:
        await request_signature(work, ctx, doc, actor, current, "issue", ctx.settings.seal_profile)
        doc.status = "issuing"
        doc.updated_at = now()
        return doc
    await finish_issue(work, ctx, doc, actor, current)
    return doc


async def on_signed(
    work: Work, ctx: Context, request: DocSignRequest, signed: ClaimCheck, signer_subject: str
) -> None:
    """A signature came back: keep the signed revision and move the document on."""
    doc = await work.session.get(Document, request.document_id)
    if doc is None or request.state != "pending":
        return
    request.state = "signed"
    actor = Principal(id=request.requested_by, username=request.requested_by, full_name=signer_subject)
    name = f"{doc.code or doc.id}.signed.pdf" if request.stage == "issue" else "du-thao.approved.pdf"
    version = await add_version(work, doc, actor, signed, name, kind=request.stage, note=signer_subject)
    if request.stage == "approval":
        doc.status = "approved"
        doc.updated_at = now()
        history(work.session, doc, actor, "approval_signed", f"Đã ký số phê duyệt ({signer_subject})")
        return
    await finish_issue(work, ctx, doc, actor, version)


async def on_refused(work: Work, request: DocSignRequest, reason: str) -> None:
    """The signing service refused: the document goes back one step with the reason."""
    doc = await work.session.get(Document, request.document_id)
    if doc is None or request.state != "pending":
        return
    request.state = "refused"
    request.reason = reason
    actor = Principal(id=request.requested_by, username=request.requested_by, full_name=request.requested_by)
    if request.stage == "approval":  # back to the leader, who may approve (and sign) again
        doc.status = "pending_approval"
        doc.approval_step = max(len(doc.approvers) - 1, 0)
    else:  # the number stays taken; the clerk may issue again
        doc.status = "issue_failed"
    doc.updated_at = now()
    history(work.session, doc, actor, "sign_refused", f"Ký số không thành công: {reason}")


def _organization(recipient: dict[str, Any]) -> Organization:
    return Organization(organ_id=recipient["code"], organ_name=recipient.get("name"))


async def build_outgoing_edoc(
    work: Work, ctx: Context, doc: Document, version: DocVersion
) -> tuple[ClaimCheck, str]:
    """The edXML of an issued document (signed PDF attached), stored in the Object Store."""
    assert doc.number is not None
    assert doc.code is not None
    assert doc.issued_date is not None
    notation = doc.code.split("/", 1)[1]
    document_id = f"{ctx.agency.code},{doc.issued_date.strftime('%Y/%m/%d')},{doc.code}"
    response_for = None
    if doc.response_for_id:
        answered = await work.session.get(Document, doc.response_for_id)
        if answered is not None and answered.edoc_document_id:
            response_for = ResponseFor(
                organ_id=answered.from_code,
                code=answered.code,
                document_id=answered.edoc_document_id,
                promulgation_date=answered.issued_date,
            )
    signer = await user_of(work.session, doc.signed_by or "")
    header = EdocHeader(
        message_header=MessageHeader(
            from_=Organization(organ_id=ctx.agency.code, organ_name=ctx.agency.name),
            to=[_organization(r) for r in doc.recipients if r.get("code")],
            document_id=document_id,
            code=Code(code_number=f"{doc.number:02d}", code_notation=notation),
            promulgation_info=PromulgationInfo(place="Hà Nội", promulgation_date=doc.issued_date),
            document_type=DocumentType(type_name=doc.document_type),
            subject=doc.subject,
            signer_info=SignerInfo(full_name=signer.full_name, position=signer.position) if signer else None,
            due_date=doc.due_date,
            other_info=OtherInfo(priority=CODE_BY_PRIORITY.get(doc.priority, 0)),  # type: ignore[arg-type]
            response_for=response_for,
        ),
        trace_header_list=TraceHeaderList(
            trace_headers=[
                TraceHeader(organ_id=ctx.agency.code, timestamp=datetime.now(VN_TZ).replace(microsecond=0))
            ]
        ),
    )
    content = await read_claim(work.hub, ClaimCheck.model_validate(version.claim))
    attachment = AttachmentSource(
        AttachmentInfo(content_id="1", attachment_name=f"{doc.code.replace('/', '-')}.pdf", content_type=PDF),
        content,
    )
    out = io.BytesIO()
    write_edoc(out, header, [attachment], BuildOptions(zip_attachments=True))
    claim = await put_claim(work.hub, out.getvalue(), "application/xml")
    return claim, document_id


async def finish_issue(
    work: Work, ctx: Context, doc: Document, actor: Principal, version: DocVersion
) -> None:
    """Mark issued, send to every external recipient through the axis, publish `document.issued`."""
    assert doc.number is not None
    assert doc.year is not None
    assert doc.code is not None
    before = snapshot(doc)
    doc.status = "issued"
    doc.issued_at = now()
    doc.updated_at = now()
    external = [r for r in doc.recipients if r.get("code")]
    edoc_id: str | None = None
    if external:
        claim, edoc_id = await build_outgoing_edoc(work, ctx, doc, version)
        doc.edoc_document_id = edoc_id
        doc.edxml = claim.model_dump(mode="json")
        for recipient in external:
            work.session.add(
                DocDelivery(
                    document_id=doc.id,
                    to_code=recipient["code"],
                    to_name=recipient.get("name"),
                    transport="queued",
                    statuses=[],
                    updated_at=now(),
                )
            )
        await work.emit(
            "axis.send",
            AxisSendRequested(
                edxml=claim,
                message_type="edoc",
                from_code=ctx.agency.code,
                to_codes=[r["code"] for r in external],
                document_id=edoc_id,
            ),
            issue=edoc_id,
        )
    if doc.response_for_id:
        answered = await work.session.get(Document, doc.response_for_id)
        if answered is not None:
            answered.answered_by_id = doc.id
            history(
                work.session,
                answered,
                actor,
                "answered",
                f"Đã trả lời bằng văn bản {doc.code}",
                answer=doc.id,
            )
    doc.search_text = search_text(doc)
    history(
        work.session,
        doc,
        actor,
        "issued",
        f"Ban hành văn bản {doc.code}, gửi {len(external)} nơi nhận qua trục",
    )
    audit(work.session, actor, "document.issued", f"document:{doc.id}", before, snapshot(doc))
    await work.emit(
        "document.issued",
        DocumentIssued(
            document_id=doc.id,
            number=doc.code,
            so_di=doc.number,
            year=doc.year,
            subject=doc.subject,
            recipients=[
                IssuedRecipient(code=r.get("code") or r.get("unit_id") or "", name=r.get("name"))
                for r in doc.recipients
            ],
            issued_at=doc.issued_at,
            edoc_document_id=edoc_id,
            response_for=doc.response_for_id,
        ),
        issue=edoc_id or doc.id,
    )


def _utc(moment: datetime) -> datetime:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)
    return aware.astimezone(UTC).replace(microsecond=0)


async def outgoing_by_edoc(work: Work, edoc_document_id: str) -> Document | None:
    stmt = select(Document).where(
        Document.direction == OUTGOING, Document.edoc_document_id == edoc_document_id
    )
    found: Document | None = await work.session.scalar(stmt)
    return found


async def delivery_of(work: Work, doc: Document, to_code: str) -> DocDelivery | None:
    return await work.session.get(DocDelivery, (doc.id, to_code))


async def on_axis_sent(work: Work, edoc_document_id: str, sender_doc_id: str, to_codes: list[str]) -> None:
    doc = await outgoing_by_edoc(work, edoc_document_id)
    if doc is None:
        return
    for code in to_codes:
        delivery = await delivery_of(work, doc, code)
        if delivery is not None:
            delivery.axis_doc_id = sender_doc_id
            if delivery.transport == "queued":
                delivery.transport = "sent"
            delivery.updated_at = now()


async def on_transport(work: Work, edoc_document_id: str, to_code: str, state: str) -> None:
    doc = await outgoing_by_edoc(work, edoc_document_id)
    if doc is None:
        return
    delivery = await delivery_of(work, doc, to_code)
    if delivery is not None:
        delivery.transport = state
        delivery.updated_at = now()


async def on_business_status(
    work: Work, edoc_document_id: str, from_code: str, code: str, text: str, reported_at: datetime
) -> bool:
    """A recipient reported a business status (01..16) about a document we issued."""
    doc = await outgoing_by_edoc(work, edoc_document_id)
    if doc is None:
        return False
    delivery = await delivery_of(work, doc, from_code)
    if delivery is None:
        return False
    # Statuses may arrive out of order over the axis: keep them by report time, then by code (01 < 03 < ...).
    entry = {"code": code, "text": text, "at": _utc(reported_at).isoformat()}
    statuses = sorted([*delivery.statuses, entry], key=lambda s: (s["at"], s["code"]))
    delivery.statuses = statuses
    delivery.status_code = statuses[-1]["code"]
    delivery.status_text = statuses[-1]["text"]
    delivery.updated_at = now()
    history(
        work.session,
        doc,
        Principal(id=f"axis:{from_code}", username=from_code, full_name=from_code),
        "recipient_status",
        f"{from_code}: {code} {text}",
        code,
    )
    return True

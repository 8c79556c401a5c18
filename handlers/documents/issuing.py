"""Issuing an approved outgoing document (ban hành): the next số đi and notation, the organisation's
seal signature, then the typed edoc to every external recipient through the axis (`axis.send` with
the header and the signed PDF: the axis adapters build and sign the edXML), and `document.issued`."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from handlers.documents import handling, registers
from handlers.documents.access import grant, granted_to, require, user_of
from handlers.documents.clock import local_date, now
from handlers.documents.internal import deliver_internally
from handlers.documents.models import DocDelivery, Document, DocVersion
from handlers.documents.numbering import next_number
from handlers.documents.rules import CODE_BY_PRIORITY, number_and_notation, status_word
from handlers.documents.search import search_text
from handlers.documents.secrecy import refuse_axis, told_subject
from handlers.documents.signatures import request_signature
from handlers.documents.trail import audit, history, snapshot
from handlers.documents.versions import latest_version
from hub.errors import Conflict
from hub.orgchart import CLERK
from schemas.axis import AxisSendRequested, OutgoingAttachment
from schemas.documents import DocumentIssued, IssuedRecipient
from schemas.edxml import (
    AttachmentInfo,
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
)
from schemas.edxml.codes import VN_TZ
from schemas.envelope import ClaimCheck

if TYPE_CHECKING:
    from handlers.documents.context import Context
    from hub.auth import Principal
    from hub.runtime import Work

PDF = "application/pdf"
MODULE_SOURCES = ("complaints",)  # outgoing documents handed over by a module (`document.prepare_issue`)


async def issue(work: Work, ctx: Context, doc: Document, actor: Principal) -> Document:
    """The clerk issues: next outgoing number (kept if a later step fails), seal signature, sending."""
    require(actor, CLERK)
    if doc.status not in ("approved", "issue_failed"):
        raise Conflict(
            "Chỉ ban hành được văn bản đã được lãnh đạo duyệt "
            f"(đang ở trạng thái “{status_word(doc.status)}”)"
        )
    refuse_axis(doc.confidentiality, doc.recipients)  # before anything is numbered or sent
    current = await latest_version(work, doc)
    assert current is not None
    before = snapshot(doc)
    grant(work.session, doc, "user", actor.id, await granted_to(work.session, doc))  # the issuing clerk
    if doc.number is None:
        await _number(work, ctx, doc)
    history(work.session, doc, actor, "numbered", f"Cấp số văn bản đi: {doc.code}")
    audit(work.session, actor, "document.numbered", f"document:{doc.id}", before, snapshot(doc))
    if ctx.settings.signing_enabled:
        await request_signature(work, ctx, doc, actor, current, "issue", ctx.settings.seal_profile)
        doc.status = "issuing"
        doc.updated_at = now()
        return doc
    await finish_issue(work, ctx, doc, actor, current)
    return doc


async def _number(work: Work, ctx: Context, doc: Document) -> None:
    """The next số đi of the year, the notation (Decree 30 App. III) and the issue date."""
    doc.year = local_date(now()).year
    doc.register_code = await registers.for_outgoing(work.session, ctx.settings, doc)
    doc.number = await next_number(work.session, doc.register_code, doc.year)
    notation = await registers.notation_of(work.session, ctx.settings)
    unit = notation.units.get(doc.drafting_unit_id, doc.drafting_unit_id) if doc.drafting_unit_id else None
    doc.code = number_and_notation(doc.number, doc.document_type or "Công văn", notation.agency, unit)
    doc.issued_date = local_date(now())


def _organization(recipient: dict[str, Any]) -> Organization:
    return Organization(organ_id=recipient["code"], organ_name=recipient.get("name"))


def edoc_document_id(ctx: Context, doc: Document) -> str:
    """The edXML DocumentId of an issued document: agency code, issue date, số và ký hiệu."""
    assert doc.issued_date is not None
    return f"{ctx.agency.code},{doc.issued_date.strftime('%Y/%m/%d')},{doc.code}"


async def _response_for(work: Work, doc: Document) -> ResponseFor | None:
    """The sender's document this one answers, when it came over an axis."""
    if not doc.response_for_id:
        return None
    answered = await work.session.get(Document, doc.response_for_id)
    if answered is None or not answered.edoc_document_id:
        return None
    return ResponseFor(
        organ_id=answered.from_code,
        code=answered.code,
        document_id=answered.edoc_document_id,
        promulgation_date=answered.issued_date,
    )


async def edoc_header(work: Work, ctx: Context, doc: Document) -> EdocHeader:
    """The edXML header of an issued document (the axis adapters add the manifest and the signature)."""
    assert doc.number is not None
    assert doc.code is not None
    assert doc.issued_date is not None
    notation = doc.code.split("/", 1)[1]
    signer = await user_of(work.session, doc.signed_by or "")
    return EdocHeader(
        message_header=MessageHeader(
            from_=Organization(organ_id=ctx.agency.code, organ_name=ctx.agency.name),
            to=[_organization(r) for r in doc.recipients if r.get("code")],
            document_id=edoc_document_id(ctx, doc),
            code=Code(code_number=f"{doc.number:02d}", code_notation=notation),
            promulgation_info=PromulgationInfo(place="Hà Nội", promulgation_date=doc.issued_date),
            document_type=DocumentType(type_name=doc.document_type),
            subject=doc.subject,
            signer_info=SignerInfo(full_name=signer.full_name, position=signer.position) if signer else None,
            due_date=doc.due_date,
            other_info=OtherInfo(priority=CODE_BY_PRIORITY.get(doc.priority, 0)),  # type: ignore[arg-type]
            response_for=await _response_for(work, doc),
        ),
        trace_header_list=TraceHeaderList(
            trace_headers=[
                TraceHeader(organ_id=ctx.agency.code, timestamp=datetime.now(VN_TZ).replace(microsecond=0))
            ]
        ),
    )


def signed_attachment(doc: Document, version: DocVersion) -> OutgoingAttachment:
    """The signed PDF as the edoc's one attachment, by reference to its revision in the Object Store."""
    assert doc.code is not None
    return OutgoingAttachment(
        info=AttachmentInfo(
            content_id="1", attachment_name=f"{doc.code.replace('/', '-')}.pdf", content_type=PDF
        ),
        claim=ClaimCheck.model_validate(version.claim),
    )


def attached_files(doc: Document) -> list[OutgoingAttachment]:
    """The files the drafter attached (phụ lục), after the signed text, as they were uploaded."""
    return [
        OutgoingAttachment(
            info=AttachmentInfo(
                content_id=str(index),
                attachment_name=str(a.get("name") or f"phu-luc-{index - 1}"),
                content_type=a.get("content_type"),
            ),
            claim=ClaimCheck.model_validate(a["claim"]),
        )
        for index, a in enumerate(doc.attachments, start=2)
    ]


async def _send_to_axis(
    work: Work, ctx: Context, doc: Document, version: DocVersion, external: list[dict[str, Any]]
) -> str:
    """Track a delivery per external recipient and queue the typed edoc for the axis; its DocumentId."""
    header = await edoc_header(work, ctx, doc)
    document_id = header.message_header.document_id
    doc.edoc_document_id = document_id
    doc.edxml = None  # the axis adapters build (and sign) the edXML after this transaction
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
            edoc=header,
            attachments=[signed_attachment(doc, version), *attached_files(doc)],
            message_type="edoc",
            from_code=ctx.agency.code,
            to_codes=[r["code"] for r in external],
            document_id=document_id,
        ),
        issue=document_id,
    )
    return document_id


async def _close_answered(work: Work, ctx: Context, doc: Document, actor: Principal) -> None:
    """The incoming document this one answers learns its answer, and its handling is finished."""
    if not doc.response_for_id:
        return
    answered = await work.session.get(Document, doc.response_for_id)
    if answered is not None:
        await handling.answered(work, ctx, answered, doc, actor)


def _issued_text(code: str, external: list[dict[str, Any]], inside: list[str]) -> str:
    """What the history says of an issue: where the document went, over the axes and inside."""
    parts = []
    if external:
        names = ", ".join(str(r.get("name") or r["code"]) for r in external)
        parts.append(f"gửi {len(external)} cơ quan qua trục liên thông ({names})")
    if inside:
        parts.append(f"chuyển nội bộ tới {', '.join(inside)}")
    return f"Ban hành văn bản {code}: {'; '.join(parts) or 'không có nơi nhận'}"


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
    edoc_id = await _send_to_axis(work, ctx, doc, version, external) if external else None
    inside = await deliver_internally(work, doc, actor)
    if doc.source in MODULE_SOURCES:
        inside.append("người có đơn (qua phân hệ Khiếu nại, tố cáo)")
    await _close_answered(work, ctx, doc, actor)
    doc.search_text = search_text(doc)
    history(work.session, doc, actor, "issued", _issued_text(doc.code, external, inside))
    audit(work.session, actor, "document.issued", f"document:{doc.id}", before, snapshot(doc))
    await work.emit(
        "document.issued",
        DocumentIssued(
            document_id=doc.id,
            number=doc.code,
            so_di=doc.number,
            year=doc.year,
            subject=told_subject(doc),
            recipients=[
                IssuedRecipient(
                    code=r.get("code") or r.get("unit_id") or r.get("user_id") or "", name=r.get("name")
                )
                for r in doc.recipients
            ],
            issued_at=doc.issued_at,
            edoc_document_id=edoc_id,
            response_for=doc.response_for_id,
            origin=doc.external_ref if doc.source in MODULE_SOURCES else None,
            file=ClaimCheck.model_validate(version.claim),
        ),
        issue=edoc_id or doc.id,
    )

"""Signatures asked of the signing service: the leader's approval signature and the organisation's
seal at issuing, matched to their outcome by correlation id (`doc_sign_requests`)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from handlers.documents.clock import local_date, now
from handlers.documents.models import DocSignRequest, Document, DocVersion
from handlers.documents.trail import history
from handlers.documents.versions import add_version
from hub.auth import Principal
from schemas.envelope import ClaimCheck
from schemas.signing import SignPdfRequested

if TYPE_CHECKING:
    from handlers.documents.context import Context
    from hub.runtime import Work


def _box(spec: tuple[int, float, float, float, float]) -> dict[str, float | int]:
    page, x1, y1, x2, y2 = spec
    return {"page": page, "x1": x1, "y1": y1, "x2": x2, "y2": y2}


async def request_signature(
    work: Work, ctx: Context, doc: Document, actor: Principal, version: DocVersion, stage: str, signer: str
) -> DocSignRequest:
    """Ask the signing service for a signature by `actor`, who must be bound to the signer's key (the
    service refuses otherwise); the outcome comes back in the same conversation."""
    correlation = uuid.uuid4()
    box = _box(ctx.settings.approval_box if stage == "approval" else ctx.settings.issue_box)
    if stage == "issue" and doc.seal_box:
        box = dict(doc.seal_box)  # a module's form puts its signatures elsewhere
    request: dict[str, Any] = {
        "signer": signer,
        "stage": stage,
        "box": box,
        "reason": "Phê duyệt văn bản" if stage == "approval" else "Ban hành văn bản",
    }
    if stage == "issue":
        request["document_number"] = doc.code
        request["issued_on"] = local_date(now()).isoformat()
    payload = SignPdfRequested.model_validate(
        {"document": ClaimCheck.model_validate(version.claim), "request": request, "user_id": actor.id}
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


async def pending(work: Work, correlation_id: str) -> tuple[DocSignRequest, Document] | None:
    """Our signature request of this conversation and its document, while it waits (None otherwise)."""
    request = await work.session.get(DocSignRequest, correlation_id)
    if request is None or request.state != "pending":
        return None  # somebody else's signature, or an outcome already applied
    doc = await work.session.get(Document, request.document_id)
    return None if doc is None else (request, doc)


def requester(request: DocSignRequest, full_name: str) -> Principal:
    """The person who asked for the signature, as the actor of what follows."""
    return Principal(id=request.requested_by, username=request.requested_by, full_name=full_name)


async def keep_signed(
    work: Work, request: DocSignRequest, doc: Document, signed: ClaimCheck, signer_subject: str
) -> DocVersion:
    """A signature came back: keep the signed revision; an approval signature makes the draft approved."""
    request.state = "signed"
    actor = requester(request, signer_subject)
    name = f"{doc.code or doc.id}.signed.pdf" if request.stage == "issue" else "du-thao.approved.pdf"
    version = await add_version(work, doc, actor, signed, name, kind=request.stage, note=signer_subject)
    if request.stage == "approval":
        doc.status = "approved"
        doc.updated_at = now()
        history(work.session, doc, actor, "approval_signed", f"Đã ký số phê duyệt ({signer_subject})")
    return version


def refused(work: Work, request: DocSignRequest, doc: Document, reason: str) -> None:
    """The signing service refused: the document goes back one step with the reason."""
    request.state = "refused"
    request.reason = reason
    actor = requester(request, request.requested_by)
    if request.stage == "approval":  # back to the leader, who may approve (and sign) again
        doc.status = "pending_approval"
        doc.approval_step = max(len(doc.approvers) - 1, 0)
    else:  # the number stays taken; the clerk may issue again
        doc.status = "issue_failed"
    doc.updated_at = now()
    history(work.session, doc, actor, "sign_refused", f"Ký số không thành công: {reason}")

"""Revisions of an outgoing document's file: drafts uploaded by the drafter, then the approval-signed
and the issue-signed PDFs that come back from the signing service."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select

from handlers.documents.clock import now
from handlers.documents.models import DocVersion
from handlers.documents.rules import status_word
from handlers.documents.trail import history
from hub.errors import Conflict, Forbidden
from hub.orgchart import LEADER, UNIT_HEAD

# What each kind of revision is, as the history says it.
KIND_WORDS = {"draft": "dự thảo", "approval": "đã ký số phê duyệt", "issue": "đã đóng dấu ban hành"}

if TYPE_CHECKING:
    from handlers.documents.models import Document
    from hub.auth import Principal
    from hub.runtime import Work
    from schemas.envelope import ClaimCheck


async def latest_version(work: Work, doc: Document) -> DocVersion | None:
    """The document's newest revision, if any."""
    stmt = (
        select(DocVersion)
        .where(DocVersion.document_id == doc.id)
        .order_by(DocVersion.version.desc())
        .limit(1)
    )
    found: DocVersion | None = await work.session.scalar(stmt)
    return found


def check_may_revise(doc: Document, actor: Principal) -> None:
    """Only a draft (or a returned one) is revised, by its drafter or a unit head or leader."""
    if doc.status not in ("draft", "returned"):
        raise Conflict(f"Chỉ sửa được dự thảo; văn bản đang ở trạng thái “{status_word(doc.status)}”")
    if actor.id != doc.created_by and not actor.has(UNIT_HEAD, LEADER):
        raise Forbidden("Chỉ người soạn thảo hoặc lãnh đạo được sửa dự thảo")


async def add_version(
    work: Work,
    doc: Document,
    actor: Principal,
    claim: ClaimCheck,
    name: str,
    kind: str = "draft",
    note: str = "",
) -> DocVersion:
    """Keep a new revision of the document's file (a draft only while the document is a draft)."""
    if kind == "draft":
        check_may_revise(doc, actor)
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
        f"Phiên bản {version.version} ({KIND_WORDS.get(kind, 'tệp')}): {name}",
        version=version.version,
    )
    return version

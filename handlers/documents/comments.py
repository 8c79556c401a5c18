"""A document's comment thread (trao đổi): whoever may read the document reads and writes it; the people
handling the document and those already in the thread are told of a new comment (a confidential
document's notice carries neither its subject nor the comment)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.documents.access import load_visible
from handlers.documents.models import DocComment, Document
from handlers.documents.secrecy import is_secret, told_subject
from handlers.documents.trail import audit
from hub import comments
from hub.comments import CommentView
from schemas.notify import NotifyRequested, urgency_of

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from hub.auth import Principal
    from hub.runtime import Work

KEY = "document_id"


async def thread_of(session: AsyncSession, actor: Principal, document_id: str) -> list[CommentView]:
    """The thread, oldest first (404 to who may not read the document)."""
    await load_visible(session, actor, document_id)
    return await comments.thread(session, DocComment, KEY, document_id, actor.id)


async def _concerned(session: AsyncSession, doc: Document, author: str) -> list[str]:
    """The active people handling the document or already in its thread, not the author."""
    wanted = {doc.created_by, doc.lead_officer_id, doc.signed_by, *doc.officer_ids, *doc.approvers}
    wanted |= await comments.commenters(session, DocComment, KEY, doc.id)
    return await comments.concerned(session, wanted, author)


async def post(work: Work, actor: Principal, document_id: str, text: str) -> DocComment:
    """Add the caller's comment to the document's thread and tell the people concerned."""
    doc = await load_visible(work.session, actor, document_id)
    row: DocComment = comments.new_comment(DocComment, KEY, doc.id, actor.id, text)
    work.session.add(row)
    audit(work.session, actor, "document.commented", f"document:{doc.id}", None, {"comment": row.id})
    people = await _concerned(work.session, doc, actor.id)
    if people:
        said = "Xem nội dung trên hệ thống." if is_secret(doc.confidentiality) else row.body[:300]
        notice = NotifyRequested(
            recipients=people,
            title=" ".join(f"Trao đổi mới: {told_subject(doc)}".split())[:300],
            body=f"{actor.full_name or 'Cán bộ'}: {said}",
            urgency=urgency_of(doc.priority),
            link=f"/staff/van-ban/{doc.id}#trao-doi",
            dedup_key=f"document.comment:{row.id}",
            source_type="document.commented",
            issue=doc.id,
        )
        await work.emit("notify.requested", notice, issue=doc.id)
    return row

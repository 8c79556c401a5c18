"""Delivery inside the agency when a document is issued: each unit or person it is addressed to may
read it and finds it among the documents sent to them (`to_unit` / `to_user` grants), and its people
are notified by the document's urgency (`notify.requested`: Hỏa tốc and Hỏa tốc hẹn giờ reach them at
once on every channel, whatever their quiet hours)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from handlers.documents.access import TO_UNIT, TO_USER, grant, granted_to
from handlers.documents.clock import now
from handlers.documents.models import DocDelivery, Document
from handlers.documents.secrecy import is_secret, told_subject
from hub.orgchart import UNIT_HEAD, User
from schemas.notify import NotifyRequested, urgency_of

if TYPE_CHECKING:
    from hub.auth import Principal
    from hub.runtime import Work

INTERNAL = "internal"


def internal_recipients(doc: Document) -> list[dict[str, Any]]:
    """The units and people of the agency the document is addressed to."""
    return [r for r in doc.recipients if r.get("unit_id") or r.get("user_id")]


async def _members(work: Work, unit_id: str, *, secret: bool) -> list[str]:
    """The active people of a unit; of a confidential document, only its heads (who may read it)."""
    rows = await work.session.execute(select(User).where(User.unit_id == unit_id, User.active))
    return [u.id for u in rows.scalars() if not secret or UNIT_HEAD in (u.roles or [])]


def notice_of(doc: Document, people: list[str], names: list[str]) -> NotifyRequested:
    """What the people a document was sent to are told, as urgently as the document is marked."""
    mark = f"{doc.priority} · " if doc.priority != "Thường" else ""
    title = f"{mark}{doc.document_type or 'Văn bản'} {doc.code or ''}: {told_subject(doc)}"
    body = f"{doc.from_agency or 'Cơ quan'} ban hành, gửi {', '.join(names)}."
    if doc.due_date:
        body += f" Hạn xử lý: {doc.due_date:%d/%m/%Y}."
    return NotifyRequested(
        recipients=people,
        title=" ".join(title.split())[:300],
        body=body[:4000],
        urgency=urgency_of(doc.priority),
        link=f"/staff/van-ban/{doc.id}",
        dedup_key=f"document.issued:{doc.id}",
        source_type="document.issued",
        issue=doc.id,
    )


async def deliver_internally(work: Work, doc: Document, actor: Principal) -> list[str]:
    """Hand the issued document to its units and people; the names of those it reached."""
    inside = internal_recipients(doc)
    if not inside:
        return []
    granted = await granted_to(work.session, doc)
    people: dict[str, None] = {}
    names: list[str] = []
    for r in inside:
        if unit_id := r.get("unit_id"):
            grant(work.session, doc, "unit", unit_id, granted)
            grant(work.session, doc, TO_UNIT, unit_id, granted)
            members = await _members(work, unit_id, secret=is_secret(doc.confidentiality))
            key = f"unit:{unit_id}"
        else:
            user_id = r["user_id"]
            grant(work.session, doc, "user", user_id, granted)
            grant(work.session, doc, TO_USER, user_id, granted)
            members, key = [user_id], f"user:{user_id}"
        people.update(dict.fromkeys(members))
        names.append(str(r.get("name") or key))
        work.session.add(
            DocDelivery(
                document_id=doc.id,
                to_code=key,
                to_name=r.get("name"),
                transport=INTERNAL,
                status_text=f"Đã chuyển tới {len(members)} người",
                statuses=[],
                updated_at=now(),
            )
        )
    told = [p for p in people if p != actor.id]
    if told:
        await work.emit("notify.requested", notice_of(doc, told, names), issue=doc.id)
    return names

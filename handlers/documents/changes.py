"""Requests of a sending agency about a document it sent us: revoke (type 1 or status 13), update (type 2)
and replace (type 3), applied as Decree 30 Art. 18 and App. VI Part I require, answered with 15 or 16."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from handlers.documents.clock import now
from handlers.documents.context import SYSTEM, Context
from handlers.documents.incoming import Incoming
from handlers.documents.models import INCOMING, OUTGOING, DocDelivery, Document
from handlers.documents.rules import status_word
from handlers.documents.search import search_text
from handlers.documents.statuses import ask_recipients_to_give_back, send_status
from handlers.documents.store import read_claim
from handlers.documents.trail import audit, history, snapshot
from hub.auth import Principal
from hub.errors import Conflict, Forbidden, Invalid
from hub.orgchart import LEADER
from schemas.edxml import AttachmentInfo, Bussiness, EdxmlError, StatusCode, stream_edoc

if TYPE_CHECKING:
    from hub.runtime import Work
    from schemas.envelope import ClaimCheck

FINAL = ("completed",)


class _Discard:
    def write(self, data: bytes) -> None:
        """Drop attachment content: only the header is read here."""

    def close(self) -> None:
        """Nothing to close."""


def _discard(_: AttachmentInfo) -> _Discard:
    return _Discard()


def _read_business(path: Path) -> Bussiness | None:
    return stream_edoc(path, _discard).header.trace_header_list.bussiness


async def business_of(work: Work, edxml: ClaimCheck) -> Bussiness | None:
    """The Bussiness block of a stored edoc (None when it cannot be read)."""
    with tempfile.TemporaryDirectory(prefix="doc-edxml-") as tmp:
        path = Path(tmp) / "message.edxml"
        path.write_bytes(await read_claim(work.hub, edxml))
        try:
            return await asyncio.to_thread(_read_business, path)
        except EdxmlError:
            return None


async def _target(work: Work, edoc_document_id: str, sender: str) -> Document | None:
    stmt = select(Document).where(
        Document.direction == INCOMING,
        Document.edoc_document_id == edoc_document_id,
        Document.from_code == sender,
    )
    found: Document | None = await work.session.scalar(stmt)
    return found


def _stand_in(item: Incoming, edoc_document_id: str) -> Document:
    """An unsaved document naming the sender, to answer 16 about a document we do not hold."""
    return Document(
        id="-",
        axis=item.axis,
        from_code=item.from_code,
        edoc_document_id=edoc_document_id,
        code=None,
        issued_date=None,
    )


async def _answer(work: Work, ctx: Context, doc: Document, accepted: bool, reason: str | None = None) -> None:
    code = StatusCode.CHANGE_ACCEPTED if accepted else StatusCode.CHANGE_REJECTED
    await send_status(work, ctx.agency, doc, code, SYSTEM, reason)


async def revoke(
    work: Work, ctx: Context, item: Incoming, edoc_document_id: str, reason: str, actor: Principal = SYSTEM
) -> Document | None:
    """Revoke a received document: its content and metadata are destroyed, the register row stays."""
    doc = await _target(work, edoc_document_id, item.from_code or "")
    if doc is None:
        await _answer(work, ctx, _stand_in(item, edoc_document_id), False, "không có văn bản này")
        return None
    if doc.status in FINAL:
        await _answer(work, ctx, doc, False, "văn bản đã được xử lý xong")
        history(
            work.session,
            doc,
            actor,
            "revoke_refused",
            f"Từ chối yêu cầu thu hồi: đã xử lý xong. {reason}",
            "16",
        )
        return doc
    if doc.status == "revoked":
        await _answer(work, ctx, doc, True)
        return doc
    before = snapshot(doc)
    doc.status = "revoked"
    doc.attachments = []
    doc.edxml = None
    doc.note = f"Văn bản đã bị bên gửi thu hồi. {reason}".strip()
    doc.search_text = ""
    doc.body_text = doc.index_note = ""
    doc.updated_at = now()
    history(work.session, doc, actor, "revoked", doc.note, "15", reason=reason)
    audit(work.session, actor, "document.revoked", f"document:{doc.id}", before, snapshot(doc), reason=reason)
    await _answer(work, ctx, doc, True)
    return doc


async def update(
    work: Work, ctx: Context, item: Incoming, edoc_document_id: str, actor: Principal = SYSTEM
) -> Document | None:
    """Apply an update from the sender to a document not yet handled to the end."""
    doc = await _target(work, edoc_document_id, item.from_code or "")
    if doc is None or doc.status in ("revoked", "rejected"):
        await _answer(work, ctx, _stand_in(item, edoc_document_id), False, "không có văn bản này")
        return None
    if doc.status in FINAL:
        await _answer(work, ctx, doc, False, "văn bản đã được xử lý xong")
        history(work.session, doc, actor, "update_refused", "Từ chối yêu cầu cập nhật: đã xử lý xong", "16")
        return doc
    before = snapshot(doc)
    changes: dict[str, Any] = {}
    for name in ("subject", "code", "issued_date", "due_date", "priority", "document_type", "signer_name"):
        value = getattr(item, name)
        if value is not None and value != getattr(doc, name):
            changes[name] = {"from": _json(getattr(doc, name)), "to": _json(value)}
            setattr(doc, name, value)
    if "due_date" in changes and doc.assigned_at is None:
        doc.deadline = doc.due_date  # the sender's new deadline, until a leader gives one
    doc.attachments = item.attachments or doc.attachments
    doc.edxml = item.edxml or doc.edxml
    if item.attachments:
        doc.body_text = doc.index_note = ""  # the new files are indexed again after the change
    doc.search_text = search_text(doc)
    doc.updated_at = now()
    history(work.session, doc, actor, "updated", "Cập nhật theo yêu cầu của bên gửi", "15", changes=changes)
    audit(
        work.session, actor, "document.updated", f"document:{doc.id}", before, snapshot(doc), changes=changes
    )
    await _answer(work, ctx, doc, True)
    return doc


async def replaced(work: Work, ctx: Context, new: Document, item: Incoming, replaced_ids: list[str]) -> None:
    """Mark the documents a new one replaces (the new one is registered as a document of its own)."""
    for edoc_id in replaced_ids:
        doc = await _target(work, edoc_id, item.from_code or "")
        if doc is None:
            await _answer(work, ctx, _stand_in(item, edoc_id), False, "không có văn bản bị thay thế")
            continue
        before = snapshot(doc)
        doc.status = "replaced" if doc.status not in FINAL else doc.status
        doc.answered_by_id = doc.answered_by_id
        doc.note = f"Bị thay thế bởi văn bản {new.code or new.edoc_document_id} (số đến {new.number or '—'})"
        doc.updated_at = now()
        history(work.session, doc, SYSTEM, "replaced", doc.note, "15", replaced_by=new.id)
        history(
            work.session,
            new,
            SYSTEM,
            "replaces",
            f"Thay thế văn bản số đến {doc.number or '—'}",
            None,
            replaces=doc.id,
        )
        audit(
            work.session, SYSTEM, "document.replaced", f"document:{doc.id}", before, snapshot(doc), by=new.id
        )
        await _answer(work, ctx, doc, True)


async def take_back(
    work: Work, ctx: Context, edoc_document_id: str, sender: str, reason: str
) -> Document | None:
    """Status 13 from the sender: give the document back (revoke it) unless its handling is finished."""
    stand_in = Incoming(subject="", from_agency="", source="axis", from_code=sender, axis="vdxp")
    doc = await _target(work, edoc_document_id, sender)
    if doc is not None:
        stand_in.axis = doc.axis
    return await revoke(work, ctx, stand_in, edoc_document_id, reason)


def _json(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value


async def withdraw(work: Work, ctx: Context, doc: Document, actor: Principal, reason: str) -> Document:
    """A leader revokes one of our issued documents (Decree 30 App. VI I.III.8.a): it is frozen as it
    was issued (status "revoked", nothing more can change it), and every recipient over an axis is asked
    to give it back (status 13); their answers (15, 16) arrive on the deliveries."""
    if not actor.has(LEADER):
        raise Forbidden("Chỉ lãnh đạo có thẩm quyền mới thu hồi văn bản đã ban hành")
    if doc.direction != OUTGOING or doc.status != "issued":
        raise Conflict(f"Chỉ thu hồi được văn bản đi đã ban hành; văn bản này {status_word(doc.status)}")
    if not reason.strip():
        raise Invalid("Cần ghi lý do thu hồi", field="reason")
    before = snapshot(doc)
    doc.status = "revoked"
    doc.note = f"Văn bản đã bị thu hồi theo quyết định của {actor.full_name}. Lý do: {reason}".strip()
    doc.updated_at = now()
    deliveries = list(
        (await work.session.execute(select(DocDelivery).where(DocDelivery.document_id == doc.id))).scalars()
    )
    asked = [d.to_code for d in deliveries if d.transport not in ("failed", "internal")]
    if asked and doc.edoc_document_id:
        await ask_recipients_to_give_back(work, ctx.agency, doc, actor, reason, asked)
    told = f" Đã đề nghị {len(asked)} nơi nhận qua trục trả lại văn bản." if asked else ""
    history(
        work.session, doc, actor, "withdrawn", f"{doc.note}.{told}".replace("..", "."), "13", reason=reason
    )
    audit(
        work.session, actor, "document.withdrawn", f"document:{doc.id}", before, snapshot(doc), reason=reason
    )
    return doc

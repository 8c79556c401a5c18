"""Electronic documents the axis intake refused, kept for the clerk (văn thư): the axis answered the
sender with a 02 and told the operator; the clerk, who would otherwise wait for a document that never
comes, sees who sent what and why it was refused. Clerks and leaders read the list (README "Access
rules"); nobody changes it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from handlers.documents.access import require
from handlers.documents.models import INCOMING, DocRefusal, Document
from hub.orgchart import CLERK, LEADER

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from handlers.documents.context import Context
    from hub.auth import Principal
    from hub.runtime import Delivery
    from schemas.axis import AxisReceiveFailed

UNREADABLE = "Văn bản điện tử không đúng định dạng edXML hoặc không đọc được"
"""Shown when the intake could not say more in Vietnamese (it always tries: `told`)."""


def _sentence(told: str | None) -> str:
    """The intake's reason as a sentence for the page: capital first letter, a full stop."""
    text = (told or "").strip()
    if not text:
        return UNREADABLE + "."
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


async def _sender_name(session: AsyncSession, ctx: Context, code: str | None) -> str | None:
    """The sending agency's name: the directory, else what an earlier document from it said."""
    if not code:
        return None
    known = dict(ctx.settings.agencies).get(code)
    if known:
        return known
    earlier = await session.scalar(
        select(Document.from_agency)
        .where(Document.direction == INCOMING, Document.from_code == code, Document.from_agency.is_not(None))
        .limit(1)
    )
    return str(earlier) if earlier else None


async def record(d: Delivery, ctx: Context, p: AxisReceiveFailed) -> None:
    """Keep one refusal (once per event: a redelivery finds its row)."""
    envelope = d.envelope
    if await d.session.get(DocRefusal, str(envelope.id)) is not None:
        return
    d.session.add(
        DocRefusal(
            id=str(envelope.id),
            at=envelope.occurred_at.astimezone(UTC),
            axis=p.axis,
            from_code=p.from_code,
            from_name=await _sender_name(d.session, ctx, p.from_code),
            code=p.code,
            subject=p.subject,
            edoc_document_id=p.document_id,
            reason=_sentence(p.told),
            rejection_sent=p.rejection_sent,
        )
    )


async def listing(
    session: AsyncSession, actor: Principal, since: datetime, limit: int, offset: int = 0
) -> tuple[list[DocRefusal], int]:
    """Refusals since a moment, newest first, and how many there are; clerks and leaders only (403)."""
    require(actor, CLERK, LEADER)
    where = DocRefusal.at >= since
    total = int(await session.scalar(select(func.count()).select_from(DocRefusal).where(where)) or 0)
    rows = await session.execute(
        select(DocRefusal).where(where).order_by(DocRefusal.at.desc()).limit(limit).offset(offset)
    )
    return list(rows.scalars()), total

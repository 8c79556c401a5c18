"""Work dossiers (hồ sơ công việc): gather documents and notes of one matter in order, close, export,
hand over to the archive with a retention period (Decree 30 Art. 28-31, App. V and VI)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from sqlalchemy import select

from handlers.documents.access import can_see, not_found, sees_everything
from handlers.documents.clock import local_date, now
from handlers.documents.exports import DossierEntry, DossierEntryHeader, Download, dossier_pdf, dossier_xml
from handlers.documents.models import DocDossier, DocDossierItem, Document
from handlers.documents.store import new_id
from handlers.documents.trail import audit
from hub.auth import Principal
from hub.errors import Conflict, Forbidden, Invalid
from hub.orgchart import CLERK

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from hub.runtime import Work


async def create(
    work: Work,
    actor: Principal,
    *,
    title: str,
    notation: str,
    description: str,
    maintenance: str,
    organ_id: str,
) -> DocDossier:
    """Open a dossier; its FileCode is OrganId.year.notation and must be unique."""
    year = local_date(now()).year
    file_code = f"{organ_id}.{year}.{notation}"
    exists = await work.session.scalar(select(DocDossier.id).where(DocDossier.file_code == file_code))
    if exists is not None:
        raise Conflict(f"Mã hồ sơ {file_code} đã tồn tại", field="notation")
    dossier = DocDossier(
        id=new_id(),
        file_code=file_code,
        title=title,
        status="open",
        maintenance=maintenance,
        description=description,
        unit_id=actor.unit_id,
        creator_id=actor.id,
        created_at=now(),
        rights="Hạn chế",
        language="Tiếng Việt",
    )
    work.session.add(dossier)
    audit(
        work.session,
        actor,
        "dossier.created",
        f"dossier:{dossier.id}",
        None,
        {"file_code": file_code, "title": title},
    )
    return dossier


def _may_edit(dossier: DocDossier, actor: Principal) -> None:
    if (
        actor.id != dossier.creator_id
        and not (actor.unit_id and actor.unit_id == dossier.unit_id)
        and not sees_everything(actor)
    ):
        raise not_found("Hồ sơ")


async def load(session: AsyncSession, actor: Principal, dossier_id: str) -> DocDossier:
    """The dossier if the caller may work on it (its creator, its unit, clerks and leaders); 404 else."""
    dossier = await session.get(DocDossier, dossier_id)
    if dossier is None:
        raise not_found("Hồ sơ")
    _may_edit(dossier, actor)
    return dossier


async def add_item(
    work: Work, actor: Principal, dossier_id: str, *, document_id: str | None, note: str | None
) -> DocDossierItem:
    """Add a document (one the caller may see) or a note to an open dossier."""
    dossier = await load(work.session, actor, dossier_id)
    if dossier.status != "open":
        raise Conflict("Hồ sơ đã đóng, không thêm được")
    if (document_id is None) == (note is None):
        raise Invalid("Thêm một văn bản (document_id) hoặc một ghi chú (note)", field="document_id")
    if document_id is not None:
        doc = await work.session.get(Document, document_id)
        if doc is None or not await can_see(work.session, actor, doc):
            raise not_found()
        dup = await work.session.scalar(
            select(DocDossierItem.id).where(
                DocDossierItem.dossier_id == dossier.id, DocDossierItem.document_id == document_id
            )
        )
        if dup is not None:
            raise Conflict("Văn bản đã có trong hồ sơ", field="document_id")
    item = DocDossierItem(
        dossier_id=dossier.id, document_id=document_id, note=note, at=now(), added_by=actor.id
    )
    work.session.add(item)
    audit(
        work.session,
        actor,
        "dossier.item_added",
        f"dossier:{dossier.id}",
        None,
        {"document_id": document_id, "note": note},
    )
    return item


def document_time(doc: Document) -> datetime:
    """When a document enters the matter: arrival for incoming, issue (or creation) for outgoing."""
    return doc.arrived_at or doc.issued_at or doc.created_at


async def entries(session: AsyncSession, dossier: DocDossier, actor: Principal) -> list[DossierEntry]:
    """The dossier's documents the person may see, and its notes, in chronological order."""
    rows = (
        await session.execute(select(DocDossierItem).where(DocDossierItem.dossier_id == dossier.id))
    ).scalars()
    out: list[DossierEntry] = []
    for item in rows:
        if item.document_id is not None:
            doc = await session.get(Document, item.document_id)
            if doc is not None and await can_see(session, actor, doc):
                label = f"{doc.document_type or ''} {doc.subject}".strip()
                out.append(DossierEntry(at=document_time(doc), kind=doc.direction, title=label, document=doc))
        else:
            out.append(DossierEntry(at=item.at, kind="note", title=item.note or ""))
    out.sort(key=lambda e: _aware(e.at))
    return out


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def header(dossier: DocDossier, items: list[DossierEntry], organ_id: str) -> DossierEntryHeader:
    """What the export shows about the dossier: its span of dates and how many documents it holds."""
    dates = [local_date(e.at) for e in items]
    docs = [e for e in items if e.document is not None]
    return DossierEntryHeader(
        dossier=dossier,
        organ_id=organ_id,
        start=min(dates) if dates else None,
        end=max(dates) if dates else None,
        doc_total=len(docs),
        page_total=sum(e.pages for e in docs),
    )


async def close(work: Work, actor: Principal, dossier_id: str) -> DocDossier:
    """Close an open dossier (nothing more can be added)."""
    dossier = await load(work.session, actor, dossier_id)
    if dossier.status != "open":
        raise Conflict(f"Hồ sơ đang ở trạng thái {dossier.status}")
    dossier.status = "closed"
    dossier.closed_at = now()
    audit(
        work.session,
        actor,
        "dossier.closed",
        f"dossier:{dossier.id}",
        {"status": "open"},
        {"status": "closed"},
    )
    return dossier


async def archive(work: Work, actor: Principal, dossier_id: str, retention: str) -> DocDossier:
    """Hand a closed dossier over to the agency archive with its retention period (clerk)."""
    dossier = await load(work.session, actor, dossier_id)
    if not actor.has(CLERK):
        raise Forbidden("Chỉ văn thư, lưu trữ nhận hồ sơ vào lưu trữ cơ quan")
    if dossier.status != "closed":
        raise Conflict("Chỉ nộp lưu được hồ sơ đã đóng")
    if not retention.strip():
        raise Invalid("Cần ghi thời hạn bảo quản", field="retention")
    dossier.status = "archived"
    dossier.archived_at = now()
    dossier.retention = retention
    audit(
        work.session,
        actor,
        "dossier.archived",
        f"dossier:{dossier.id}",
        {"status": "closed"},
        {"status": "archived", "retention": retention},
    )
    return dossier


async def read(
    session: AsyncSession, actor: Principal, dossier_id: str
) -> tuple[DocDossier, list[DossierEntry]]:
    """A dossier with its documents and notes in chronological order."""
    dossier = await load(session, actor, dossier_id)
    return dossier, await entries(session, dossier, actor)


async def export_file(
    session: AsyncSession, actor: Principal, dossier_id: str, fmt: Literal["pdf", "xml"], organ_id: str
) -> Download:
    """A dossier as PDF (its contents in order) or XML metadata (Decree 30 App. VI); the export is audited."""
    dossier, items = await read(session, actor, dossier_id)
    head = header(dossier, items, organ_id)
    audit(session, actor, "dossier.exported", f"dossier:{dossier.id}", None, None, format=fmt)
    if fmt == "pdf":  # rendered off the event loop, like the registers
        pdf = await asyncio.to_thread(dossier_pdf, head, items)
        return Download(pdf, "application/pdf", f"{dossier.file_code}.pdf")
    xml = await asyncio.to_thread(dossier_xml, head, items)
    return Download(xml, "application/xml", f"{dossier.file_code}.xml")

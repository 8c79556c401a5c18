"""Work dossiers (hồ sơ công việc): gather documents and notes of one matter in order, close, export,
hand over to the archive with a retention period (Decree 30 Art. 28-31, App. V and VI)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Literal

from sqlalchemy import ColumnElement, and_, case, func, or_, select, true

from handlers.documents.access import can_see, not_found, sees_everything, visible_clause
from handlers.documents.clock import local_date, now, today
from handlers.documents.exports import (
    XLSX,
    DossierEntry,
    DossierEntryHeader,
    Download,
    Register,
    dossier_pdf,
    dossier_xml,
    print_mark,
    register_pdf,
    register_xlsx,
)
from handlers.documents.models import DocDossier, DocDossierItem, Document
from handlers.documents.rules import fold, status_word
from handlers.documents.store import new_id
from handlers.documents.trail import audit
from hub.auth import Principal
from hub.errors import Conflict, Forbidden, Invalid
from hub.offload import in_worker
from hub.orgchart import CLERK, Unit, User
from schemas.edxml.codes import VN_TZ

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
        if doc.status in ("revoked", "rejected") and doc.direction == "in":
            word = status_word(doc.status)
            raise Conflict(f"Văn bản {word}, không đưa vào hồ sơ được", field="document_id")
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
        raise Conflict(
            f"Hồ sơ {STATUS_LABELS.get(dossier.status, dossier.status).lower()}, không đóng lại được"
        )
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
        pdf = await asyncio.to_thread(dossier_pdf, head, items, print_mark(actor.full_name, now()))
        return Download(pdf, "application/pdf", f"{dossier.file_code}.pdf")
    xml = await asyncio.to_thread(dossier_xml, head, items)
    return Download(xml, "application/xml", f"{dossier.file_code}.xml")


STATUS_LABELS = {"open": "Đang mở", "closed": "Đã đóng", "archived": "Đã nộp lưu"}
# A closed dossier goes to the agency archive within a year of the matter's end (archives law); the
# clerk's screen warns NOTICE_DAYS before (Decree 30 App. VI I.III.5.b).
TRANSFER_AFTER_YEARS = 1
NOTICE_DAYS = 30


def transfer_due(dossier: DocDossier) -> date | None:
    """The last day a closed dossier may wait before it goes to the agency archive; None otherwise."""
    if dossier.status != "closed" or dossier.closed_at is None:
        return None
    return _years_on(local_date(dossier.closed_at), TRANSFER_AFTER_YEARS)


def _years_on(day: date, years: int) -> date:
    """The same day `years` later (or earlier, when negative); 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _due_for_transfer(day: date) -> ColumnElement[bool]:
    """SQL: closed dossiers whose transfer is due within NOTICE_DAYS of `day` (or already late)."""
    latest = day + timedelta(days=NOTICE_DAYS)
    cutoff = _years_on(latest, -TRANSFER_AFTER_YEARS) + timedelta(days=1)
    until = datetime.combine(cutoff, time(), VN_TZ).astimezone(UTC)
    return and_(DocDossier.status == "closed", DocDossier.closed_at < until)


@dataclass
class Listed:
    """A dossier as a list shows it: the row, who made it, how many documents and notes it holds, the
    span of its entries' dates."""

    dossier: DocDossier
    creator_name: str
    unit_name: str
    documents: int
    notes: int
    first: datetime | None
    last: datetime | None


def _visible(actor: Principal) -> ColumnElement[bool]:
    """The dossiers a person may list: clerks and leaders every one; others their own and their unit's."""
    if sees_everything(actor):
        return true()
    mine = DocDossier.creator_id == actor.id
    return or_(mine, DocDossier.unit_id == actor.unit_id) if actor.unit_id else mine


async def listing(
    session: AsyncSession,
    actor: Principal,
    *,
    q: str = "",
    status: str | None = None,
    year: int | None = None,
    creator: str | None = None,
    document: str | None = None,
    transfer: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Listed], int]:
    """The dossiers the person may see, newest first, with the total before paging: by words of the
    title, code or description (diacritics ignored), status, year opened, creator, a document they
    hold, and whether they are due for the agency archive within NOTICE_DAYS."""
    if status is not None and status not in STATUS_LABELS:
        raise Invalid(f"Trạng thái hồ sơ không hợp lệ: {status}", field="status")
    query = select(DocDossier).where(_visible(actor)).order_by(DocDossier.created_at.desc(), DocDossier.id)
    if status:
        query = query.where(DocDossier.status == status)
    if creator:
        query = query.where(DocDossier.creator_id == creator)
    if document:
        holding = select(DocDossierItem.dossier_id).where(DocDossierItem.document_id == document)
        query = query.where(DocDossier.id.in_(holding))
    if transfer:  # due for the agency archive within NOTICE_DAYS, soonest first
        query = (
            query.where(_due_for_transfer(today()))
            .order_by(None)
            .order_by(DocDossier.closed_at, DocDossier.id)
        )
    if year:
        query = query.where(DocDossier.file_code.like(f"%.{year}.%"))  # FileCode = OrganId.year.notation
    rows = list((await session.execute(query)).scalars())
    words = fold(q).split()
    if words:
        rows = [d for d in rows if all(w in fold(f"{d.file_code} {d.title} {d.description}") for w in words)]
    page = rows[offset : offset + limit]
    return await _described(session, actor, page), len(rows)


async def _described(session: AsyncSession, actor: Principal, rows: list[DocDossier]) -> list[Listed]:
    """Each dossier with the documents the person may read in it (and its notes) counted, and their span."""
    ids = [d.id for d in rows]
    if not ids:
        return []
    readable = and_(DocDossierItem.document_id.is_not(None), visible_clause(actor))
    shown = or_(DocDossierItem.note.is_not(None), readable)
    spans = {
        dossier_id: (docs or 0, notes, first, last)
        for dossier_id, docs, notes, first, last in await session.execute(
            select(
                DocDossierItem.dossier_id,
                func.sum(case((readable, 1), else_=0)),
                func.count(DocDossierItem.note),
                func.min(case((shown, DocDossierItem.at))),
                func.max(case((shown, DocDossierItem.at))),
            )
            .outerjoin(Document, Document.id == DocDossierItem.document_id)
            .where(DocDossierItem.dossier_id.in_(ids))
            .group_by(DocDossierItem.dossier_id)
        )
    }
    people = dict(
        (
            await session.execute(
                select(User.id, User.full_name).where(User.id.in_({d.creator_id for d in rows}))
            )
        )
        .tuples()
        .all()
    )
    units = dict((await session.execute(select(Unit.id, Unit.name))).tuples().all())
    out = []
    for d in rows:
        docs, notes, first, last = spans.get(d.id, (0, 0, None, None))
        out.append(
            Listed(
                dossier=d,
                creator_name=people.get(d.creator_id, d.creator_id),
                unit_name=units.get(d.unit_id or "", ""),
                documents=int(docs),
                notes=int(notes),
                first=first,
                last=last,
            )
        )
    return out


@dataclass
class CreatorCount:
    """How many dossiers one account made, by status (Decree 30 App. VI I.III.4.đ)."""

    creator_id: str
    creator_name: str
    open: int
    closed: int
    archived: int

    @property
    def total(self) -> int:
        return self.open + self.closed + self.archived


async def counts(session: AsyncSession, actor: Principal, year: int | None = None) -> list[CreatorCount]:
    """The dossiers the person may see, counted per creator and status, most first."""
    query = (
        select(DocDossier.creator_id, DocDossier.status, func.count())
        .where(_visible(actor))
        .group_by(DocDossier.creator_id, DocDossier.status)
    )
    if year:
        query = query.where(DocDossier.file_code.like(f"%.{year}.%"))
    found: dict[str, dict[str, int]] = {}
    for creator_id, state, n in await session.execute(query):
        found.setdefault(creator_id, {})[state] = int(n)
    people = dict(
        (await session.execute(select(User.id, User.full_name).where(User.id.in_(found)))).tuples().all()
    )
    rows = [
        CreatorCount(c, people.get(c, c), by.get("open", 0), by.get("closed", 0), by.get("archived", 0))
        for c, by in found.items()
    ]
    return sorted(rows, key=lambda r: (-r.total, r.creator_name))


INDEX_COLUMNS = (
    "Số TT",
    "Mã hồ sơ",
    "Tiêu đề hồ sơ",
    "Đơn vị, người lập",
    "Thời gian bắt đầu - kết thúc",
    "Số văn bản",
    "Thời hạn bảo quản",
    "Ghi chú",
)
INDEX_WIDTHS = (12, 42, 80, 40, 34, 16, 24, 25)


def index_rows(listed: list[Listed]) -> list[list[str]]:
    """The dossier index (Mục lục hồ sơ, Decree 30 App. VI I.V.6): one row per dossier, oldest first."""
    rows = []
    for n, item in enumerate(sorted(listed, key=lambda i: i.dossier.file_code), start=1):
        d = item.dossier
        span = (
            f"{local_date(item.first):%d/%m/%Y} - {local_date(item.last):%d/%m/%Y}"
            if item.first and item.last
            else ""
        )
        rows.append(
            [
                str(n),
                d.file_code,
                d.title,
                ", ".join(p for p in (item.unit_name, item.creator_name) if p),
                span,
                str(item.documents),
                d.retention or d.maintenance,
                STATUS_LABELS.get(d.status, d.status),
            ]
        )
    return rows


async def index_file(
    session: AsyncSession, actor: Principal, year: int, fmt: Literal["pdf", "xlsx"]
) -> Download:
    """The dossier index of a year as PDF or XLSX, of the dossiers the person may see; audited."""
    listed, _ = await listing(session, actor, year=year, limit=100_000)
    register = Register(
        title=f"MỤC LỤC HỒ SƠ NĂM {year}",
        columns=INDEX_COLUMNS,
        rows=index_rows(listed),
        widths=INDEX_WIDTHS,
        printed=print_mark(actor.full_name, now()),
    )
    audit(session, actor, "dossier.index_exported", f"dossier-index:{year}", None, None, format=fmt)
    if fmt == "pdf":
        return Download(
            await in_worker(register_pdf, register), "application/pdf", f"muc-luc-ho-so-{year}.pdf"
        )
    return Download(await in_worker(register_xlsx, register), XLSX, f"muc-luc-ho-so-{year}.xlsx")

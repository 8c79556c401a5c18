"""Searches a person keeps and takes away (Decree 30 App. VI I.III.6.e, h, k): searches saved by name
in the person's preferences and used again, and the results of a search exported to .pdf, .docx or
.xlsx, marked with who exported them and when, and audited."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from handlers.documents.clock import local_date, now
from handlers.documents.exports import (
    XLSX,
    Download,
    Register,
    print_mark,
    register_docx,
    register_pdf,
    register_xlsx,
)
from handlers.documents.models import INCOMING, Document
from handlers.documents.rules import status_word
from handlers.documents.search import ORDERS, SearchQuery, effective_deadline, search
from handlers.documents.trail import audit
from hub.errors import Invalid, NotFound
from hub.offload import in_worker
from hub.orgchart import User
from schemas.edxml.codes import VN_TZ as VN

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from hub.auth import Principal

PREFERENCE = "documents.saved_searches"
MOST_SAVED = 20
MOST_EXPORTED = 5000  # rows of one export; the caption says when a search found more
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
RESULT_COLUMNS = (
    "STT",
    "Số, ký hiệu",
    "Ngày",
    "Trích yếu",
    "Nơi gửi, nơi nhận",
    "Loại",
    "Trạng thái",
    "Hạn xử lý",
)
RESULT_WIDTHS = (10, 32, 20, 90, 50, 22, 30, 19)
DIRECTIONS = {"in": "Văn bản đến", "out": "Văn bản đi"}


@dataclass(frozen=True)
class Saved:
    """A search kept under a name: the filters of the documents list, as the list takes them."""

    name: str
    q: str = ""
    direction: str = ""
    status: str = ""
    deadline_status: str = ""
    year: str = ""
    addressed: str = ""
    order: str = ""
    columns: str = ""  # the list's chosen columns, comma-separated (the staff page's names)

    def query(self) -> SearchQuery:
        return SearchQuery(
            q=self.q or None,
            direction=self.direction or None,
            status=self.status or None,
            deadline_status=self.deadline_status or None,
            year=int(self.year) if self.year.isdigit() else None,
            addressed=self.addressed in ("1", "true"),
            order=self.order or "newest",
        )


def _kept(user: User) -> list[Saved]:
    known = {f.name for f in fields(Saved)}
    raw = (user.preferences or {}).get(PREFERENCE) or []
    return [Saved(**{k: str(v) for k, v in item.items() if k in known}) for item in raw if item.get("name")]


async def _user(session: AsyncSession, actor: Principal) -> User:
    user = await session.get(User, actor.id)
    if user is None:
        raise NotFound("Không tìm thấy tài khoản")
    return user


async def saved(session: AsyncSession, actor: Principal) -> list[Saved]:
    """The person's saved searches, in the order they were saved."""
    return _kept(await _user(session, actor))


async def save(session: AsyncSession, actor: Principal, search_: Saved) -> list[Saved]:
    """Keep a search under its name (the same name replaces the older one); at most MOST_SAVED."""
    name = search_.name.strip()
    if not name or len(name) > 80:
        raise Invalid("Tên tìm kiếm cần từ 1 đến 80 ký tự", field="name")
    if search_.order and search_.order not in ORDERS:
        raise Invalid(f"Thứ tự không hợp lệ: {search_.order}", field="order")
    user = await _user(session, actor)
    kept = [s for s in _kept(user) if s.name != name]
    if len(kept) >= MOST_SAVED:
        raise Invalid(f"Chỉ lưu được tối đa {MOST_SAVED} tìm kiếm; hãy xóa bớt", field="name")
    kept.append(Saved(**{**asdict(search_), "name": name}))
    user.preferences = {**(user.preferences or {}), PREFERENCE: [asdict(s) for s in kept]}
    return kept


async def forget(session: AsyncSession, actor: Principal, name: str) -> list[Saved]:
    """Drop a saved search by its name."""
    user = await _user(session, actor)
    kept = _kept(user)
    left = [s for s in kept if s.name != name]
    if len(left) == len(kept):
        raise NotFound(f"Không có tìm kiếm đã lưu tên «{name}»")
    user.preferences = {**(user.preferences or {}), PREFERENCE: [asdict(s) for s in left]}
    return left


def _d(value: Any) -> str:
    if isinstance(value, datetime):
        return f"{local_date(value):%d/%m/%Y}"
    return f"{value:%d/%m/%Y}" if value else ""


def result_row(n: int, doc: Document) -> list[str]:
    """One document of a search's results, as the export shows it."""
    incoming = doc.direction == INCOMING
    party = (
        doc.from_agency or doc.from_code or ""
        if incoming
        else ", ".join(
            str(r.get("name") or r.get("code") or r.get("unit_id") or "") for r in doc.recipients or []
        )
    )
    deadline = effective_deadline(doc)
    return [
        str(n),
        doc.code or "",
        _d(doc.arrived_at if incoming else (doc.issued_date or doc.created_at)),
        f"{doc.document_type or ''} {doc.subject}".strip(),
        party,
        DIRECTIONS.get(doc.direction, ""),
        status_word(doc.status).capitalize(),
        _d(deadline),
    ]


async def results_file(
    session: AsyncSession,
    actor: Principal,
    query: SearchQuery,
    fmt: Literal["pdf", "docx", "xlsx"],
) -> Download:
    """The documents a search finds (those the person may see, in the asked order) as a file marked
    with who exported it and when; the export is audited with its filters."""
    found = await search(session, actor, query, limit=MOST_EXPORTED, offset=0)
    moment = now()
    mark = f"Người xuất: {actor.full_name} · {moment.astimezone(VN):%H:%M %d/%m/%Y} · {found.total} văn bản"
    if found.total > len(found.documents):
        mark += f" (xuất {len(found.documents)} văn bản đầu)"
    table = Register(
        title="KẾT QUẢ TÌM KIẾM VĂN BẢN",
        columns=RESULT_COLUMNS,
        rows=[result_row(n, d) for n, d in enumerate(found.documents, start=1)],
        widths=RESULT_WIDTHS,
        mark=mark,
        printed=print_mark(actor.full_name, moment),
    )
    filters = {k: v for k, v in asdict(query).items() if v not in (None, "", False)}
    audit(session, actor, "documents.search_exported", "documents", None, None, format=fmt, **filters)
    stamp = f"{moment.astimezone(VN):%Y%m%d-%H%M}"
    if fmt == "pdf":
        return Download(
            await in_worker(register_pdf, table), "application/pdf", f"ket-qua-tim-kiem-{stamp}.pdf"
        )
    if fmt == "docx":
        return Download(await in_worker(register_docx, table), DOCX, f"ket-qua-tim-kiem-{stamp}.docx")
    return Download(await in_worker(register_xlsx, table), XLSX, f"ket-qua-tim-kiem-{stamp}.xlsx")

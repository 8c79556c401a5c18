"""Requests for opinions (xin ý kiến, góp ý) on a document, a draft or an issued one: the person handling
it asks chosen people and units by a deadline; each answers Đồng ý, Không đồng ý or Ý kiến khác with a
comment; the asker may extend the deadline or close the round; the summary and its XLSX export count
the answers. Asking grants each addressee the right to read the document (README "Access rules"); a
confidential document only a leader may put to others."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy import select

from handlers.documents.access import grant, granted_to, is_confidential, load_visible, not_found
from handlers.documents.clock import local_date, now
from handlers.documents.exports import Download
from handlers.documents.models import DocOpinion, DocOpinionRequest, Document
from handlers.documents.secrecy import told_subject
from handlers.documents.trail import audit, history
from hub.errors import Conflict, Forbidden, Invalid
from hub.orgchart import LEADER, Unit, User
from schemas.edxml.codes import VN_TZ
from schemas.notify import NotifyRequested, urgency_of

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from hub.auth import Principal
    from hub.runtime import Work

ANSWERS = {"agree": "Đồng ý", "disagree": "Không đồng ý", "other": "Ý kiến khác"}


@dataclass
class Answer:
    user_id: str
    name: str
    unit: str
    answer: str | None
    answer_label: str
    comment: str
    answered_at: datetime | None


@dataclass
class Round:
    """A request with its answers and their counts, as the document's readers see it."""

    id: str
    document_id: str
    asked_by: str
    asked_by_name: str
    question: str
    deadline: date
    created_at: datetime
    units: list[str]
    extensions: list[dict[str, Any]]
    closed: bool
    overdue: bool
    answers: list[Answer] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _today() -> date:
    return local_date(now())


def _local(moment: datetime) -> datetime:
    """A stored moment in Vietnam's time (SQLite hands it back without its zone: UTC)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(VN_TZ)


async def _addressees(work: Work, actor: Principal, user_ids: list[str], unit_ids: list[str]) -> list[User]:
    """The active people asked: those named, and the people of each unit named (never the asker)."""
    people: dict[str, User] = {}
    for user_id in user_ids:
        user = await work.session.get(User, user_id)
        if user is None or not user.active:
            raise Invalid(f"Không có cán bộ {user_id!r} đang làm việc", field="user_ids")
        people[user.id] = user
    for unit_id in unit_ids:
        if await work.session.get(Unit, unit_id) is None:
            raise Invalid(f"Đơn vị {unit_id!r} không tồn tại", field="unit_ids")
        rows = await work.session.execute(select(User).where(User.unit_id == unit_id, User.active))
        people.update({u.id: u for u in rows.scalars()})
    people.pop(actor.id, None)
    if not people:
        raise Invalid("Chọn ít nhất một cán bộ hoặc một đơn vị (khác bạn) để xin ý kiến", field="user_ids")
    return list(people.values())


def _notice(doc: Document, rid: str, people: list[str], title: str, body: str, key: str) -> NotifyRequested:
    return NotifyRequested(
        recipients=people,
        title=" ".join(f"{title}: {told_subject(doc)}".split())[:300],
        body=body[:4000],
        urgency=urgency_of(doc.priority),
        link=f"/staff/van-ban/{doc.id}#y-kien",
        dedup_key=f"{key}:{rid}",
        source_type="document.opinion",
        issue=doc.id,
    )


async def ask(
    work: Work,
    actor: Principal,
    document_id: str,
    *,
    question: str,
    deadline: date,
    user_ids: list[str],
    unit_ids: list[str],
) -> DocOpinionRequest:
    """Put the document to the chosen people and units; each is told and may read it."""
    doc = await load_visible(work.session, actor, document_id, lock=True)
    if is_confidential(doc) and not actor.has(LEADER):
        raise Forbidden("Văn bản mật: chỉ lãnh đạo được xin ý kiến người khác")
    if deadline < _today():
        raise Invalid(f"Hạn góp ý {deadline:%d/%m/%Y} đã qua", field="deadline")
    people = await _addressees(work, actor, user_ids, unit_ids)
    request = DocOpinionRequest(
        id=str(uuid.uuid4()),
        document_id=doc.id,
        asked_by=actor.id,
        question=question.strip(),
        deadline=deadline,
        created_at=now(),
        unit_ids=list(unit_ids),
        extensions=[],
    )
    work.session.add(request)
    await work.session.flush()
    granted = await granted_to(work.session, doc)
    for person in people:
        work.session.add(DocOpinion(request_id=request.id, user_id=person.id, comment=""))
        grant(work.session, doc, "user", person.id, granted)
    names = ", ".join(p.full_name for p in people)
    history(
        work.session,
        doc,
        actor,
        "opinion_asked",
        f"Xin ý kiến {names}, hạn {deadline:%d/%m/%Y}: {request.question}",
        request=request.id,
    )
    audit(work.session, actor, "document.opinion_asked", f"document:{doc.id}", None, {"request": request.id})
    body = (
        f"{actor.full_name or 'Cán bộ'} xin ý kiến của bạn trước ngày {deadline:%d/%m/%Y}: {request.question}"
    )
    notice = _notice(doc, request.id, [p.id for p in people], "Xin ý kiến", body, "opinion.asked")
    await work.emit("notify.requested", notice, issue=doc.id)
    return request


async def request_of(session: AsyncSession, request_id: str, *, lock: bool = False) -> DocOpinionRequest:
    stmt = select(DocOpinionRequest).where(DocOpinionRequest.id == request_id)
    if lock and session.bind is not None and session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    found = await session.scalar(stmt)
    if found is None:
        raise not_found("Yêu cầu xin ý kiến")
    return found


async def answer(work: Work, actor: Principal, request_id: str, choice: str, comment: str) -> DocOpinion:
    """The addressee's answer (they may change it until the deadline or the round's close)."""
    request = await request_of(work.session, request_id, lock=True)
    row = await work.session.scalar(
        select(DocOpinion).where(DocOpinion.request_id == request_id, DocOpinion.user_id == actor.id)
    )
    if row is None:
        raise not_found("Yêu cầu xin ý kiến")
    doc = await load_visible(work.session, actor, request.document_id)
    if request.closed_at is not None:
        raise Conflict("Người xin ý kiến đã kết thúc lấy ý kiến; không nhận thêm ý kiến")
    if _today() > request.deadline:
        raise Conflict(
            f"Đã quá hạn góp ý ({request.deadline:%d/%m/%Y}); đề nghị người xin ý kiến gia hạn nếu cần"
        )
    if choice not in ANSWERS:
        raise Invalid("Chọn Đồng ý, Không đồng ý hoặc Ý kiến khác", field="answer")
    comment = comment.strip()
    if choice != "agree" and not comment:
        raise Invalid(f"{ANSWERS[choice]}: ghi rõ nội dung ý kiến", field="comment")
    row.answer, row.comment, row.answered_at = choice, comment, now()
    said = f"{ANSWERS[choice]}. {comment}".strip() if comment else ANSWERS[choice]
    history(work.session, doc, actor, "opinion_answered", f"Cho ý kiến: {said}", request=request_id)
    notice = _notice(
        doc,
        f"{request_id}:{actor.id}",
        [request.asked_by],
        "Có ý kiến trả lời",
        f"{actor.full_name or 'Cán bộ'}: {said}",
        "opinion.answered",
    )
    if request.asked_by != actor.id:
        await work.emit("notify.requested", notice, issue=doc.id)
    return row


async def _own(work: Work, actor: Principal, request_id: str) -> tuple[DocOpinionRequest, Document]:
    """The request, for its asker (or a leader): extend or close."""
    request = await request_of(work.session, request_id, lock=True)
    doc = await load_visible(work.session, actor, request.document_id)
    if request.asked_by != actor.id and not actor.has(LEADER):
        raise Forbidden("Chỉ người xin ý kiến hoặc lãnh đạo được gia hạn hoặc kết thúc lấy ý kiến")
    if request.closed_at is not None:
        raise Conflict("Việc lấy ý kiến này đã kết thúc")
    return request, doc


async def _waiting(session: AsyncSession, request_id: str) -> list[str]:
    rows = await session.execute(
        select(DocOpinion.user_id).where(DocOpinion.request_id == request_id, DocOpinion.answer.is_(None))
    )
    return list(rows.scalars())


async def extend(work: Work, actor: Principal, request_id: str, deadline: date) -> DocOpinionRequest:
    """A later deadline; those who have not answered are told."""
    request, doc = await _own(work, actor, request_id)
    if deadline <= request.deadline or deadline < _today():
        raise Invalid(
            f"Hạn mới phải sau hạn hiện tại ({request.deadline:%d/%m/%Y}) và không ở quá khứ",
            field="deadline",
        )
    extended = {"from": request.deadline.isoformat(), "to": deadline.isoformat(), "by": actor.id}
    request.extensions = [*request.extensions, {**extended, "at": now().isoformat()}]
    request.deadline = deadline
    history(work.session, doc, actor, "opinion_extended", f"Gia hạn góp ý đến {deadline:%d/%m/%Y}")
    waiting = await _waiting(work.session, request_id)
    if waiting:
        body = f"Hạn góp ý được gia hạn đến ngày {deadline:%d/%m/%Y}: {request.question}"
        key = f"opinion.extended.{len(request.extensions)}"
        await work.emit(
            "notify.requested", _notice(doc, request.id, waiting, "Gia hạn góp ý", body, key), issue=doc.id
        )
    return request


async def close(work: Work, actor: Principal, request_id: str) -> DocOpinionRequest:
    """End the round: no more answers; the summary stays."""
    request, doc = await _own(work, actor, request_id)
    request.closed_at = now()
    counts = _counts([a for (a,) in (await work.session.execute(_answers_of(request_id))).all()])
    summary = ", ".join(f"{ANSWERS[k]} {counts[k]}" for k in ANSWERS) + f", chưa trả lời {counts['waiting']}"
    history(work.session, doc, actor, "opinion_closed", f"Kết thúc lấy ý kiến: {summary}")
    return request


def _answers_of(request_id: str) -> Any:
    return select(DocOpinion.answer).where(DocOpinion.request_id == request_id)


def _counts(answers: list[str | None]) -> dict[str, int]:
    counts = dict.fromkeys(ANSWERS, 0) | {"waiting": 0}
    for a in answers:
        counts[a or "waiting"] += 1
    return counts


async def _names(session: AsyncSession, ids: set[str]) -> dict[str, tuple[str, str]]:
    """Each person's name and unit name."""
    if not ids:
        return {}
    rows = await session.execute(
        select(User.id, User.full_name, Unit.name)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(User.id.in_(ids))
    )
    return {uid: (name, unit or "") for uid, name, unit in rows.all()}


async def rounds(session: AsyncSession, actor: Principal, document_id: str) -> list[Round]:
    """The document's requests for opinions, newest first, for whoever may read the document."""
    doc = await load_visible(session, actor, document_id)
    requests = list(
        (
            await session.execute(
                select(DocOpinionRequest)
                .where(DocOpinionRequest.document_id == doc.id)
                .order_by(DocOpinionRequest.created_at.desc())
            )
        ).scalars()
    )
    if not requests:
        return []
    rows = list(
        (
            await session.execute(
                select(DocOpinion)
                .where(DocOpinion.request_id.in_([r.id for r in requests]))
                .order_by(DocOpinion.id)
            )
        ).scalars()
    )
    names = await _names(session, {r.user_id for r in rows} | {r.asked_by for r in requests})
    units = {u.id: u.name for u in (await session.execute(select(Unit))).scalars()}
    today = _today()
    out = []
    for r in requests:
        mine = [row for row in rows if row.request_id == r.id]
        out.append(
            Round(
                id=r.id,
                document_id=r.document_id,
                asked_by=r.asked_by,
                asked_by_name=names.get(r.asked_by, ("Cán bộ", ""))[0],
                question=r.question,
                deadline=r.deadline,
                created_at=r.created_at,
                units=[units.get(u, u) for u in r.unit_ids],
                extensions=r.extensions,
                closed=r.closed_at is not None,
                overdue=r.closed_at is None and today > r.deadline,
                answers=[
                    Answer(
                        user_id=row.user_id,
                        name=names.get(row.user_id, ("Cán bộ", ""))[0],
                        unit=names.get(row.user_id, ("", ""))[1],
                        answer=row.answer,
                        answer_label=ANSWERS.get(row.answer or "", "Chưa trả lời"),
                        comment=row.comment,
                        answered_at=row.answered_at,
                    )
                    for row in mine
                ],
                counts=_counts([row.answer for row in mine]),
            )
        )
    return out


@dataclass
class Waiting:
    """A request waiting for the caller's answer, for their first screen."""

    request_id: str
    document_id: str
    subject: str
    question: str
    deadline: date
    asked_by_name: str


async def waiting_for(session: AsyncSession, actor: Principal) -> list[Waiting]:
    """The open requests the caller has not answered, soonest deadline first."""
    rows = await session.execute(
        select(DocOpinionRequest, Document)
        .join(DocOpinion, DocOpinion.request_id == DocOpinionRequest.id)
        .join(Document, Document.id == DocOpinionRequest.document_id)
        .where(
            DocOpinion.user_id == actor.id,
            DocOpinion.answer.is_(None),
            DocOpinionRequest.closed_at.is_(None),
        )
        .order_by(DocOpinionRequest.deadline)
    )
    found = rows.all()
    names = await _names(session, {r.asked_by for r, _ in found})
    return [
        Waiting(r.id, d.id, told_subject(d), r.question, r.deadline, names.get(r.asked_by, ("Cán bộ", ""))[0])
        for r, d in found
    ]


def summary_xlsx(doc_subject: str, r: Round) -> bytes:
    """The round as a workbook: the question, each person's answer, and the counts."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Tổng hợp ý kiến"
    bold = Font(bold=True)
    sheet.append(["TỔNG HỢP Ý KIẾN GÓP Ý"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(["Văn bản", doc_subject])
    sheet.append(["Nội dung xin ý kiến", r.question])
    sheet.append(["Người xin ý kiến", r.asked_by_name])
    sheet.append(["Hạn góp ý", f"{r.deadline:%d/%m/%Y}"])
    sheet.append([])
    sheet.append(["STT", "Cán bộ", "Đơn vị", "Ý kiến", "Nội dung", "Thời điểm"])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for i, a in enumerate(r.answers, 1):
        at = f"{_local(a.answered_at):%d/%m/%Y %H:%M}" if a.answered_at else ""
        sheet.append([i, a.name, a.unit, a.answer_label, a.comment, at])
    sheet.append([])
    for key, label in [*ANSWERS.items(), ("waiting", "Chưa trả lời")]:
        sheet.append(["", label, r.counts.get(key, 0)])
    for column, width in zip("ABCDEF", (6, 28, 26, 16, 50, 18), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=8):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def export(session: AsyncSession, actor: Principal, request_id: str) -> Download:
    """The XLSX summary of one round, for whoever may read its document."""
    request = await request_of(session, request_id)
    doc = await load_visible(session, actor, request.document_id)
    [found] = [r for r in await rounds(session, actor, doc.id) if r.id == request_id]
    return Download(
        summary_xlsx(told_subject(doc), found),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"tong-hop-y-kien-{local_date(request.created_at):%Y%m%d}.xlsx",
    )

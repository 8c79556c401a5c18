"""Case life cycle: intake with duplicate detection, acceptance, assignment, extension, conclusion.

The entry point of the module's logic (no web framework here): every refusal is a `hub.errors`
domain error with a Vietnamese message (Conflict: the case's state or the law does not allow the
step; NotFound; Invalid). Legal periods are `deadlines.py`, the conclusion document `forms.py`.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any, Literal

import structlog
from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.complaints import deadlines, forms, grounds, receipts
from handlers.complaints.models import Case, CaseNote, CaseSequence
from hub import otp
from hub.errors import Conflict, Invalid, NotFound
from hub.orgchart import Unit
from schemas.complaints import KIND_LABELS, SubmitCase
from schemas.documents import DocumentIssued, PrepareIssue
from schemas.envelope import ClaimCheck
from schemas.signing import SignPdfRequest, SignPdfRequested, StampBox

if TYPE_CHECKING:
    from hub.runtime import Hub, Work

log = structlog.get_logger(__name__)

HANDLING = ("accepted", "concluding", "issuing")  # accepted and not yet concluded
OPEN = ("received", *HANDLING)
DUPLICATE_WINDOW_DAYS = 365
SAME_SUBMITTER_RATIO = 0.75
ANY_SUBMITTER_RATIO = 0.93
FINGERPRINT_CHARS = 2000
ISSUE_PREFIX = "complaint:"  # the issue of the signing messages of a case's conclusion
ConclusionResult = Literal["dung", "sai", "dung_mot_phan"]
RESULT_LABELS: dict[str, str] = {"dung": "Đúng", "sai": "Sai", "dung_mot_phan": "Đúng một phần"}
STATUS_LABELS: dict[str, str] = {
    "received": "Chờ thụ lý",
    "accepted": "Đang giải quyết",
    "rejected": "Không thụ lý",
    "concluding": "Chờ ký kết luận",
    "issuing": "Chờ ban hành kết luận",
    "concluded": "Đã có kết luận",
}
CHANNEL_LABELS: dict[str, str] = {
    "counter": "Tại bộ phận tiếp dân",
    "post": "Qua bưu điện",
    "email": "Qua thư điện tử",
    "web": "Qua cổng thông tin",
}
COMPLEXITY_LABELS: dict[str, str] = {
    "normal": "Thông thường",
    "complex": "Phức tạp",
    "very_complex": "Đặc biệt phức tạp",
}
PROTECTED_NAME = "Người tố cáo (được giữ bí mật)"
SOON_DAYS = 3  # a deadline this close shows as "near"


def current_due(c: Case) -> date | None:
    """The deadline that runs now: acceptance while received, resolution while being handled."""
    if c.status == "received":
        return c.acceptance_due
    if c.status in HANDLING:
        return c.resolution_due
    return None


def deadline_state(c: Case, today: date) -> str | None:
    """overdue, due_soon (within SOON_DAYS), on_time; done_on_time / done_late once concluded."""
    if c.status == "concluded":
        return "done_on_time" if c.on_time else "done_late"
    due = current_due(c)
    if due is None:
        return None
    if today > due:
        return "overdue"
    return "due_soon" if (due - today).days <= SOON_DAYS else "on_time"


def vn(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def normalize(text: str) -> str:
    """Lower case, no diacritics (đ -> d), words separated by single spaces."""
    text = text.replace("đ", "d").replace("Đ", "D")
    stripped = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return " ".join(re.sub(r"[^0-9a-z]+", " ", stripped.lower()).split())


def submitter_key(name: str, id_number: str | None, phone: str | None) -> str:
    if id_number:
        return "id:" + re.sub(r"\s+", "", id_number)
    if phone:
        return "tel:" + re.sub(r"\D", "", phone)[-9:]
    return "name:" + normalize(name)


async def next_number(session: AsyncSession, year: int) -> str:
    bumped = await session.execute(
        update(CaseSequence)
        .where(CaseSequence.year == year)
        .values(last=CaseSequence.last + 1)
        .returning(CaseSequence.last)
    )
    n = bumped.scalar_one_or_none()
    if n is None:
        try:
            async with session.begin_nested():
                session.add(CaseSequence(year=year, last=1))
            n = 1
        except IntegrityError:
            return await next_number(session, year)
    return f"{n:05d}/{year}"


async def find(session: AsyncSession, case_id: str) -> Case:
    c = await session.get(Case, case_id)
    if c is None:
        c = (await session.execute(select(Case).where(Case.number == case_id))).scalar_one_or_none()
    if c is None:
        raise NotFound(f"Không tìm thấy đơn {case_id}")
    return c


def is_overdue(c: Case, today: date) -> bool:
    """Still being handled after its resolution deadline."""
    return c.status in HANDLING and c.resolution_due is not None and today > c.resolution_due


@dataclass(frozen=True)
class CaseFilter:
    """Which cases a list shows: by kind, status, unit, deadline (overdue, due_soon), words; and whose."""

    kind: str | None = None
    status: str | None = None
    unit_id: str | None = None
    deadline: str | None = None
    q: str | None = None
    visible: ColumnElement[bool] | None = None


def _deadline_condition(deadline: str, today: date) -> ColumnElement[bool]:
    handling = Case.status.in_(HANDLING)
    if deadline == "overdue":
        return or_(
            and_(Case.status == "received", Case.acceptance_due < today),
            and_(handling, Case.resolution_due < today),
        )
    horizon = today + timedelta(days=SOON_DAYS)
    return or_(
        and_(Case.status == "received", Case.acceptance_due >= today, Case.acceptance_due <= horizon),
        and_(handling, Case.resolution_due >= today, Case.resolution_due <= horizon),
    )


def _conditions(where: CaseFilter, today: date) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    for column, value in (
        (Case.kind, where.kind),
        (Case.status, where.status),
        (Case.unit_id, where.unit_id),
    ):
        if value:
            conditions.append(column == value)
    if where.deadline in ("overdue", "due_soon"):
        conditions.append(_deadline_condition(where.deadline, today))
    if where.q:
        words = f"%{where.q.strip()}%"
        conditions.append(or_(Case.number.ilike(words), Case.subject.ilike(words)))
    if where.visible is not None:
        conditions.append(where.visible)
    return conditions


async def cases(
    session: AsyncSession,
    *,
    kind: str | None = None,
    status: str | None = None,
    unit_id: str | None = None,
    limit: int,
    offset: int,
    where: CaseFilter | None = None,
    today: date | None = None,
) -> tuple[list[Case], int]:
    """The cases (latest received first) matching the filters: one slice, and how many in all."""
    where = where or CaseFilter(kind=kind, status=status, unit_id=unit_id)
    conditions = _conditions(where, today or date.today())
    total = await session.scalar(select(func.count()).select_from(Case).where(*conditions))
    q = select(Case).where(*conditions).order_by(Case.received_on.desc(), Case.number.desc())
    rows = (await session.execute(q.limit(limit).offset(offset))).scalars()
    return list(rows), int(total or 0)


async def notes_of(session: AsyncSession, c: Case) -> list[CaseNote]:
    """The case's notes and recorded decisions, oldest first."""
    q = select(CaseNote).where(CaseNote.case_id == c.id).order_by(CaseNote.id)
    return list((await session.execute(q)).scalars())


async def require_unit(session: AsyncSession, unit_id: str) -> None:
    """The unit a case is handed to must exist."""
    if await session.get(Unit, unit_id) is None:
        raise Invalid(f"Không có đơn vị {unit_id!r}", field="unit_id")


async def find_duplicate(session: AsyncSession, sub: SubmitCase, key: str, fp: str, on: date) -> Case | None:
    """An earlier case that this one repeats: same submitter and similar text, or nearly the same text."""
    since = on - timedelta(days=DUPLICATE_WINDOW_DAYS)
    q = select(Case).where(Case.received_on >= since, Case.duplicate_of.is_(None)).order_by(Case.received_on)
    if sub.kind:
        q = q.where((Case.kind == sub.kind) | Case.kind.is_(None))
    fp = fp[:FINGERPRINT_CHARS]
    for other in (await session.execute(q)).scalars():
        threshold = SAME_SUBMITTER_RATIO if other.submitter_key == key else ANY_SUBMITTER_RATIO
        matcher = SequenceMatcher(None, fp, other.fingerprint[:FINGERPRINT_CHARS], autojunk=False)
        # the cheap upper bounds rule most cases out before the quadratic ratio
        if all(f() >= threshold for f in (matcher.real_quick_ratio, matcher.quick_ratio, matcher.ratio)):
            return other
    return None


def facts(c: Case, **extra: Any) -> dict[str, Any]:
    return {
        "case_id": c.id,
        "number": c.number,
        "kind": c.kind,
        "subject": c.subject,
        "status": c.status,
        "received_on": c.received_on,
        "acceptance_due": c.acceptance_due,
        "resolution_due": c.resolution_due,
        "unit_id": c.unit_id,
        "duplicate_of": c.duplicate_of,
        **extra,
    }


async def submit(
    tx: Work,
    sub: SubmitCase,
    *,
    when: datetime,
    by: str | None,
    intake_unit: str,
    several_places: bool = False,
    decision_known_on: date | None = None,
    attachment_names: list[str] | None = None,
) -> Case:
    """Log a case, flag a duplicate, and give the acceptance decision to the inspectorate as a task.

    The case gets a receipt code the submitter looks it up with (with their phone or e-mail)."""
    received_on = sub.received_on or when.date()
    fp = normalize(f"{sub.subject} {sub.content} {sub.respondent or ''}")
    key = submitter_key(sub.submitter.name, sub.submitter.id_number, sub.submitter.phone)
    duplicate = await find_duplicate(tx.session, sub, key, fp, received_on)
    c = Case(
        id=str(uuid.uuid4()),
        number=await next_number(tx.session, received_on.year),
        receipt_code=await receipts.fresh_code(tx.session),
        kind=sub.kind,
        channel=sub.channel,
        subject=sub.subject,
        content=sub.content,
        fingerprint=fp,
        submitter_name=sub.submitter.name,
        submitter_key=key,
        submitter_id_number=sub.submitter.id_number,
        submitter_phone=sub.submitter.phone,
        submitter_email=sub.submitter.email,
        submitter_address=sub.submitter.address,
        respondent=sub.respondent,
        external_ref=sub.external_ref,
        attachments=_named(sub.attachments, attachment_names or []),
        second=sub.second,
        remote_area=sub.remote_area,
        several_places=several_places,
        complexity="normal",
        status="received",
        duplicate_of=duplicate.number if duplicate else None,
        received_on=received_on,
        decision_known_on=decision_known_on,
        acceptance_due=deadlines.acceptance_due(sub.kind, received_on, several_places),
        created_at=when,
        created_by=by,
    )
    tx.session.add(c)
    await tx.emit("complaint.received", facts(c), issue=c.number)
    if duplicate is None:
        await _acceptance_task(tx, c, by, intake_unit)
    if c.attachments or sub.channel in ("post", "counter"):
        await _register_paper(tx, c)
    return c


def _named(claims: list[ClaimCheck], names: list[str]) -> list[dict[str, Any]]:
    """The attachments as stored: each claim check with the file's name when it is known."""
    out = []
    for i, claim in enumerate(claims):
        row = claim.model_dump(mode="json")
        if i < len(names) and names[i]:
            row["name"] = names[i]
        out.append(row)
    return out


async def _acceptance_task(tx: Work, c: Case, by: str | None, intake_unit: str) -> None:
    """The acceptance decision goes to the inspectorate as an urgent task due on the legal deadline."""
    await tx.emit(
        "task.create_requested",
        {
            "title": f"Xem xét thụ lý đơn {c.number}: {c.subject}"[:500],
            "description": f"Loại đơn: {KIND_LABELS.get(c.kind or '', 'chưa phân loại')}. "
            f"Hạn quyết định thụ lý: {vn(c.acceptance_due)}.",
            "assignee_unit_id": intake_unit,
            "assigner": by or "complaints",
            "deadline": c.acceptance_due,
            "source": "complaints",
            "external_ref": c.number,
            "issue": c.number,
            "priority": "Khẩn",
        },
        issue=c.number,
    )


async def _register_paper(tx: Work, c: Case) -> None:
    """A case on paper or with files is entered in the incoming register of the documents module.

    A denunciation (or a case not classified yet, which may be one) enters it without the sender's
    name, its subject or its files: the general register is read by many (Law 25/2018 Art. 47)."""
    if c.kind in ("to_cao", None):
        await tx.emit(
            "document.register",
            {
                "subject": f"Đơn số {c.number} (nội dung và người gửi được bảo mật, "
                "xem tại mục Khiếu nại, tố cáo)",
                "from_agency": PROTECTED_NAME if c.kind == "to_cao" else "Người gửi đơn (chưa phân loại)",
                "code": c.number,
                "date": c.received_on,
                "document_type": "Đơn",
                "attachments": [],
                "source": "complaints",
                "external_ref": c.number,
                "due_date": c.acceptance_due,
            },
            issue=c.number,
        )
        return
    await tx.emit(
        "document.register",
        {
            "subject": f"Đơn {KIND_LABELS.get(c.kind or '', '')} - {c.subject}".strip()[:500],
            "from_agency": c.submitter_name,
            "code": c.number,
            "date": c.received_on,
            "document_type": "Đơn",
            "attachments": [
                {
                    "name": a.get("name") or f"don-{c.number.replace('/', '-')}-{i + 1}",
                    "claim": {k: v for k, v in a.items() if k != "name"},
                    "content_type": a["media_type"],
                }
                for i, a in enumerate(c.attachments)
            ],
            "source": "complaints",
            "external_ref": c.number,
            "due_date": c.acceptance_due,
        },
        issue=c.number,
    )


def _require(c: Case, *statuses: str) -> None:
    if c.status not in statuses:
        raise Conflict(
            f"Đơn {c.number} đang ở trạng thái '{STATUS_LABELS.get(c.status, c.status)}', "
            "không thực hiện được thao tác này"
        )


async def classify(tx: Work, c: Case, kind: str, several_places: bool = False) -> None:
    _require(c, "received")
    c.kind = kind
    c.several_places = several_places
    c.acceptance_due = deadlines.acceptance_due(kind, c.received_on, several_places)


async def accept(
    tx: Work,
    c: Case,
    *,
    when: datetime,
    by: str,
    unit_id: str,
    officer_id: str | None,
    complexity: str,
    decision_known_on: date | None = None,
    limitation_excuse: str | None = None,
) -> None:
    """Record the acceptance decision, set the resolution deadline and hand the case to the unit.

    A complaint is accepted only within its 90-day limitation (Law 02/2011 Art. 9), counted from the
    day the complainant received or learned of the decision, unless an obstacle the law excuses is
    recorded (illness, disaster, a mission far away: that time is not counted)."""
    await require_unit(tx.session, unit_id)
    _require(c, "received")
    if c.kind is None:
        raise Invalid(f"Đơn {c.number} chưa được phân loại (khiếu nại, tố cáo, phản ánh, kiến nghị)")
    if decision_known_on is not None:
        c.decision_known_on = decision_known_on
    if c.kind == "khieu_nai" and c.decision_known_on is not None:
        ends = deadlines.limitation_ends(c.decision_known_on)
        if c.received_on > ends and not limitation_excuse:
            raise Conflict(
                f"Đơn {c.number} nộp ngày {vn(c.received_on)}, quá thời hiệu khiếu nại 90 ngày "
                f"(hết ngày {vn(ends)}, Điều 9 Luật Khiếu nại 2011); chỉ thụ lý khi có lý do chính đáng "
                "được ghi nhận, nếu không thì không thụ lý (Điều 11 khoản 6)"
            )
        if c.received_on > ends:
            await note(
                tx,
                c,
                when=when,
                by=by,
                kind="limitation",
                text=f"Quá thời hiệu có lý do chính đáng: {limitation_excuse}",
            )
    today = when.date()
    c.status = "accepted"
    c.accepted_on = today
    c.accepted_on_time = today <= c.acceptance_due
    c.complexity = complexity
    c.resolution_days = deadlines.resolution_days(c.kind, complexity, c.second, c.remote_area)
    c.resolution_due = deadlines.resolution_due(c.kind, today, c.resolution_days)
    await tx.emit("complaint.accepted", facts(c, accepted_on_time=c.accepted_on_time), issue=c.number)
    await _tell(
        tx,
        c,
        "accepted",
        f"Thông báo thụ lý đơn {c.number}",
        f"Đơn {KIND_LABELS[c.kind].lower()} của Ông/Bà đã được thụ lý ngày {vn(today)}. "
        f"Thời hạn giải quyết đến ngày {vn(c.resolution_due)}.",
    )
    await assign(tx, c, by=by, unit_id=unit_id, officer_id=officer_id)


async def reject(
    tx: Work,
    c: Case,
    *,
    when: datetime,
    by: str,
    reason: str,
    ground: str | None = None,
    forward_to: str | None = None,
) -> None:
    """Do not accept the case, on a legal ground (`grounds.py`) and with the reason told to the submitter;
    a case outside the department's competence is forwarded (`forward_to`) and the submitter told where."""
    _require(c, "received")
    text = grounds.reason_text(c.kind, ground, reason, forward_to)
    c.status = "rejected"
    c.rejected_reason = text
    c.rejected_ground = ground
    await note(tx, c, when=when, by=by, text=text, kind="rejection")
    await tx.emit("complaint.rejected", facts(c, reason=text), issue=c.number)
    title = f"Thông báo chuyển đơn {c.number}" if forward_to else f"Thông báo không thụ lý đơn {c.number}"
    await _tell(tx, c, "rejected", title, f"Đơn không được thụ lý. {text}")


async def assign(tx: Work, c: Case, *, by: str, unit_id: str, officer_id: str | None) -> None:
    """Hand an accepted case to a unit (and an officer): the unit gets it as a task."""
    await require_unit(tx.session, unit_id)
    _require(c, "accepted")
    c.unit_id = unit_id
    c.officer_id = officer_id
    await tx.emit("complaint.assigned", facts(c, officer_id=officer_id), issue=c.number)
    await _task(tx, c, by, f"Giải quyết đơn {c.number}: {c.subject}")


async def _task(tx: Work, c: Case, by: str, title: str) -> None:
    await tx.emit(
        "task.create_requested",
        {
            "title": title[:500],
            "description": f"{KIND_LABELS.get(c.kind or '', '')}; hạn giải quyết {vn(c.resolution_due)}.",
            "assignee_unit_id": c.unit_id,
            "assignee_user_id": c.officer_id,
            "assigner": by,
            "deadline": c.resolution_due,
            "source": "complaints",
            "external_ref": c.number,
            "issue": c.number,
            "priority": "Khẩn",
        },
        issue=c.number,
    )


async def extend(
    tx: Work, c: Case, *, when: datetime, by: str, days: int, reason: str, complexity: str | None
) -> None:
    """Extend the resolution deadline as far as the law allows for the case."""
    _require(c, "accepted")
    assert c.kind is not None
    assert c.accepted_on is not None
    assert c.resolution_days is not None
    if complexity and c.kind == "to_cao" and c.extensions == 0:
        c.complexity = complexity
    try:
        added = deadlines.extension(c.kind, c.complexity, c.extensions, days, c.second, c.remote_area)
    except deadlines.ExtensionRefused as exc:
        raise Conflict(str(exc)) from None
    if c.kind == "khieu_nai":
        c.complexity = "complex"
    c.extensions += 1
    c.resolution_days += added
    c.resolution_due = deadlines.resolution_due(c.kind, c.accepted_on, c.resolution_days)
    await note(tx, c, when=when, by=by, text=f"Gia hạn {added} ngày: {reason}", kind="extension")
    await tx.emit(
        "complaint.extended", facts(c, days=added, extensions=c.extensions, reason=reason), issue=c.number
    )
    await _task(tx, c, by, f"Gia hạn lần {c.extensions} giải quyết đơn {c.number}: {c.subject}")
    await _tell(
        tx,
        c,
        f"extended-{c.extensions}",
        f"Gia hạn giải quyết đơn {c.number}",
        f"Thời hạn giải quyết đơn được gia hạn đến ngày {vn(c.resolution_due)}. Lý do: {reason}",
    )


async def note(
    tx: Work,
    c: Case,
    *,
    when: datetime,
    by: str | None,
    text: str,
    kind: str = "note",
    files: list[dict[str, Any]] | None = None,
) -> CaseNote:
    """A note on the case (investigation, evidence with its files, or a recorded decision)."""
    n = CaseNote(case_id=c.id, kind=kind, at=when, by=by, text=text, files=list(files or []))
    tx.session.add(n)
    return n


async def add_evidence(
    tx: Work, c: Case, *, when: datetime, by: str, text: str, files: list[dict[str, Any]]
) -> CaseNote:
    """Evidence gathered while handling the case: a note with its files (claim checks with names)."""
    _require(c, "accepted", "concluding")
    if not files:
        raise Invalid("Cần ít nhất một tệp chứng cứ", field="files")
    return await note(tx, c, when=when, by=by, text=text, kind="evidence", files=files)


async def case_file(session: AsyncSession, c: Case, index: int, note_id: int | None = None) -> dict[str, Any]:
    """One file of the case: the submitter's attachment `index`, or evidence file `index` of a note."""
    files = c.attachments
    if note_id is not None:
        n = await session.get(CaseNote, note_id)
        files = n.files if n is not None and n.case_id == c.id else []
    if not 0 <= index < len(files):
        raise NotFound(f"Đơn {c.number} không có tệp này")
    return files[index]


@dataclass(frozen=True)
class ConclusionDraft:
    """What the leader concludes: the verification result, its summary and who signs. The number comes
    from the outgoing register when the clerk issues it."""

    result: ConclusionResult
    summary: str
    signer: str


# the Decree 30 type of each kind's answer: a decision on a complaint (Law on Complaints Art. 31), a notice
# of the result on a denunciation (Law on Denunciations Art. 40), an official letter on a petition
CONCLUSION_TYPES = {
    "khieu_nai": "Quyết định",
    "to_cao": "Thông báo",
    "kien_nghi": "Công văn",
    "phan_anh": "Công văn",
}
# the seal goes over the left part of the leader's signature, in the form's reserved foot
SEAL_BOX = {"page": 1, "x1": 280.0, "y1": 70.0, "x2": 420.0, "y2": 140.0}


def ensure_concludable(c: Case) -> None:
    """Only an accepted case can be concluded (once)."""
    if c.status != "accepted":
        raise Conflict(f"Đơn {c.number} chưa thụ lý hoặc đã kết luận")


async def draft_conclusion(hub: Hub, case_id: str, draft: ConclusionDraft, issued_on: date) -> ClaimCheck:
    """Render the conclusion document of an accepted case as a PDF and keep it in the claim store."""
    async with hub.db.session() as s:
        c = await find(s, case_id)
    ensure_concludable(c)
    pdf = forms.render_conclusion(
        forms.Conclusion(
            agency_name=hub.settings.agency_name,
            kind_label=KIND_LABELS[c.kind or "khieu_nai"],
            case_number=c.number,
            # the conclusion goes round the department: a denouncer is never named in it (Law 25/2018 Art. 47)
            submitter_name=PROTECTED_NAME if c.kind == "to_cao" else c.submitter_name,
            subject=c.subject,
            received_on=c.received_on,
            result_label=RESULT_LABELS[draft.result],
            summary=draft.summary,
            issued_on=issued_on,
        )
    )
    return await hub.claims.put(pdf, media_type="application/pdf")


async def request_signature(
    tx: Work, c: Case, draft: ConclusionDraft, pdf: ClaimCheck, issued_on: date, *, by: str, code: str | None
) -> None:
    """Send the drafted conclusion for the signature of `by`, confirmed by their one-time code.

    The signing service signs only when `by` is bound to the signer's key (the leader, or a deputy
    during a delegation): a unit head asking for the leader's signature is refused, the case goes back
    to "accepted" with the reason. Signed, the conclusion goes to the clerks (documents module) to be
    numbered in the outgoing register, sealed and issued; the case closes when it is issued.
    """
    ensure_concludable(c)
    await otp.verify_once(tx.session, otp.cipher_for(tx.hub.settings), by, code)
    c.status = "concluding"
    c.conclusion_result = draft.result
    c.conclusion_summary = draft.summary
    c.conclusion_draft = pdf.model_dump(mode="json")
    request = SignPdfRequest.model_validate(
        {
            "signer": draft.signer,
            "stage": "approval",
            "box": forms.SIGNATURE_BOX,
            "reason": f"Kết luận giải quyết đơn {c.number}",
        }
    )
    await tx.emit(
        "sign.pdf.requested",
        SignPdfRequested(document=pdf, request=request, user_id=by),
        issue=f"{ISSUE_PREFIX}{c.id}",
    )


def conclusion_file(c: Case) -> ClaimCheck:
    """The signed conclusion, or the draft while it waits for the signature."""
    ref = c.conclusion_signed or c.conclusion_draft
    if ref is None:
        raise NotFound(f"Đơn {c.number} chưa có kết luận")
    return ClaimCheck.model_validate(ref)


async def concluding_case(session: AsyncSession, issue: str | None) -> Case | None:
    """The case a signing outcome is about (issue `complaint:<id>`), if it still waits for its signature."""
    if not issue or not issue.startswith(ISSUE_PREFIX):
        return None
    c = await session.get(Case, issue[len(ISSUE_PREFIX) :])
    return c if c is not None and c.status == "concluding" else None


async def conclusion_signed(
    tx: Work, issue: str | None, *, original: ClaimCheck, signed: ClaimCheck, signer: str, when: datetime
) -> None:
    """The leader signed the conclusion (a signature of another file is ignored): it goes to the clerks
    to be numbered in the outgoing register, sealed and issued (`document.prepare_issue`)."""
    c = await concluding_case(tx.session, issue)
    if c is None:
        return
    if (c.conclusion_draft or {}).get("sha256") != original.sha256:
        log.warning("complaints.signed_other_document", case=c.number)
        return
    c.status = "issuing"
    c.conclusion_signed = signed.model_dump(mode="json")
    kind = c.kind or "khieu_nai"
    await tx.emit(
        "document.prepare_issue",
        PrepareIssue(
            origin=f"{ISSUE_PREFIX}{c.id}",
            subject=f"Kết luận giải quyết đơn {KIND_LABELS[kind].lower()} số {c.number}",
            document_type=CONCLUSION_TYPES[kind],
            file=signed,
            file_name=f"ket-luan-{c.number}.signed.pdf".replace("/", "-"),
            drafting_unit_id=c.unit_id,
            signed_by=signer,
            prepared_by=signer,
            seal_box=StampBox.model_validate(SEAL_BOX),
            note=f"Đơn {c.number}",
        ),
        issue=f"{ISSUE_PREFIX}{c.id}",
    )
    await note(
        tx,
        c,
        when=when,
        by=None,
        kind="signing",
        text="Lãnh đạo đã ký số kết luận; chờ văn thư cấp số (sổ văn bản đi), đóng dấu và ban hành.",
    )


async def conclusion_issued(tx: Work, p: DocumentIssued, *, on: date) -> None:
    """The clerk issued the conclusion: numbered and sealed, it closes the case and the submitter is told."""
    if not p.origin or not p.origin.startswith(ISSUE_PREFIX) or p.file is None:
        return
    c = await tx.session.get(Case, p.origin[len(ISSUE_PREFIX) :], with_for_update=True)
    if c is None or c.status != "issuing":
        return  # not ours, or already closed by a redelivery
    c.conclusion_number = p.number
    c.conclusion_document_id = p.document_id
    await note(
        tx,
        c,
        when=p.issued_at,
        by=None,
        kind="issued",
        text=f"Văn thư ban hành kết luận số {p.number} (sổ văn bản đi), đã đóng dấu; đơn kết thúc.",
    )
    await concluded(tx, c, signed=p.file.model_dump(mode="json"), on=on)


async def signing_refused(tx: Work, issue: str | None, *, reason: str, when: datetime) -> None:
    """Signing was refused: the case goes back to the unit with the reason."""
    c = await concluding_case(tx.session, issue)
    if c is None:
        return
    c.status = "accepted"
    await note(tx, c, when=when, by=None, text=f"Ký số bị từ chối: {reason}", kind="signing")


async def concluded(tx: Work, c: Case, *, signed: dict[str, Any], on: date) -> None:
    """The signed conclusion came back: close the case and tell the submitter."""
    c.status = "concluded"
    c.conclusion_signed = signed
    c.concluded_on = on
    c.on_time = c.resolution_due is None or on <= c.resolution_due
    await tx.emit(
        "complaint.concluded",
        facts(c, on_time=c.on_time, conclusion=signed, document_number=c.conclusion_number or ""),
        issue=c.number,
    )
    await _tell(
        tx,
        c,
        "concluded",
        f"Kết luận giải quyết đơn {c.number}",
        f"Đơn của Ông/Bà đã được giải quyết, kết luận số {c.conclusion_number} ngày {vn(on)}.",
        attachment=signed,
    )


async def _tell(
    tx: Work, c: Case, fact: str, title: str, body: str, attachment: dict[str, Any] | None = None
) -> None:
    await tx.emit(
        "complaint.submitter_notification_requested",
        {
            "number": c.number,
            "name": c.submitter_name,
            "phone": c.submitter_phone,
            "email": c.submitter_email,
            "address": c.submitter_address,
            "title": title,
            "body": body,
            "dedup_key": f"complaints:{c.number}:{fact}",
            "attachment": attachment,
        },
        issue=c.number,
    )

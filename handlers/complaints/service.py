"""Case life cycle: intake with duplicate detection, acceptance, assignment, extension, conclusion."""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import date, datetime, timedelta
from difflib import SequenceMatcher
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.complaints import deadlines
from handlers.complaints.models import Case, CaseNote, CaseSequence
from hub.runtime import Unit
from schemas.complaints import KIND_LABELS, SubmitCase

OPEN = ("received", "accepted", "concluding")
DUPLICATE_WINDOW_DAYS = 365
SAME_SUBMITTER_RATIO = 0.75
ANY_SUBMITTER_RATIO = 0.93
FINGERPRINT_CHARS = 2000


class CaseError(Exception):
    """A step the case's state or the law does not allow; the message is Vietnamese."""

    status_code = 409

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CaseNotFound(CaseError):
    status_code = 404


class CaseInvalid(CaseError):
    status_code = 422


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
        raise CaseNotFound(f"Không tìm thấy đơn {case_id}")
    return c


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
    tx: Unit,
    sub: SubmitCase,
    *,
    when: datetime,
    by: str | None,
    intake_unit: str,
    several_places: bool = False,
) -> Case:
    """Log a case, flag a duplicate, and give the acceptance decision to the inspectorate as a task."""
    received_on = sub.received_on or when.date()
    fp = normalize(f"{sub.subject} {sub.content} {sub.respondent or ''}")
    key = submitter_key(sub.submitter.name, sub.submitter.id_number, sub.submitter.phone)
    duplicate = await find_duplicate(tx.session, sub, key, fp, received_on)
    c = Case(
        id=str(uuid.uuid4()),
        number=await next_number(tx.session, received_on.year),
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
        attachments=[a.model_dump(mode="json") for a in sub.attachments],
        second=sub.second,
        remote_area=sub.remote_area,
        several_places=several_places,
        complexity="normal",
        status="received",
        duplicate_of=duplicate.number if duplicate else None,
        received_on=received_on,
        acceptance_due=deadlines.acceptance_due(sub.kind, received_on, several_places),
        created_at=when,
        created_by=by,
    )
    tx.session.add(c)
    await tx.emit("complaint.received", facts(c), issue=c.number)
    if duplicate is None:
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
    if c.attachments or sub.channel in ("post", "counter"):
        await tx.emit(
            "document.register",
            {
                "subject": f"Đơn {KIND_LABELS.get(c.kind or '', '')} - {c.subject}".strip()[:500],
                "from_agency": c.submitter_name,
                "code": c.number,
                "date": received_on,
                "document_type": "Đơn",
                "attachments": [
                    {
                        "name": f"don-{c.number.replace('/', '-')}-{i + 1}",
                        "claim": a,
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
    return c


def _require(c: Case, *statuses: str) -> None:
    if c.status not in statuses:
        raise CaseError(f"Đơn {c.number} đang ở trạng thái '{c.status}', không thực hiện được thao tác này")


async def classify(tx: Unit, c: Case, kind: str, several_places: bool = False) -> None:
    _require(c, "received")
    c.kind = kind
    c.several_places = several_places
    c.acceptance_due = deadlines.acceptance_due(kind, c.received_on, several_places)


async def accept(
    tx: Unit,
    c: Case,
    *,
    when: datetime,
    by: str,
    unit_id: str,
    officer_id: str | None,
    complexity: str,
) -> None:
    """Record the acceptance decision, set the resolution deadline and hand the case to the unit."""
    _require(c, "received")
    if c.kind is None:
        raise CaseInvalid(f"Đơn {c.number} chưa được phân loại (khiếu nại, tố cáo, phản ánh, kiến nghị)")
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


async def reject(tx: Unit, c: Case, *, when: datetime, by: str, reason: str) -> None:
    _require(c, "received")
    c.status = "rejected"
    c.rejected_reason = reason
    await note(tx, c, when=when, by=by, text=reason, kind="rejection")
    await tx.emit("complaint.rejected", facts(c, reason=reason), issue=c.number)
    await _tell(
        tx, c, "rejected", f"Thông báo không thụ lý đơn {c.number}", f"Đơn không được thụ lý. Lý do: {reason}"
    )


async def assign(tx: Unit, c: Case, *, by: str, unit_id: str, officer_id: str | None) -> None:
    _require(c, "accepted")
    c.unit_id = unit_id
    c.officer_id = officer_id
    await tx.emit("complaint.assigned", facts(c, officer_id=officer_id), issue=c.number)
    await _task(tx, c, by, f"Giải quyết đơn {c.number}: {c.subject}")


async def _task(tx: Unit, c: Case, by: str, title: str) -> None:
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
    tx: Unit, c: Case, *, when: datetime, by: str, days: int, reason: str, complexity: str | None
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
        raise CaseError(str(exc)) from None
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
    tx: Unit, c: Case, *, when: datetime, by: str | None, text: str, kind: str = "note"
) -> CaseNote:
    n = CaseNote(case_id=c.id, kind=kind, at=when, by=by, text=text)
    tx.session.add(n)
    return n


async def concluded(tx: Unit, c: Case, *, signed: dict[str, Any], on: date) -> None:
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
    tx: Unit, c: Case, fact: str, title: str, body: str, attachment: dict[str, Any] | None = None
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

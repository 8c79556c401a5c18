"""The dossier's life cycle at the one-stop desk: codes, appointments, transitions and their effects, Mẫu 04.

The rules the law and the contracts set, applied inside the caller's unit of work (`hub.runtime.Work`):
every transition records a step (Mẫu 05), emits the intake event of the new status and tells the
applicant when the law says so. Refusals are `hub.errors` domain errors with a Vietnamese message.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.intake.models import Apology, Dossier, DossierSequence, DossierStep
from handlers.intake.procedures import Procedure, UnknownProcedure, procedure
from hub.errors import Conflict, Invalid, NotFound
from hub.orgchart import Unit as OrgUnit
from hub.runtime import Work
from kit.workcal import default_calendar
from schemas.intake import EVENT_OF_STATUS, Applicant, DossierFile

STATUS_LABELS: dict[str, str] = {
    "received": "Mới tiếp nhận",
    "supplement_requested": "Chờ bổ sung",
    "refused": "Từ chối",
    "accepted": "Đang xử lý",
    "transferred": "Đang xử lý",
    "result_ready": "Đã có kết quả",
    "returned": "Đã trả kết quả",
    "overdue": "Quá hạn",
}
ACTION_LABELS: dict[str, str] = {
    "received": "Tiếp nhận hồ sơ",
    "supplement_requested": "Yêu cầu bổ sung, hoàn thiện",
    "refused": "Từ chối",
    "accepted": "Tiếp nhận giải quyết, hẹn trả",
    "transferred": "Chuyển đơn vị giải quyết",
    "result_ready": "Đã có kết quả",
    "result_returned": "Trả kết quả",
    "apology": "Xin lỗi, hẹn lại ngày trả",
}
ACTION_STATUS = {"result_returned": "returned"}
ALLOWED_FROM: dict[str, set[str]] = {
    "received": {"supplement_requested"},
    "supplement_requested": {"received"},
    "refused": {"received", "supplement_requested", "accepted", "transferred"},
    "accepted": {"received"},
    "transferred": {"accepted"},
    "result_ready": {"accepted", "transferred"},
    "returned": {"result_ready"},
}
IN_PROGRESS = {"accepted", "transferred"}
MAX_DAILY_NUMBER = 9999


def vn(day: date | None) -> str:
    """A date as Vietnamese forms write it (dd/mm/yyyy); empty for none."""
    return day.strftime("%d/%m/%Y") if day else ""


def status_of(action: str) -> str:
    """The status an action leads to (`result_returned` -> `returned`, otherwise the action itself)."""
    return ACTION_STATUS.get(action, action)


def public_status(d: Dossier, today: date) -> str:
    """The status a citizen sees; a dossier past its appointment without result reads 'overdue'."""
    if d.status in IN_PROGRESS and d.due_date is not None and today > d.due_date:
        return "overdue"
    return d.status


async def next_code(session: AsyncSession, agency_code: str, day: date) -> str:
    """Next dossier code `<agency>-YYMMDD-XXXX`; the counter moves in the caller's transaction (no gaps)."""
    key = day.strftime("%y%m%d")
    bumped = await session.execute(
        update(DossierSequence)
        .where(DossierSequence.agency_code == agency_code, DossierSequence.day == key)
        .values(last=DossierSequence.last + 1)
        .returning(DossierSequence.last)
    )
    number = bumped.scalar_one_or_none()
    if number is None:
        try:
            async with session.begin_nested():
                session.add(DossierSequence(agency_code=agency_code, day=key, last=1))
            number = 1
        except IntegrityError:  # another transaction created today's row first
            return await next_code(session, agency_code, day)
    if number > MAX_DAILY_NUMBER:
        raise Conflict(f"Đã hết số hồ sơ trong ngày {vn(day)} (tối đa {MAX_DAILY_NUMBER})")
    return f"{agency_code}-{key}-{number:04d}"


async def find(session: AsyncSession, code: str) -> Dossier:
    """The dossier with this code (NotFound otherwise)."""
    d = (await session.execute(select(Dossier).where(Dossier.code == code))).scalar_one_or_none()
    if d is None:
        raise NotFound(f"Không tìm thấy hồ sơ mã {code}")
    return d


async def find_code(session: AsyncSession, code: str) -> Dossier | None:
    """The dossier with this code, or None."""
    return (await session.execute(select(Dossier).where(Dossier.code == code))).scalar_one_or_none()


async def find_external(session: AsyncSession, external_id: str) -> Dossier | None:
    """The dossier the one-stop system knows by `external_id`, or None."""
    q = select(Dossier).where(Dossier.external_id == external_id)
    return (await session.execute(q)).scalar_one_or_none()


def facts(d: Dossier, **extra: Any) -> dict[str, Any]:
    """Payload fields shared by every intake event (`schemas.intake.DossierFacts`)."""
    return {
        "code": d.code,
        "external_id": d.external_id,
        "procedure_code": d.procedure_code,
        "procedure_name": d.procedure_name,
        "status": d.status,
        "received_on": d.received_on,
        "due_date": d.due_date,
        "unit_id": d.unit_id,
        "note": d.note,
        **extra,
    }


def _procedure(code: str) -> Procedure:
    try:
        return procedure(code)
    except UnknownProcedure as exc:
        raise Invalid(f"Thủ tục không có trong danh mục: {code!r}", field="procedure_code") from exc


async def receive(
    tx: Work,
    *,
    agency_code: str,
    procedure_code: str,
    applicant: Applicant,
    channel: str,
    documents: list[DossierFile],
    when: datetime,
    by: str | None,
    external_id: str | None = None,
    note: str = "",
) -> Dossier:
    """Register a new dossier with its code; announce it and tell the applicant the code."""
    proc = _procedure(procedure_code)
    today = when.date()
    d = Dossier(
        id=str(uuid.uuid4()),
        code=await next_code(tx.session, agency_code, today),
        external_id=external_id,
        procedure_code=proc.code,
        procedure_name=proc.name,
        channel=channel,
        applicant_name=applicant.name,
        applicant_id_number=applicant.id_number,
        applicant_phone=applicant.phone,
        applicant_email=applicant.email,
        applicant_address=applicant.address,
        status="received",
        received_at=when,
        received_on=today,
        note=note,
        documents=[f.model_dump(mode="json") for f in documents],
        created_by=by,
    )
    tx.session.add(d)
    await _step(tx, d, "received", when, by, note)
    await tx.emit("intake.dossier_received", facts(d), issue=d.code)
    await _tell_applicant(
        tx,
        d,
        "received",
        f"Hồ sơ {d.code} đã được tiếp nhận",
        f"Hồ sơ {d.procedure_name} của Ông/Bà đã được tiếp nhận ngày {vn(today)}, mã hồ sơ {d.code}.",
    )
    return d


@dataclass
class Transition:
    """One transition being applied: the dossier, where it goes, and what the step says."""

    tx: Work
    d: Dossier
    target: str
    today: date
    by: str | None
    note: str
    unit_id: str | None
    extra: dict[str, Any] = field(default_factory=dict)
    items: list[str] = field(default_factory=list)


async def apply(
    tx: Work,
    d: Dossier,
    action: str,
    *,
    when: datetime,
    by: str | None,
    note: str = "",
    unit_id: str | None = None,
    documents: list[DossierFile] | None = None,
    items: list[str] | None = None,
) -> Dossier:
    """Move a dossier to the status of an action, with the effects the law and the contracts ask.

    `items`: what a supplement request asks for, every item at once (Mẫu 02)."""
    target = status_of(action)
    if target not in ALLOWED_FROM:
        raise Invalid(f"Thao tác không hợp lệ: {action!r}")
    if d.status not in ALLOWED_FROM[target]:
        raise Conflict(
            f"Hồ sơ {d.code} đang ở trạng thái '{STATUS_LABELS[d.status]}', "
            f"không thể chuyển sang '{STATUS_LABELS[target]}'"
        )
    d.status = target
    d.note = note or d.note
    if documents:
        d.documents = list(d.documents) + [f.model_dump(mode="json") for f in documents]
    step = Transition(tx, d, target, when.date(), by, note, unit_id, items=list(items or []))
    effect = _EFFECTS.get(target)
    if effect is not None:
        await effect(step)
    await _step(tx, d, action, when, by, note)
    await tx.emit(EVENT_OF_STATUS[target], facts(d, **step.extra), issue=d.code)
    return d


async def _accepted(t: Transition) -> None:
    """The appointment: the procedure's duration in working days from today."""
    d = t.d
    d.accepted_on = t.today
    d.due_date = d.original_due_date = default_calendar().add_working_days(
        t.today, procedure(d.procedure_code).duration_working_days
    )
    await _tell_applicant(
        t.tx,
        d,
        t.target,
        f"Hồ sơ {d.code}: hẹn trả kết quả ngày {vn(d.due_date)}",
        f"Hồ sơ {d.procedure_name} (mã {d.code}) đã được tiếp nhận giải quyết. "
        f"Ngày hẹn trả kết quả: {vn(d.due_date)}.",
    )


async def _transferred(t: Transition) -> None:
    proc = procedure(t.d.procedure_code)
    await _transfer(t.tx, t.d, t.unit_id or t.d.unit_id or proc.unit_id, t.by)


async def _supplement_requested(t: Transition) -> None:
    """Record what the applicant must add (Mẫu 02) and tell them, every item in one message."""
    d = t.d
    d.supplement_items = t.items or ([t.note] if t.note else [])
    d.supplement_requested_on = t.today
    listed = "; ".join(f"{i}. {item}" for i, item in enumerate(d.supplement_items, start=1))
    await _tell_applicant(
        t.tx,
        d,
        t.target,
        f"Hồ sơ {d.code} cần bổ sung",
        f"Đề nghị Ông/Bà bổ sung, hoàn thiện hồ sơ: {listed or t.note}",
    )


def check_supplement(d: Dossier, items: list[str]) -> None:
    """The desk asks for a supplement once, listing everything (Decree 61/2018 Art. 15, Mẫu 02)."""
    if d.supplement_requested_on is not None:
        raise Conflict(
            f"Hồ sơ {d.code} đã được yêu cầu bổ sung ngày {vn(d.supplement_requested_on)}; "
            "theo quy định chỉ yêu cầu bổ sung một lần, hướng dẫn đầy đủ các nội dung cần bổ sung"
        )
    if not items:
        raise Invalid("Cần liệt kê đầy đủ các giấy tờ, nội dung cần bổ sung (một lần)", field="items")


async def _refused(t: Transition) -> None:
    d = t.d
    await _tell_applicant(
        t.tx,
        d,
        t.target,
        f"Hồ sơ {d.code} bị từ chối",
        f"Hồ sơ không đủ điều kiện giải quyết. Lý do: {t.note}",
    )


async def _result_ready(t: Transition) -> None:
    d = t.d
    d.result_ready_on = t.today
    d.on_time = d.due_date is None or t.today <= d.due_date
    t.extra["on_time"] = d.on_time
    await _tell_applicant(
        t.tx,
        d,
        t.target,
        f"Hồ sơ {d.code} đã có kết quả",
        f"Hồ sơ {d.procedure_name} (mã {d.code}) đã có kết quả. Mời Ông/Bà đến nhận kết quả.",
    )


async def _returned(t: Transition) -> None:
    t.d.returned_on = t.today
    t.extra["on_time"] = bool(t.d.on_time)


_EFFECTS: dict[str, Callable[[Transition], Awaitable[None]]] = {
    "accepted": _accepted,
    "transferred": _transferred,
    "supplement_requested": _supplement_requested,
    "refused": _refused,
    "result_ready": _result_ready,
    "returned": _returned,
}


async def _transfer(tx: Work, d: Dossier, unit_id: str, by: str | None) -> None:
    """Hand the dossier to the unit as a task; its documents become incoming documents."""
    if await tx.session.get(OrgUnit, unit_id) is None:
        raise Invalid(f"Không có đơn vị {unit_id!r} để chuyển hồ sơ {d.code}", field="unit_id")
    d.unit_id = unit_id
    await tx.emit(
        "task.create_requested",
        {
            "title": f"Giải quyết hồ sơ {d.code}: {d.procedure_name}",
            "description": f"Người nộp: {d.applicant_name}. Hạn trả kết quả: {vn(d.due_date)}.",
            "assignee_unit_id": unit_id,
            "assigner": by or "onestop",
            "deadline": d.due_date,
            "source": "intake",
            "external_ref": d.code,
            "issue": d.code,
            "priority": "Thường",
        },
        issue=d.code,
    )
    attachments = [
        {"name": f["name"], "claim": f["claim"], "content_type": f.get("content_type")}
        for f in d.documents
        if f.get("claim")
    ]
    await tx.emit(
        "document.register",
        {
            "subject": f"Hồ sơ {d.code}: {d.procedure_name} - {d.applicant_name}",
            "from_agency": d.applicant_name,
            "code": d.code,
            "date": d.received_on,
            "document_type": "Hồ sơ thủ tục hành chính",
            "attachments": attachments,
            "source": "onestop",
            "external_ref": d.code,
            "due_date": d.due_date,
            "received_at": d.received_at,
        },
        issue=d.code,
    )


async def issue_apology(
    tx: Work,
    d: Dossier,
    *,
    reason: str,
    new_due_date: date,
    when: datetime,
    by: str | None,
    form: dict[str, Any],
) -> Apology:
    """Record Mẫu 04 (once per dossier), move the appointment and tell the applicant."""
    today = when.date()
    check_apology(d, new_due_date, today)
    if (await tx.session.execute(select(Apology.id).where(Apology.dossier_id == d.id))).first():
        raise Conflict(f"Hồ sơ {d.code} đã có phiếu xin lỗi và hẹn lại; chỉ được hẹn lại một lần")
    assert d.due_date is not None
    old = d.due_date
    apology = Apology(
        dossier_id=d.id,
        unit_id=d.unit_id,
        reason=reason,
        old_due_date=old,
        new_due_date=new_due_date,
        issued_on=today,
        issued_by=by,
        form=form,
    )
    tx.session.add(apology)
    d.due_date = new_due_date
    d.warned_on = None  # warn again before the new date
    try:
        await tx.session.flush()
    except IntegrityError:  # the unique dossier id caught a concurrent second apology
        raise Conflict(f"Hồ sơ {d.code} đã có phiếu xin lỗi") from None
    await _step(tx, d, "apology", when, by, reason)
    await tx.emit(
        "intake.apology_issued",
        facts(d, old_due_date=old, new_due_date=new_due_date, reason=reason, form=form),
        issue=d.code,
    )
    await _tell_applicant(
        tx,
        d,
        "apology",
        f"Hồ sơ {d.code}: hẹn lại ngày trả kết quả {vn(new_due_date)}",
        f"Chúng tôi xin lỗi vì hồ sơ {d.code} chưa giải quyết xong đúng hẹn ({vn(old)}). Lý do: {reason}. "
        f"Ngày hẹn trả kết quả mới: {vn(new_due_date)}.",
        attachment=form,
    )
    return apology


def check_apology(d: Dossier, new_due_date: date, today: date) -> None:
    """The law's conditions for Mẫu 04: in progress, at least one day before the deadline, a later date."""
    if d.status not in IN_PROGRESS or d.due_date is None:
        raise Conflict(
            f"Hồ sơ {d.code} đang ở trạng thái '{STATUS_LABELS[d.status]}': "
            "không thể hẹn lại ngày trả kết quả"
        )
    if d.original_due_date is not None and d.due_date != d.original_due_date:
        raise Conflict(f"Hồ sơ {d.code} đã được hẹn lại một lần; chỉ được hẹn lại một lần")
    if today > d.due_date - timedelta(days=1):
        raise Conflict(
            f"Phiếu xin lỗi phải lập chậm nhất 1 ngày trước hạn trả kết quả ({vn(d.due_date)}); "
            f"hôm nay là {vn(today)}"
        )
    if new_due_date <= d.due_date:
        raise Invalid(
            f"Ngày hẹn mới ({vn(new_due_date)}) phải sau ngày hẹn cũ ({vn(d.due_date)})", field="new_due_date"
        )
    if not default_calendar().is_working_day(new_due_date):
        raise Invalid(f"Ngày hẹn mới ({vn(new_due_date)}) không phải ngày làm việc", field="new_due_date")


async def _step(tx: Work, d: Dossier, action: str, when: datetime, by: str | None, note: str) -> None:
    tx.session.add(DossierStep(dossier_id=d.id, action=action, status=d.status, at=when, by=by, note=note))


async def _tell_applicant(
    tx: Work, d: Dossier, fact: str, title: str, body: str, attachment: dict[str, Any] | None = None
) -> None:
    if not d.applicant_phone and not d.applicant_email:
        return
    await tx.emit(
        "intake.citizen_notification_requested",
        {
            "code": d.code,
            "name": d.applicant_name,
            "phone": d.applicant_phone,
            "email": d.applicant_email,
            "title": title,
            "body": body,
            "dedup_key": f"intake:{d.code}:{fact}:{d.status}",
            "attachment": attachment,
        },
        issue=d.code,
    )

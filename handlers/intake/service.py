"""Dossier life cycle at the one-stop desk: codes, appointments, transitions, the apology form."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.common.workcal import default_calendar
from handlers.intake.models import Apology, Dossier, DossierSequence, DossierStep
from handlers.intake.procedures import Procedure, UnknownProcedure, procedure
from hub.directory import Unit as OrgUnit
from hub.runtime import Unit
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


class IntakeError(Exception):
    """A request the dossier's state or the law does not allow; the message is Vietnamese."""

    status_code = 409

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(IntakeError):
    status_code = 404


class Invalid(IntakeError):
    status_code = 422


def vn(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


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
    if number > 9999:
        raise IntakeError(f"Đã hết số hồ sơ trong ngày {vn(day)} (tối đa 9999)")
    return f"{agency_code}-{key}-{number:04d}"


async def find(session: AsyncSession, code: str) -> Dossier:
    d = (await session.execute(select(Dossier).where(Dossier.code == code))).scalar_one_or_none()
    if d is None:
        raise NotFound(f"Không tìm thấy hồ sơ mã {code}")
    return d


async def find_external(session: AsyncSession, external_id: str) -> Dossier | None:
    q = select(Dossier).where(Dossier.external_id == external_id)
    return (await session.execute(q)).scalar_one_or_none()


def facts(d: Dossier, **extra: Any) -> dict[str, Any]:
    """Payload fields shared by every intake event."""
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


async def receive(
    tx: Unit,
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
    try:
        proc = procedure(procedure_code)
    except UnknownProcedure as exc:
        raise Invalid(f"Thủ tục không có trong danh mục: {procedure_code!r}") from exc
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


async def apply(
    tx: Unit,
    d: Dossier,
    action: str,
    *,
    when: datetime,
    by: str | None,
    note: str = "",
    unit_id: str | None = None,
    documents: list[DossierFile] | None = None,
) -> Dossier:
    """Move a dossier to the status of an action, with the effects the law and the contracts ask."""
    target = ACTION_STATUS.get(action, action)
    if target not in ALLOWED_FROM:
        raise Invalid(f"Thao tác không hợp lệ: {action!r}")
    if d.status not in ALLOWED_FROM[target]:
        raise IntakeError(
            f"Hồ sơ {d.code} đang ở trạng thái '{STATUS_LABELS[d.status]}', "
            f"không thể chuyển sang '{STATUS_LABELS[target]}'"
        )
    today = when.date()
    proc = procedure(d.procedure_code)
    d.status = target
    d.note = note or d.note
    if documents:
        d.documents = list(d.documents) + [f.model_dump(mode="json") for f in documents]
    extra: dict[str, Any] = {}
    if target == "accepted":
        d.accepted_on = today
        d.due_date = d.original_due_date = default_calendar().add_working_days(
            today, proc.duration_working_days
        )
        await _tell_applicant(
            tx,
            d,
            target,
            f"Hồ sơ {d.code}: hẹn trả kết quả ngày {vn(d.due_date)}",
            f"Hồ sơ {d.procedure_name} (mã {d.code}) đã được tiếp nhận giải quyết. "
            f"Ngày hẹn trả kết quả: {vn(d.due_date)}.",
        )
    elif target == "transferred":
        await _transfer(tx, d, proc, unit_id or d.unit_id or proc.unit_id, by)
    elif target == "supplement_requested":
        await _tell_applicant(
            tx, d, target, f"Hồ sơ {d.code} cần bổ sung", f"Đề nghị Ông/Bà bổ sung, hoàn thiện hồ sơ: {note}"
        )
    elif target == "refused":
        await _tell_applicant(
            tx, d, target, f"Hồ sơ {d.code} bị từ chối", f"Hồ sơ không đủ điều kiện giải quyết. Lý do: {note}"
        )
    elif target == "result_ready":
        d.result_ready_on = today
        d.on_time = d.due_date is None or today <= d.due_date
        extra["on_time"] = d.on_time
        await _tell_applicant(
            tx,
            d,
            target,
            f"Hồ sơ {d.code} đã có kết quả",
            f"Hồ sơ {d.procedure_name} (mã {d.code}) đã có kết quả. Mời Ông/Bà đến nhận kết quả.",
        )
    elif target == "returned":
        d.returned_on = today
        extra["on_time"] = bool(d.on_time)
    await _step(tx, d, action, when, by, note)
    await tx.emit(EVENT_OF_STATUS[target], facts(d, **extra), issue=d.code)
    return d


async def _transfer(tx: Unit, d: Dossier, proc: Procedure, unit_id: str, by: str | None) -> None:
    """Hand the dossier to the unit as a task; its documents become incoming documents."""
    if await tx.session.get(OrgUnit, unit_id) is None:
        raise Invalid(f"Không có đơn vị {unit_id!r} để chuyển hồ sơ {d.code}")
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
    tx: Unit,
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
        raise IntakeError(f"Hồ sơ {d.code} đã có phiếu xin lỗi và hẹn lại; chỉ được hẹn lại một lần")
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
    await tx.session.flush()
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
        raise IntakeError(
            f"Hồ sơ {d.code} đang ở trạng thái '{STATUS_LABELS[d.status]}': "
            "không thể hẹn lại ngày trả kết quả"
        )
    if d.original_due_date is not None and d.due_date != d.original_due_date:
        raise IntakeError(f"Hồ sơ {d.code} đã được hẹn lại một lần; chỉ được hẹn lại một lần")
    if today > d.due_date - timedelta(days=1):
        raise IntakeError(
            f"Phiếu xin lỗi phải lập chậm nhất 1 ngày trước hạn trả kết quả ({vn(d.due_date)}); "
            f"hôm nay là {vn(today)}"
        )
    if new_due_date <= d.due_date:
        raise Invalid(f"Ngày hẹn mới ({vn(new_due_date)}) phải sau ngày hẹn cũ ({vn(d.due_date)})")
    if not default_calendar().is_working_day(new_due_date):
        raise Invalid(f"Ngày hẹn mới ({vn(new_due_date)}) không phải ngày làm việc")


async def _step(tx: Unit, d: Dossier, action: str, when: datetime, by: str | None, note: str) -> None:
    tx.session.add(DossierStep(dossier_id=d.id, action=action, status=d.status, at=when, by=by, note=note))


async def _tell_applicant(
    tx: Unit, d: Dossier, fact: str, title: str, body: str, attachment: dict[str, Any] | None = None
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

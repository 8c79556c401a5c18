"""Timekeeping service: punches, enrolment codes, shift rules, leave, corrections and closing a month.

The entry point of the module's logic (no web framework here). Refusals are `hub.errors` domain
errors with a Vietnamese message; the day verdict is `rules.py`, the month `timesheet.py`, the XLSX
`export.py`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.timekeeping.access import (
    decider_refusal,
    manages,
    may_cancel,
    sees_leave,
    sees_month_of,
    status_label,
    visible_leaves,
)
from handlers.timekeeping.models import ClosedMonth, Correction, Enrolment, Leave, Punch, ShiftRule
from handlers.timekeeping.rules import ShiftRuleConfig
from handlers.timekeeping.timesheet import PersonMonth, Sheet, build_sheet, day_symbol, parse_month
from hub.errors import Conflict, Forbidden, Invalid, NotFound, PermanentError
from hub.models import AuditEntry
from hub.orgchart import ADMIN, CLERK, LEADER, UNIT_HEAD, Unit, User
from schemas.notify import NotifyRequested
from schemas.timekeeping import (
    LEAVE_LABELS,
    AttendancePunched,
    HalfDay,
    LeaveApproved,
    LeaveCancelled,
    LeaveKind,
    PunchDirection,
    PunchSource,
    TimesheetClosed,
)

if TYPE_CHECKING:
    from hub.auth import Principal
    from hub.runtime import Work

SOURCE = "timekeeping"


def leave_page(leave_id: str) -> str:
    """Where a notice about a leave request points: its page in the staff e-office."""
    return f"/staff/cham-cong/nghi-phep/{leave_id}"


def __getattr__(name: str) -> Any:
    """Transitional: `TimekeepingModule` moved to `handlers.timekeeping`; old importers still find it."""
    if name == "TimekeepingModule":
        from handlers.timekeeping import TimekeepingModule

        return TimekeepingModule
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- who is who -------------------------------------------------------------------------------------


async def resolve_employee(session: AsyncSession, code: str) -> str | None:
    """The user id behind a device enrolment code, a user id or a username."""
    enrolment = await session.get(Enrolment, code)
    if enrolment is not None:
        return enrolment.user_id
    user = (
        await session.execute(select(User).where(or_(User.id == code, User.username == code)))
    ).scalar_one_or_none()
    return user.id if user is not None else None


async def approver_of(session: AsyncSession, user: User, leaders_unit: str) -> str | None:
    """Who approves this person's leave: the head of their unit, or for a unit head the director."""
    unit = await session.get(Unit, user.unit_id) if user.unit_id else None
    if unit is not None and unit.head_user_id and unit.head_user_id != user.id:
        return unit.head_user_id
    leaders = await session.get(Unit, leaders_unit)
    return leaders.head_user_id if leaders is not None else None


async def staff_member(session: AsyncSession, user_id: str) -> User:
    """The staff account, or NotFound."""
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound(f"Không có cán bộ {user_id!r}", field="user_id")
    return user


def _audit(work: Work, actor_id: str, action: str, target: str, detail: dict[str, Any]) -> None:
    work.session.add(
        AuditEntry(at=datetime.now(UTC), actor=actor_id, action=action, target=target, detail=detail)
    )


# -- punches and enrolment codes -------------------------------------------------------------------


async def record_punch(work: Work, punch: AttendancePunched) -> None:
    """Store a check-in or check-out from any source, once (an unknown code is dead-lettered)."""
    key = f"{punch.source}:{punch.punch_id}"
    if await work.session.get(Punch, key) is not None:
        return
    user_id = await resolve_employee(work.session, punch.employee_code)
    if user_id is None:
        raise PermanentError(
            f"employee code {punch.employee_code!r} from {punch.device_id or punch.source} "
            "matches no enrolment and no staff account"
        )
    work.session.add(
        Punch(
            punch_id=key,
            user_id=user_id,
            at=punch.at.astimezone(UTC),
            direction=punch.direction,
            source=punch.source,
            device_id=punch.device_id,
        )
    )


async def punch_now(
    work: Work, code: str, direction: PunchDirection, source: PunchSource, device: str | None
) -> AttendancePunched:
    """Publish a punch made now on the web or a kiosk (stored by the same consumer as device punches)."""
    if await resolve_employee(work.session, code) is None:
        raise NotFound(f"Không có cán bộ với mã chấm công {code!r}", field="employee_code")
    punch = AttendancePunched(
        punch_id=str(uuid.uuid4()),
        employee_code=code,
        at=datetime.now(UTC),
        direction=direction,
        source=source,
        device_id=device,
    )
    await work.emit("attendance.punched", punch)
    return punch


async def kiosk_punch(
    work: Work, actor: Principal, code: str, direction: PunchDirection, device: str | None
) -> AttendancePunched:
    """A kiosk's punch for a staff member: only the kiosk's account (a clerk) or an administrator."""
    if not actor.has(CLERK, ADMIN):
        raise Forbidden("Chỉ máy chấm công tại chỗ (tài khoản văn thư) hoặc quản trị ghi công cho người khác")
    return await punch_now(work, code, direction, "kiosk", device)


async def enrol(work: Work, actor: Principal, code: str, user_id: str) -> None:
    """Map a device enrolment code to a staff account (an administrator's change, audited).

    Re-mapping a code moves every later punch of that device code to another person, so only the
    system administrator may do it; the audit keeps who, when, and the person before and after.
    """
    if not actor.has(ADMIN):
        raise Forbidden("Chỉ quản trị hệ thống được gán hoặc đổi mã chấm công của thiết bị")
    await staff_member(work.session, user_id)
    row = await work.session.get(Enrolment, code)
    before = row.user_id if row is not None else None
    if row is None:
        work.session.add(Enrolment(code=code, user_id=user_id))
    else:
        row.user_id = user_id
    detail = {"before": before, "after": user_id}
    _audit(work, actor.id, "timekeeping.enrolment_set", f"tk_enrolment:{code}", detail)


# -- shift rules ------------------------------------------------------------------------------------


async def set_rule(work: Work, actor: Principal, unit_id: str, rule: ShiftRuleConfig) -> None:
    """Set a unit's shift rule ('*' sets the default, leaders only); the audit keeps before and after."""
    allowed = actor.has(LEADER) if unit_id == "*" else await manages(work.session, actor, unit_id)
    if not allowed:
        raise Forbidden("Chỉ lãnh đạo hoặc trưởng đơn vị đặt quy định ca làm việc")
    row = await work.session.get(ShiftRule, unit_id)
    before = row.rule if row else None
    now = datetime.now(UTC)
    if row is None:
        work.session.add(
            ShiftRule(unit_id=unit_id, rule=rule.model_dump(), updated_by=actor.id, updated_at=now)
        )
    else:
        row.rule, row.updated_by, row.updated_at = rule.model_dump(), actor.id, now
    _audit(
        work,
        actor.id,
        "timekeeping.rule_set",
        f"tk_rule:{unit_id}",
        {"before": before, "after": rule.model_dump()},
    )


# -- leave ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeaveAsk:
    """What a person asks for: the kind and the days of leave (`user_id` when filed for someone else)."""

    kind: LeaveKind
    start: date
    end: date
    half: HalfDay | None = None
    reason: str = ""
    user_id: str | None = None


async def request_leave(work: Work, actor: Principal, ask: LeaveAsk, leaders_unit: str) -> Leave:
    """File a leave request; the approver (unit head, or the director for a unit head) is notified."""
    user_id = ask.user_id or actor.id
    if user_id != actor.id and not actor.has(CLERK, UNIT_HEAD, LEADER):
        raise Forbidden("Chỉ được xin nghỉ cho chính mình", field="user_id")
    user = await staff_member(work.session, user_id)
    if user_id != actor.id and not actor.has(CLERK) and not await manages(work.session, actor, user.unit_id):
        raise Forbidden("Trưởng đơn vị chỉ xin nghỉ thay cho cán bộ của đơn vị mình", field="user_id")
    leave = Leave(
        id=uuid.uuid4().hex[:16],
        user_id=user_id,
        unit_id=user.unit_id,
        kind=ask.kind,
        start=ask.start,
        end=ask.end,
        half=ask.half,
        reason=ask.reason,
        status="pending",
        requested_at=datetime.now(UTC),
    )
    work.session.add(leave)
    approver = await approver_of(work.session, user, leaders_unit)
    if approver:
        notice = NotifyRequested(
            recipients=[approver],
            title=f"Đơn {LEAVE_LABELS[leave.kind].lower()} chờ duyệt: {user.full_name}",
            body=f"Từ {leave.start:%d/%m/%Y} đến {leave.end:%d/%m/%Y}. {leave.reason}".strip(),
            link=leave_page(leave.id),
            dedup_key=f"tk-leave-{leave.id}-requested",
            source_type="timekeeping.leave_requested",
        )
        await work.emit("notify.requested", notice)
    return leave


async def _leave(session: AsyncSession, actor: Principal, leave_id: str) -> Leave:
    """A leave to act on: those who may neither see it nor manage its unit are told it does not exist."""
    leave = await session.get(Leave, leave_id)
    if leave is None or not (sees_leave(actor, leave) or await manages(session, actor, leave.unit_id)):
        raise NotFound(f"Không có đơn nghỉ {leave_id!r}")
    return leave


async def cancel_leave(work: Work, actor: Principal, leave_id: str) -> Leave:
    """Withdraw a leave (requester or approver); withdrawing an approved one emits leave.cancelled."""
    leave = await _leave(work.session, actor, leave_id)
    if leave.status not in ("pending", "approved"):
        raise Conflict(f"Đơn nghỉ ở trạng thái «{status_label(leave.status)}», không hủy được nữa")
    if not await may_cancel(work.session, actor, leave):
        raise Forbidden("Chỉ người xin nghỉ hoặc người duyệt được hủy đơn")
    was_approved = leave.status == "approved"
    leave.status, leave.decided_at = "cancelled", datetime.now(UTC)
    detail = {"was_approved": was_approved, "user_id": leave.user_id}
    _audit(work, actor.id, "timekeeping.leave_cancelled", f"tk_leave:{leave.id}", detail)
    if was_approved:
        await work.emit(
            "leave.cancelled",
            LeaveCancelled(leave_id=leave.id, user_id=leave.user_id, cancelled_by=actor.id),
            issue=f"leave:{leave.id}",
        )
    return leave


async def leaves_of(
    session: AsyncSession, actor: Principal, status: str | None, limit: int, offset: int
) -> tuple[list[Leave], int]:
    """The leave requests this person may see (by start date), one slice of them and how many in all."""
    conditions = [c for c in (visible_leaves(actor),) if c is not None]
    if status:
        conditions.append(Leave.status == status)
    total = await session.scalar(select(func.count()).select_from(Leave).where(*conditions))
    q = select(Leave).where(*conditions).order_by(Leave.start, Leave.id).limit(limit).offset(offset)
    return list((await session.execute(q)).scalars()), int(total or 0)


async def leave_for(session: AsyncSession, actor: Principal, leave_id: str) -> Leave:
    """One leave request, for those who may see it (others are told it does not exist)."""
    leave = await session.get(Leave, leave_id)
    if leave is None or not sees_leave(actor, leave):
        raise NotFound(f"Không có đơn nghỉ {leave_id!r}")
    return leave


async def may_decide(session: AsyncSession, actor: Principal, leave: Leave) -> bool:
    """Whether the actor may approve or refuse this leave now."""
    return await decider_refusal(session, actor, leave) is None


async def _check_decider(session: AsyncSession, actor: Principal, leave: Leave) -> None:
    refusal = await decider_refusal(session, actor, leave)
    if refusal is None:
        return
    if leave.status != "pending":
        raise Conflict(refusal)
    raise Forbidden(refusal)


async def _announce_approval(work: Work, leave: Leave, approver_id: str) -> None:
    await work.emit(
        "leave.approved",
        LeaveApproved(
            leave_id=leave.id,
            user_id=leave.user_id,
            unit_id=leave.unit_id,
            kind=leave.kind,  # type: ignore[arg-type]  # a LeaveKind when stored
            start=leave.start,
            end=leave.end,
            half=leave.half,  # type: ignore[arg-type]  # a HalfDay when stored
            approved_by=approver_id,
        ),
        issue=f"leave:{leave.id}",
    )
    notice = NotifyRequested(
        recipients=[leave.user_id],
        title=f"Đơn {LEAVE_LABELS[leave.kind].lower()} đã được duyệt",
        body=f"Từ {leave.start:%d/%m/%Y} đến {leave.end:%d/%m/%Y}.",
        link=leave_page(leave.id),
        dedup_key=f"tk-leave-{leave.id}-approved",
        source_type="leave.approved",
    )
    await work.emit("notify.requested", notice)


async def decide_leave(work: Work, actor: Principal, leave_id: str, approve: bool, note: str) -> Leave:
    """Approve or reject a pending leave (the requester's unit head; a unit head's: a leader)."""
    leave = await _leave(work.session, actor, leave_id)
    await _check_decider(work.session, actor, leave)
    leave.status = "approved" if approve else "rejected"
    leave.decided_by, leave.decided_at, leave.decision_note = actor.id, datetime.now(UTC), note
    detail = {"note": note, "user_id": leave.user_id}
    _audit(work, actor.id, f"timekeeping.leave_{leave.status}", f"tk_leave:{leave.id}", detail)
    if approve:
        await _announce_approval(work, leave, actor.id)
    else:
        notice = NotifyRequested(
            recipients=[leave.user_id],
            title=f"Đơn {LEAVE_LABELS[leave.kind].lower()} không được duyệt",
            body=f"Từ {leave.start:%d/%m/%Y} đến {leave.end:%d/%m/%Y}. {note}".strip(),
            link=leave_page(leave.id),
            dedup_key=f"tk-leave-{leave.id}-rejected",
            source_type="timekeeping.leave_rejected",
        )
        await work.emit("notify.requested", notice)
    return leave


# -- corrections and the month ---------------------------------------------------------------------


@dataclass(frozen=True)
class DayCorrected:
    """A day's symbol before and after a correction."""

    user_id: str
    day: date
    before: str | None
    after: str


async def _symbol_on(session: AsyncSession, user: User, day: date) -> str | None:
    sheet = await build_sheet(session, user.unit_id or "", day.strftime("%Y-%m"))
    return next((day_symbol(sheet, p, day) for p in sheet.people if p.user_id == user.id), None)


async def correct_day(
    work: Work, actor: Principal, user_id: str, day: date, symbol: str, reason: str
) -> DayCorrected:
    """Set a day's symbol by hand, with a reason; an audit record keeps before and after."""
    user = await staff_member(work.session, user_id)
    if not await manages(work.session, actor, user.unit_id):
        raise Forbidden("Chỉ trưởng đơn vị của cán bộ hoặc lãnh đạo được điều chỉnh")
    before = await _symbol_on(work.session, user, day)
    now = datetime.now(UTC)
    row = (
        await work.session.execute(
            select(Correction).where(Correction.user_id == user.id, Correction.day == day)
        )
    ).scalar_one_or_none()
    if row is None:
        row = Correction(user_id=user.id, day=day)
        work.session.add(row)
    row.symbol, row.reason, row.corrected_by, row.corrected_at = symbol, reason, actor.id, now
    detail = {"before": before, "after": symbol, "reason": reason}
    _audit(work, actor.id, "timekeeping.corrected", f"tk_day:{user.id}:{day}", detail)
    return DayCorrected(user.id, day, before, symbol)


def _month(month: str) -> None:
    try:
        parse_month(month)
    except ValueError as exc:
        raise Invalid(str(exc), field="month") from None


async def _built(session: AsyncSession, unit_id: str, month: str) -> Sheet:
    _month(month)
    try:
        return await build_sheet(session, unit_id, month)
    except LookupError as exc:
        raise NotFound(str(exc)) from None


async def sheet_for(session: AsyncSession, actor: Principal, unit_id: str, month: str) -> Sheet:
    """The unit's month for a leader, the unit's head or a clerk."""
    if not (actor.has(CLERK) or await manages(session, actor, unit_id)):
        raise Forbidden("Chỉ lãnh đạo, trưởng đơn vị hoặc văn thư xem bảng chấm công")
    return await _built(session, unit_id, month)


async def month_of_person(
    session: AsyncSession, actor: Principal, user_id: str, month: str
) -> tuple[Sheet, PersonMonth]:
    """One person's month: for the person, their unit's head, a leader or a clerk (others: 404)."""
    user = await session.get(User, user_id)
    if user is None or not await sees_month_of(session, actor, user):
        raise NotFound(f"Không có bảng chấm công của cán bộ {user_id!r}")
    if not user.unit_id:
        raise NotFound(f"Cán bộ {user.full_name} chưa thuộc đơn vị nào")
    sheet = await _built(session, user.unit_id, month)
    person = next((p for p in sheet.people if p.user_id == user.id), None)
    if person is None:
        raise NotFound(f"Cán bộ {user.full_name} không có trong bảng chấm công của đơn vị")
    return sheet, person


async def names_of(session: AsyncSession, user_ids: set[str]) -> dict[str, str]:
    """Full names of staff accounts by id."""
    if not user_ids:
        return {}
    rows = await session.execute(select(User.id, User.full_name).where(User.id.in_(user_ids)))
    return {str(uid): str(name) for uid, name in rows.all()}


async def unit_names(session: AsyncSession) -> dict[str, str]:
    """Every unit's name by id."""
    return {str(u.id): str(u.name) for u in (await session.execute(select(Unit))).scalars()}


async def close_month(work: Work, actor: Principal, unit_id: str, month: str) -> int:
    """Close the month: publish the figures (timesheet.closed); answers how many people it counts."""
    _month(month)
    if not await manages(work.session, actor, unit_id):
        raise Forbidden("Chỉ trưởng đơn vị hoặc lãnh đạo chốt bảng chấm công")
    sheet = await _built(work.session, unit_id, month)
    existing = await work.session.get(ClosedMonth, (unit_id, month))
    now = datetime.now(UTC)
    if existing is None:
        work.session.add(ClosedMonth(unit_id=unit_id, month=month, closed_by=actor.id, closed_at=now))
    else:
        existing.closed_by, existing.closed_at = actor.id, now
    rows = [x.totals for x in sheet.people if x.totals is not None]
    await work.emit(
        "timesheet.closed",
        TimesheetClosed(unit_id=unit_id, month=month, closed_by=actor.id, rows=rows),
        issue=f"timesheet:{unit_id}:{month}",
    )
    return len(rows)

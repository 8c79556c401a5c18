"""Timekeeping module: punches off the bus, leave requests, corrections, monthly timesheets."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.timekeeping.export import timesheet_xlsx
from handlers.timekeeping.models import ClosedMonth, Correction, Enrolment, Leave, Punch, ShiftRule
from handlers.timekeeping.rules import CORRECTABLE, ShiftRuleConfig
from handlers.timekeeping.timesheet import Sheet, build_sheet, day_symbol, parse_month, rule_for
from hub.auth import CurrentPrincipal, Principal, require_roles
from hub.directory import ADMIN, CLERK, LEADER, UNIT_HEAD, Unit, User
from hub.errors import PermanentError
from hub.models import AuditEntry
from hub.module import Module
from hub.runtime import Delivery, Hub
from schemas.timekeeping import (
    LEAVE_LABELS,
    AttendancePunched,
    HalfDay,
    LeaveApproved,
    LeaveCancelled,
    LeaveKind,
    TimesheetClosed,
)

SOURCE = "timekeeping"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def resolve_employee(session: AsyncSession, code: str) -> str | None:
    """The user id behind a device enrolment code, a user id or a username."""
    enrolment = await session.get(Enrolment, code)
    if enrolment is not None:
        return enrolment.user_id
    user = (
        await session.execute(select(User).where(or_(User.id == code, User.username == code)))
    ).scalar_one_or_none()
    return user.id if user is not None else None


async def record_punch(d: Delivery) -> None:
    """Store a check-in or check-out from any source, once."""
    punch: AttendancePunched = d.payload
    assert d.session is not None
    key = f"{punch.source}:{punch.punch_id}"
    if await d.session.get(Punch, key) is not None:
        return
    user_id = await resolve_employee(d.session, punch.employee_code)
    if user_id is None:
        raise PermanentError(
            f"employee code {punch.employee_code!r} from {punch.device_id or punch.source} "
            "matches no enrolment and no staff account"
        )
    d.session.add(
        Punch(
            punch_id=key,
            user_id=user_id,
            at=punch.at.astimezone(UTC),
            direction=punch.direction,
            source=punch.source,
            device_id=punch.device_id,
        )
    )


# -- API models --------------------------------------------------------------------------------------


class CheckIn(BaseModel):
    direction: Annotated[str, Field(pattern="^(in|out|unknown)$")] = "unknown"


class KioskPunch(CheckIn):
    employee_code: str = Field(min_length=1, max_length=80)
    kiosk_id: str = Field(default="kiosk", max_length=80)


class EnrolmentIn(BaseModel):
    code: str = Field(min_length=1, max_length=80)
    user_id: str


class LeaveRequest(BaseModel):
    kind: LeaveKind
    start: date
    end: date
    half: HalfDay | None = None
    reason: str = Field(default="", max_length=2000)
    user_id: str | None = Field(default=None, description="For a clerk filing on someone's behalf")

    @model_validator(mode="after")
    def _check(self) -> LeaveRequest:
        if self.end < self.start:
            raise ValueError("ngày kết thúc nghỉ trước ngày bắt đầu")
        if self.half and self.start != self.end:
            raise ValueError("nghỉ nửa ngày chỉ áp dụng cho một ngày")
        return self


class Decision(BaseModel):
    note: str = Field(default="", max_length=2000)


class CorrectionIn(BaseModel):
    user_id: str
    day: date
    symbol: str
    reason: str = Field(min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _check(self) -> CorrectionIn:
        if not self.reason.strip():
            raise ValueError("điều chỉnh chấm công phải có lý do")
        if self.symbol not in CORRECTABLE:
            raise ValueError(
                f"ký hiệu {self.symbol!r} không hợp lệ; dùng một trong: {', '.join(CORRECTABLE)}"
            )
        return self


def leave_view(leave: Leave) -> dict[str, Any]:
    return {
        "id": leave.id,
        "user_id": leave.user_id,
        "unit_id": leave.unit_id,
        "kind": leave.kind,
        "kind_label": LEAVE_LABELS[leave.kind],
        "start": leave.start.isoformat(),
        "end": leave.end.isoformat(),
        "half": leave.half,
        "reason": leave.reason,
        "status": leave.status,
        "decided_by": leave.decided_by,
        "decision_note": leave.decision_note,
    }


def sheet_view(sheet: Sheet) -> dict[str, Any]:
    days = [sheet.first.replace(day=i) for i in range(1, sheet.last.day + 1)]
    return {
        "unit_id": sheet.unit_id,
        "unit_name": sheet.unit_name,
        "month": sheet.month,
        "working_days": sheet.working_days,
        "people": [
            {
                "user_id": p.user_id,
                "full_name": p.full_name,
                "days": {d.isoformat(): day_symbol(sheet, p, d) for d in days},
                "late_minutes": {
                    d.isoformat(): r.late_minutes for d, r in p.days.items() if r is not None and r.late
                },
                "totals": p.totals.model_dump() if p.totals else None,
            }
            for p in sheet.people
        ],
    }


async def manages(session: AsyncSession, principal: Principal, unit_id: str | None) -> bool:
    """Leaders manage every unit; a unit head manages their own unit."""
    if principal.has(LEADER):
        return True
    if unit_id is None or not principal.has(UNIT_HEAD):
        return False
    unit = await session.get(Unit, unit_id)
    return principal.unit_id == unit_id or (unit is not None and unit.head_user_id == principal.id)


async def approver_of(session: AsyncSession, user: User) -> str | None:
    """Who approves this person's leave: the head of their unit, or for a unit head the director."""
    unit = await session.get(Unit, user.unit_id) if user.unit_id else None
    if unit is not None and unit.head_user_id and unit.head_user_id != user.id:
        return unit.head_user_id
    leaders = (await session.execute(select(Unit).where(Unit.id == "BGD"))).scalar_one_or_none()
    return leaders.head_user_id if leaders is not None else None


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


async def _sheet(request: Request, principal: Principal, unit_id: str, month: str) -> Sheet:
    async with _hub(request).db.session() as s:
        if not (principal.has(CLERK) or await manages(s, principal, unit_id)):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN, "Chỉ lãnh đạo, trưởng đơn vị hoặc văn thư xem bảng chấm công"
            )
        try:
            return await build_sheet(s, unit_id, month)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        except LookupError as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None


def build_router() -> APIRouter:
    r = APIRouter(prefix="/timekeeping", tags=["timekeeping"])

    async def emit_punch(
        request: Request, p: Principal, code: str, direction: str, source: str, device: str | None
    ) -> dict[str, Any]:
        punch = AttendancePunched(
            punch_id=str(uuid.uuid4()),
            employee_code=code,
            at=datetime.now(UTC),
            direction=direction,  # type: ignore[arg-type]
            source=source,  # type: ignore[arg-type]
            device_id=device,
        )
        async with _hub(request).transaction(source=SOURCE, user_id=p.id) as tx:
            if await resolve_employee(tx.session, code) is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"Không có cán bộ với mã chấm công {code!r}")
            await tx.emit("attendance.punched", punch)
        return {"punch_id": punch.punch_id, "at": punch.at.isoformat(), "source": source}

    @r.post("/checkin", status_code=202)
    async def web_checkin(request: Request, p: CurrentPrincipal, body: CheckIn) -> dict[str, Any]:
        """Check in or out from the web (the caller themself)."""
        return await emit_punch(request, p, p.id, body.direction, "web", None)

    @r.post("/kiosk", status_code=202, dependencies=[require_roles(CLERK, ADMIN)])
    async def kiosk_punch(request: Request, p: CurrentPrincipal, body: KioskPunch) -> dict[str, Any]:
        """A kiosk (logged in as a clerk's station) records a staff member's punch."""
        return await emit_punch(request, p, body.employee_code, body.direction, "kiosk", body.kiosk_id)

    @r.put("/enrolments", dependencies=[require_roles(CLERK, ADMIN, UNIT_HEAD)])
    async def enrol(request: Request, body: EnrolmentIn) -> dict[str, str]:
        """Map a device enrolment code to a staff account."""
        async with _hub(request).db.session() as s:
            if await s.get(User, body.user_id) is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"Không có cán bộ {body.user_id!r}")
            row = await s.get(Enrolment, body.code)
            if row is None:
                s.add(Enrolment(code=body.code, user_id=body.user_id))
            else:
                row.user_id = body.user_id
        return {"code": body.code, "user_id": body.user_id}

    @r.get("/rules/{unit_id}")
    async def get_rule(request: Request, unit_id: str, p: CurrentPrincipal) -> ShiftRuleConfig:
        async with _hub(request).db.session() as s:
            return await rule_for(s, unit_id)

    @r.put("/rules/{unit_id}")
    async def put_rule(
        request: Request, unit_id: str, p: CurrentPrincipal, body: ShiftRuleConfig
    ) -> ShiftRuleConfig:
        """Set a unit's shift rule ('*' sets the default, leaders only)."""
        async with _hub(request).transaction(source=SOURCE, user_id=p.id) as tx:
            allowed = p.has(LEADER) if unit_id == "*" else await manages(tx.session, p, unit_id)
            if not allowed:
                raise HTTPException(
                    status.HTTP_403_FORBIDDEN, "Chỉ lãnh đạo hoặc trưởng đơn vị đặt quy định ca làm việc"
                )
            row = await tx.session.get(ShiftRule, unit_id)
            before = row.rule if row else None
            now = datetime.now(UTC)
            if row is None:
                tx.session.add(
                    ShiftRule(unit_id=unit_id, rule=body.model_dump(), updated_by=p.id, updated_at=now)
                )
            else:
                row.rule, row.updated_by, row.updated_at = body.model_dump(), p.id, now
            tx.session.add(
                AuditEntry(
                    at=now,
                    actor=p.id,
                    action="timekeeping.rule_set",
                    target=f"tk_rule:{unit_id}",
                    detail={"before": before, "after": body.model_dump()},
                )
            )
        return body

    @r.post("/leaves", status_code=201)
    async def request_leave(request: Request, p: CurrentPrincipal, body: LeaveRequest) -> dict[str, Any]:
        """Ask for leave (annual, sick, business trip); the unit head decides."""
        user_id = body.user_id or p.id
        if user_id != p.id and not p.has(CLERK, UNIT_HEAD, LEADER):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "Chỉ được xin nghỉ cho chính mình")
        async with _hub(request).transaction(source=SOURCE, user_id=p.id) as tx:
            user = await tx.session.get(User, user_id)
            if user is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"Không có cán bộ {user_id!r}")
            leave = Leave(
                id=uuid.uuid4().hex[:16],
                user_id=user_id,
                unit_id=user.unit_id,
                kind=body.kind,
                start=body.start,
                end=body.end,
                half=body.half,
                reason=body.reason,
                status="pending",
                requested_at=datetime.now(UTC),
            )
            tx.session.add(leave)
            approver = await approver_of(tx.session, user)
            if approver:
                await tx.emit(
                    "notify.requested",
                    {
                        "recipients": [approver],
                        "title": f"Đơn {LEAVE_LABELS[leave.kind].lower()} chờ duyệt: {user.full_name}",
                        "body": f"Từ {leave.start:%d/%m/%Y} đến {leave.end:%d/%m/%Y}. {leave.reason}".strip(),
                        "urgency": "thuong",
                        "link": f"/timekeeping/leaves/{leave.id}",
                        "dedup_key": f"tk-leave-{leave.id}-requested",
                        "source_type": "timekeeping.leave_requested",
                    },
                )
        return leave_view(leave)

    @r.post("/leaves/{leave_id}/cancel")
    async def cancel_leave(request: Request, leave_id: str, p: CurrentPrincipal) -> dict[str, Any]:
        """Withdraw a leave (requester or approver); withdrawing an approved one emits leave.cancelled."""
        async with _hub(request).transaction(source=SOURCE, user_id=p.id) as tx:
            leave = await tx.session.get(Leave, leave_id)
            if leave is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"Không có đơn nghỉ {leave_id!r}")
            if leave.status not in ("pending", "approved"):
                raise HTTPException(status.HTTP_409_CONFLICT, f"Đơn nghỉ đang ở trạng thái {leave.status}")
            if leave.user_id != p.id and not await manages(tx.session, p, leave.unit_id):
                raise HTTPException(
                    status.HTTP_403_FORBIDDEN, "Chỉ người xin nghỉ hoặc người duyệt được hủy đơn"
                )
            was_approved = leave.status == "approved"
            leave.status, leave.decided_at = "cancelled", datetime.now(UTC)
            tx.session.add(
                AuditEntry(
                    at=datetime.now(UTC),
                    actor=p.id,
                    action="timekeeping.leave_cancelled",
                    target=f"tk_leave:{leave.id}",
                    detail={"was_approved": was_approved, "user_id": leave.user_id},
                )
            )
            if was_approved:
                await tx.emit(
                    "leave.cancelled",
                    LeaveCancelled(leave_id=leave.id, user_id=leave.user_id, cancelled_by=p.id),
                    issue=f"leave:{leave.id}",
                )
            return leave_view(leave)

    @r.get("/leaves")
    async def list_leaves(
        request: Request, p: CurrentPrincipal, status_: Annotated[str | None, Query(alias="status")] = None
    ) -> list[dict[str, Any]]:
        """Own leave, plus the unit's for unit heads and everyone's for leaders and clerks."""
        async with _hub(request).db.session() as s:
            q = select(Leave).order_by(Leave.start)
            if status_:
                q = q.where(Leave.status == status_)
            if not p.has(LEADER, CLERK):
                q = q.where(
                    or_(Leave.user_id == p.id, Leave.unit_id == p.unit_id)
                    if p.has(UNIT_HEAD)
                    else Leave.user_id == p.id
                )
            return [leave_view(x) for x in (await s.execute(q)).scalars()]

    async def decide(
        request: Request, p: Principal, leave_id: str, approve: bool, note: str
    ) -> dict[str, Any]:
        async with _hub(request).transaction(source=SOURCE, user_id=p.id) as tx:
            leave = await tx.session.get(Leave, leave_id)
            if leave is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"Không có đơn nghỉ {leave_id!r}")
            if leave.status != "pending":
                raise HTTPException(status.HTTP_409_CONFLICT, f"Đơn nghỉ đã được xử lý ({leave.status})")
            if leave.user_id == p.id:
                raise HTTPException(status.HTTP_403_FORBIDDEN, "Không tự duyệt đơn nghỉ của mình")
            requester = await tx.session.get(User, leave.user_id)
            head_of_unit = requester is not None and UNIT_HEAD in (requester.roles or [])
            allowed = p.has(LEADER) if head_of_unit else await manages(tx.session, p, leave.unit_id)
            if not allowed:
                raise HTTPException(
                    status.HTTP_403_FORBIDDEN,
                    "Đơn nghỉ do trưởng đơn vị của người xin nghỉ duyệt "
                    "(của trưởng đơn vị: lãnh đạo Sở duyệt)",
                )
            leave.status = "approved" if approve else "rejected"
            leave.decided_by, leave.decided_at, leave.decision_note = p.id, datetime.now(UTC), note
            tx.session.add(
                AuditEntry(
                    at=datetime.now(UTC),
                    actor=p.id,
                    action=f"timekeeping.leave_{leave.status}",
                    target=f"tk_leave:{leave.id}",
                    detail={"note": note, "user_id": leave.user_id},
                )
            )
            if approve:
                await tx.emit(
                    "leave.approved",
                    LeaveApproved(
                        leave_id=leave.id,
                        user_id=leave.user_id,
                        unit_id=leave.unit_id,
                        kind=leave.kind,  # type: ignore[arg-type]
                        start=leave.start,
                        end=leave.end,
                        half=leave.half,
                        approved_by=p.id,  # type: ignore[arg-type]
                    ),
                    issue=f"leave:{leave.id}",
                )
                await tx.emit(
                    "notify.requested",
                    {
                        "recipients": [leave.user_id],
                        "title": f"Đơn {LEAVE_LABELS[leave.kind].lower()} đã được duyệt",
                        "body": f"Từ {leave.start:%d/%m/%Y} đến {leave.end:%d/%m/%Y}.",
                        "urgency": "thuong",
                        "link": f"/timekeeping/leaves/{leave.id}",
                        "dedup_key": f"tk-leave-{leave.id}-approved",
                        "source_type": "leave.approved",
                    },
                )
            return leave_view(leave)

    @r.post("/leaves/{leave_id}/approve", dependencies=[require_roles(UNIT_HEAD, LEADER)])
    async def approve_leave(
        request: Request, leave_id: str, p: CurrentPrincipal, body: Decision | None = None
    ) -> dict[str, Any]:
        return await decide(request, p, leave_id, True, body.note if body else "")

    @r.post("/leaves/{leave_id}/reject", dependencies=[require_roles(UNIT_HEAD, LEADER)])
    async def reject_leave(
        request: Request, leave_id: str, p: CurrentPrincipal, body: Decision | None = None
    ) -> dict[str, Any]:
        return await decide(request, p, leave_id, False, body.note if body else "")

    @r.post("/corrections", status_code=201, dependencies=[require_roles(UNIT_HEAD, LEADER)])
    async def correct(request: Request, p: CurrentPrincipal, body: CorrectionIn) -> dict[str, Any]:
        """Set a day's symbol by hand, with a reason; an audit record keeps before and after."""
        async with _hub(request).transaction(source=SOURCE, user_id=p.id) as tx:
            user = await tx.session.get(User, body.user_id)
            if user is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"Không có cán bộ {body.user_id!r}")
            if not await manages(tx.session, p, user.unit_id):
                raise HTTPException(
                    status.HTTP_403_FORBIDDEN, "Chỉ trưởng đơn vị của cán bộ hoặc lãnh đạo được điều chỉnh"
                )
            sheet_before = await build_sheet(tx.session, user.unit_id or "", body.day.strftime("%Y-%m"))
            before = next(
                (day_symbol(sheet_before, x, body.day) for x in sheet_before.people if x.user_id == user.id),
                None,
            )
            now = datetime.now(UTC)
            row = (
                await tx.session.execute(
                    select(Correction).where(Correction.user_id == user.id, Correction.day == body.day)
                )
            ).scalar_one_or_none()
            if row is None:
                tx.session.add(
                    Correction(
                        user_id=user.id,
                        day=body.day,
                        symbol=body.symbol,
                        reason=body.reason,
                        corrected_by=p.id,
                        corrected_at=now,
                    )
                )
            else:
                row.symbol, row.reason, row.corrected_by, row.corrected_at = (
                    body.symbol,
                    body.reason,
                    p.id,
                    now,
                )
            tx.session.add(
                AuditEntry(
                    at=now,
                    actor=p.id,
                    action="timekeeping.corrected",
                    target=f"tk_day:{user.id}:{body.day}",
                    detail={"before": before, "after": body.symbol, "reason": body.reason},
                )
            )
        return {"user_id": user.id, "day": body.day.isoformat(), "before": before, "after": body.symbol}

    @r.get("/timesheets/{unit_id}/{month}")
    async def timesheet(request: Request, unit_id: str, month: str, p: CurrentPrincipal) -> dict[str, Any]:
        """The unit's monthly timesheet with symbols and totals."""
        return sheet_view(await _sheet(request, p, unit_id, month))

    @r.get("/timesheets/{unit_id}/{month}/xlsx")
    async def timesheet_file(request: Request, unit_id: str, month: str, p: CurrentPrincipal) -> Response:
        """The timesheet as XLSX (bảng chấm công)."""
        sheet = await _sheet(request, p, unit_id, month)
        name = f"bang-cham-cong-{unit_id}-{month}.xlsx"
        return Response(
            timesheet_xlsx(sheet),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @r.get("/stats/{unit_id}/{month}")
    async def stats(request: Request, unit_id: str, month: str, p: CurrentPrincipal) -> list[dict[str, Any]]:
        """Late arrivals, early departures and absences per person."""
        sheet = await _sheet(request, p, unit_id, month)
        out = []
        for person in sheet.people:
            t = person.totals
            assert t is not None
            out.append(
                {
                    "user_id": person.user_id,
                    "full_name": person.full_name,
                    "late_count": t.late_count,
                    "late_minutes": t.late_minutes,
                    "early_leave_count": t.early_leave_count,
                    "absent_days": t.absent,
                    "late_days": [d.isoformat() for d, x in person.days.items() if x is not None and x.late],
                    "absent_dates": [
                        d.isoformat() for d, x in person.days.items() if x is not None and x.absent
                    ],
                }
            )
        return out

    @r.post("/timesheets/{unit_id}/{month}/close")
    async def close(request: Request, unit_id: str, month: str, p: CurrentPrincipal) -> dict[str, Any]:
        """Close the month: publish the figures (timesheet.closed) for evaluation and payroll."""
        try:
            parse_month(month)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        async with _hub(request).transaction(source=SOURCE, user_id=p.id) as tx:
            if not await manages(tx.session, p, unit_id):
                raise HTTPException(
                    status.HTTP_403_FORBIDDEN, "Chỉ trưởng đơn vị hoặc lãnh đạo chốt bảng chấm công"
                )
            try:
                sheet = await build_sheet(tx.session, unit_id, month)
            except LookupError as exc:
                raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
            existing = await tx.session.get(ClosedMonth, (unit_id, month))
            now = datetime.now(UTC)
            if existing is None:
                tx.session.add(ClosedMonth(unit_id=unit_id, month=month, closed_by=p.id, closed_at=now))
            else:
                existing.closed_by, existing.closed_at = p.id, now
            rows = [x.totals for x in sheet.people if x.totals is not None]
            await tx.emit(
                "timesheet.closed",
                TimesheetClosed(unit_id=unit_id, month=month, closed_by=p.id, rows=rows),
                issue=f"timesheet:{unit_id}:{month}",
            )
        return {"unit_id": unit_id, "month": month, "people": len(rows)}

    return r


class TimekeepingModule(Module):
    """Attendance punches, shift rules, leave, corrections and the monthly timesheet."""

    name = "timekeeping"

    def setup(self, hub: Hub) -> None:
        hub.consumer("timekeeping-punches", "lt.attendance.evt.punched", transactional=True)(record_punch)

    def router(self) -> APIRouter:
        return build_router()

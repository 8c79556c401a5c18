"""REST API of timekeeping under /api/timekeeping: check-in, enrolment, shift rules, leave, timesheets."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field, model_validator

from handlers.timekeeping import TimekeepingModule, access, service
from handlers.timekeeping.export import timesheet_xlsx
from handlers.timekeeping.models import Leave
from handlers.timekeeping.rules import CORRECTABLE, ShiftRuleConfig
from handlers.timekeeping.service import SOURCE, LeaveAsk
from handlers.timekeeping.settings import TimekeepingSettings
from handlers.timekeeping.timesheet import PersonMonth, Sheet, day_symbol, rule_for
from hub.auth import CurrentPrincipal, Principal
from hub.web import HubDep, Page, Paging, module_of, transaction
from schemas.timekeeping import LEAVE_LABELS, HalfDay, LeaveKind, PunchDirection, PunchSource, TimesheetRow

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

router = APIRouter(prefix="/timekeeping", tags=["timekeeping"])


def _settings(request: Request) -> TimekeepingSettings:
    return module_of(request, "timekeeping", TimekeepingModule).settings


Settings = Annotated[TimekeepingSettings, Depends(_settings)]


# -- request models ---------------------------------------------------------------------------------


class CheckIn(BaseModel):
    direction: PunchDirection = "unknown"


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


# -- response models --------------------------------------------------------------------------------


class PunchAccepted(BaseModel):
    """A punch published on the bus (stored by the punches consumer)."""

    punch_id: str
    at: datetime
    source: PunchSource


class EnrolmentOut(BaseModel):
    code: str
    user_id: str


class LeaveView(BaseModel):
    """A leave request as the API shows it, with names, labels and what the caller may do with it."""

    id: str
    user_id: str
    full_name: str
    unit_id: str | None
    unit_name: str
    kind: str
    kind_label: str
    start: date
    end: date
    half: str | None
    half_label: str = Field(description="'Buổi sáng', 'Buổi chiều' or '' for whole days")
    reason: str
    status: str = Field(description="pending | approved | rejected | cancelled")
    status_label: str
    requested_at: datetime
    decided_by: str | None
    decided_by_name: str
    decided_at: datetime | None
    decision_note: str
    may_decide: bool = Field(description="The caller may approve or refuse it now")
    may_cancel: bool = Field(description="The caller may withdraw it")


HALF_LABELS = {"morning": "Buổi sáng", "afternoon": "Buổi chiều"}


async def leave_views(session: AsyncSession, actor: Principal, leaves: list[Leave]) -> list[LeaveView]:
    """Leave requests with the names of the people and units they name, and the caller's rights."""
    people = {x.user_id for x in leaves} | {x.decided_by for x in leaves if x.decided_by}
    names = await service.names_of(session, people)
    units = await service.unit_names(session)
    return [
        LeaveView(
            id=x.id,
            user_id=x.user_id,
            full_name=names.get(x.user_id, x.user_id),
            unit_id=x.unit_id,
            unit_name=units.get(x.unit_id or "", ""),
            kind=x.kind,
            kind_label=LEAVE_LABELS[x.kind],
            start=x.start,
            end=x.end,
            half=x.half,
            half_label=HALF_LABELS.get(x.half or "", ""),
            reason=x.reason,
            status=x.status,
            status_label=access.status_label(x.status),
            requested_at=aware(x.requested_at),
            decided_by=x.decided_by,
            decided_by_name=names.get(x.decided_by or "", ""),
            decided_at=aware(x.decided_at) if x.decided_at else None,
            decision_note=x.decision_note,
            may_decide=await service.may_decide(session, actor, x),
            may_cancel=await access.may_cancel(session, actor, x),
        )
        for x in leaves
    ]


async def leave_view(session: AsyncSession, actor: Principal, leave: Leave) -> LeaveView:
    return (await leave_views(session, actor, [leave]))[0]


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes: they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class CorrectionOut(BaseModel):
    user_id: str
    day: date
    before: str | None = Field(description="The day's symbol before the correction")
    after: str


class PersonSheet(BaseModel):
    """One person's line of the timesheet: a symbol per day (ISO date), late minutes, totals."""

    user_id: str
    full_name: str
    days: dict[str, str]
    late_minutes: dict[str, int]
    totals: TimesheetRow | None

    @classmethod
    def of(cls, sheet: Sheet, person: PersonMonth) -> PersonSheet:
        days = [sheet.first.replace(day=i) for i in range(1, sheet.last.day + 1)]
        return cls(
            user_id=person.user_id,
            full_name=person.full_name,
            days={d.isoformat(): day_symbol(sheet, person, d) for d in days},
            late_minutes={
                d.isoformat(): r.late_minutes for d, r in person.days.items() if r is not None and r.late
            },
            totals=person.totals,
        )


class PersonMonthView(PersonSheet):
    """One person's month with the unit and the month it belongs to."""

    unit_id: str
    unit_name: str
    month: str
    working_days: int
    today: date = Field(description="Days after it are blank")


class TimesheetView(BaseModel):
    """A unit's month (bảng chấm công)."""

    unit_id: str
    unit_name: str
    month: str
    working_days: int
    today: date = Field(description="Days after it are blank")
    people: list[PersonSheet]


class PersonStats(BaseModel):
    """Late arrivals, early departures and absences of one person in a month."""

    user_id: str
    full_name: str
    late_count: int
    late_minutes: int
    early_leave_count: int
    absent_days: float
    late_days: list[date]
    absent_dates: list[date]

    @classmethod
    def of(cls, person: PersonMonth) -> PersonStats:
        t = person.totals
        assert t is not None  # every person of a built sheet has totals
        return cls(
            user_id=person.user_id,
            full_name=person.full_name,
            late_count=t.late_count,
            late_minutes=t.late_minutes,
            early_leave_count=t.early_leave_count,
            absent_days=t.absent,
            late_days=[d for d, x in person.days.items() if x is not None and x.late],
            absent_dates=[d for d, x in person.days.items() if x is not None and x.absent],
        )


class MonthClosed(BaseModel):
    unit_id: str
    month: str
    people: int = Field(description="How many people's figures timesheet.closed carried")


# -- check-in and enrolment -------------------------------------------------------------------------


async def _punch(
    request: Request,
    p: Principal,
    code: str,
    direction: PunchDirection,
    source: PunchSource,
    device: str | None,
) -> PunchAccepted:
    async with transaction(request, SOURCE, p.id) as work:
        punch = await service.punch_now(work, code, direction, source, device)
    return PunchAccepted(punch_id=punch.punch_id, at=punch.at, source=source)


@router.post("/checkin", status_code=202)
async def web_checkin(request: Request, p: CurrentPrincipal, body: CheckIn) -> PunchAccepted:
    """Check in or out from the web (the caller themself)."""
    return await _punch(request, p, p.id, body.direction, "web", None)


@router.post("/kiosk", status_code=202)
async def kiosk_punch(request: Request, p: CurrentPrincipal, body: KioskPunch) -> PunchAccepted:
    """A kiosk (logged in as a clerk's station) records a staff member's punch."""
    async with transaction(request, SOURCE, p.id) as work:
        punch = await service.kiosk_punch(work, p, body.employee_code, body.direction, body.kiosk_id)
    return PunchAccepted(punch_id=punch.punch_id, at=punch.at, source="kiosk")


@router.put("/enrolments")
async def enrol(request: Request, p: CurrentPrincipal, body: EnrolmentIn) -> EnrolmentOut:
    """Map a device enrolment code to a staff account (administrators; audited)."""
    async with transaction(request, SOURCE, p.id) as work:
        await service.enrol(work, p, body.code, body.user_id)
    return EnrolmentOut(code=body.code, user_id=body.user_id)


# -- shift rules ------------------------------------------------------------------------------------


@router.get("/rules/{unit_id}")
async def get_rule(hub: HubDep, unit_id: str) -> ShiftRuleConfig:
    """A unit's shift rule (its own, else the default '*', else the built-in one)."""
    async with hub.db.session() as s:
        return await rule_for(s, unit_id)


@router.put("/rules/{unit_id}")
async def put_rule(
    request: Request, unit_id: str, p: CurrentPrincipal, body: ShiftRuleConfig
) -> ShiftRuleConfig:
    """Set a unit's shift rule ('*' sets the default, leaders only)."""
    async with transaction(request, SOURCE, p.id) as work:
        await service.set_rule(work, p, unit_id, body)
    return body


# -- leave ------------------------------------------------------------------------------------------


@router.post("/leaves", status_code=201)
async def request_leave(
    request: Request, p: CurrentPrincipal, body: LeaveRequest, settings: Settings
) -> LeaveView:
    """Ask for leave (annual, sick, business trip); the unit head decides."""
    ask = LeaveAsk(body.kind, body.start, body.end, body.half, body.reason, body.user_id)
    async with transaction(request, SOURCE, p.id) as work:
        leave = await service.request_leave(work, p, ask, settings.leaders_unit)
        await work.session.flush()
        return await leave_view(work.session, p, leave)


@router.post("/leaves/{leave_id}/cancel")
async def cancel_leave(request: Request, leave_id: str, p: CurrentPrincipal) -> LeaveView:
    """Withdraw a leave (requester or approver); withdrawing an approved one emits leave.cancelled."""
    async with transaction(request, SOURCE, p.id) as work:
        return await leave_view(work.session, p, await service.cancel_leave(work, p, leave_id))


@router.get("/leaves")
async def list_leaves(
    hub: HubDep,
    p: CurrentPrincipal,
    paging: Paging,
    status: Annotated[str | None, Query(description="pending, approved, rejected or cancelled")] = None,
) -> Page[LeaveView]:
    """Own leave, plus the unit's for unit heads and everyone's for leaders and clerks (by start date)."""
    async with hub.db.session() as s:
        rows, total = await service.leaves_of(s, p, status, paging.limit, paging.offset)
        return Page.of(await leave_views(s, p, rows), total, paging)


@router.get("/leaves/{leave_id}")
async def get_leave(hub: HubDep, p: CurrentPrincipal, leave_id: str) -> LeaveView:
    """One leave request: the requester's, their unit head's, a leader's or a clerk's (others: 404)."""
    async with hub.db.session() as s:
        return await leave_view(s, p, await service.leave_for(s, p, leave_id))


@router.post("/leaves/{leave_id}/approve")
async def approve_leave(
    request: Request, leave_id: str, p: CurrentPrincipal, body: Decision | None = None
) -> LeaveView:
    """Approve a pending leave: leave.approved for the timesheet and meetings, a notice to the requester."""
    async with transaction(request, SOURCE, p.id) as work:
        leave = await service.decide_leave(work, p, leave_id, True, body.note if body else "")
        return await leave_view(work.session, p, leave)


@router.post("/leaves/{leave_id}/reject")
async def reject_leave(
    request: Request, leave_id: str, p: CurrentPrincipal, body: Decision | None = None
) -> LeaveView:
    """Reject a pending leave, with a note."""
    async with transaction(request, SOURCE, p.id) as work:
        leave = await service.decide_leave(work, p, leave_id, False, body.note if body else "")
        return await leave_view(work.session, p, leave)


# -- corrections and the month ---------------------------------------------------------------------


@router.post("/corrections", status_code=201)
async def correct(request: Request, p: CurrentPrincipal, body: CorrectionIn) -> CorrectionOut:
    """Set a day's symbol by hand, with a reason; an audit record keeps before and after."""
    async with transaction(request, SOURCE, p.id) as work:
        done = await service.correct_day(work, p, body.user_id, body.day, body.symbol, body.reason)
    return CorrectionOut(user_id=done.user_id, day=done.day, before=done.before, after=done.after)


@router.get("/timesheets/{unit_id}/{month}")
async def timesheet(hub: HubDep, unit_id: str, month: str, p: CurrentPrincipal) -> TimesheetView:
    """The unit's monthly timesheet with symbols and totals."""
    async with hub.db.session() as s:
        sheet = await service.sheet_for(s, p, unit_id, month)
    return TimesheetView(
        unit_id=sheet.unit_id,
        unit_name=sheet.unit_name,
        month=sheet.month,
        working_days=sheet.working_days,
        today=sheet.today,
        people=[PersonSheet.of(sheet, person) for person in sheet.people],
    )


@router.get("/people/{user_id}/{month}")
async def person_month(hub: HubDep, user_id: str, month: str, p: CurrentPrincipal) -> PersonMonthView:
    """One person's month: the person themself, their unit's head, a leader or a clerk (others: 404)."""
    async with hub.db.session() as s:
        sheet, person = await service.month_of_person(s, p, user_id, month)
    return PersonMonthView(
        **PersonSheet.of(sheet, person).model_dump(),
        unit_id=sheet.unit_id,
        unit_name=sheet.unit_name,
        month=sheet.month,
        working_days=sheet.working_days,
        today=sheet.today,
    )


@router.get("/timesheets/{unit_id}/{month}/xlsx")
async def timesheet_file(
    hub: HubDep, unit_id: str, month: str, p: CurrentPrincipal, settings: Settings
) -> Response:
    """The timesheet as XLSX (bảng chấm công)."""
    async with hub.db.session() as s:
        sheet = await service.sheet_for(s, p, unit_id, month)
    name = f"bang-cham-cong-{unit_id}-{month}.xlsx"
    return Response(
        await asyncio.to_thread(timesheet_xlsx, sheet, settings.agency_heading),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/stats/{unit_id}/{month}")
async def stats(
    hub: HubDep, unit_id: str, month: str, p: CurrentPrincipal, paging: Paging
) -> Page[PersonStats]:
    """Late arrivals, early departures and absences per person."""
    async with hub.db.session() as s:
        sheet = await service.sheet_for(s, p, unit_id, month)
    return Page.whole([PersonStats.of(person) for person in sheet.people], paging)


@router.post("/timesheets/{unit_id}/{month}/close")
async def close(request: Request, unit_id: str, month: str, p: CurrentPrincipal) -> MonthClosed:
    """Close the month: publish the figures (timesheet.closed) for evaluation and payroll."""
    async with transaction(request, SOURCE, p.id) as work:
        people = await service.close_month(work, p, unit_id, month)
    return MonthClosed(unit_id=unit_id, month=month, people=people)

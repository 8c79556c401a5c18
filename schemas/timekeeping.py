"""Timekeeping messages: punches from devices and kiosks, approved leave, closed monthly timesheets."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from schemas.registry import message_type

PunchSource = Literal["device", "kiosk", "web"]
PunchDirection = Literal["in", "out", "unknown"]
LeaveKind = Literal["annual", "sick", "business_trip"]
HalfDay = Literal["morning", "afternoon"]

LEAVE_LABELS: dict[str, str] = {
    "annual": "Nghỉ phép",
    "sick": "Nghỉ ốm",
    "business_trip": "Đi công tác",
}


@message_type("attendance.punched", "lt.attendance.evt.punched")
class AttendancePunched(BaseModel):
    """A staff member checked in or out on a device, a kiosk or the web."""

    punch_id: str = Field(min_length=1, max_length=120, description="Unique per device event")
    employee_code: str = Field(min_length=1, max_length=80, description="User id or device enrolment code")
    at: AwareDatetime
    direction: PunchDirection = "unknown"
    source: PunchSource = "device"
    device_id: str | None = Field(default=None, max_length=80)


@message_type("leave.approved", "lt.timekeeping.evt.leave_approved")
class LeaveApproved(BaseModel):
    """The unit head approved a leave request (annual, sick or business trip)."""

    leave_id: str
    user_id: str
    unit_id: str | None = None
    kind: LeaveKind
    start: date
    end: date
    half: HalfDay | None = Field(default=None, description="Only half of a one-day leave")
    approved_by: str

    @model_validator(mode="after")
    def _ordered(self) -> LeaveApproved:
        if self.end < self.start:
            raise ValueError("leave end is before its start")
        return self


@message_type("leave.cancelled", "lt.timekeeping.evt.leave_cancelled")
class LeaveCancelled(BaseModel):
    """An approved leave was withdrawn."""

    leave_id: str
    user_id: str
    cancelled_by: str


class TimesheetRow(BaseModel):
    """One person's month in figures."""

    user_id: str
    working_days: int = Field(ge=0, description="Working days of the month by the calendar")
    worked: float = Field(ge=0, description="Days worked, half days counted as 0.5")
    annual_leave: float = 0
    sick_leave: float = 0
    business_trip: float = 0
    absent: float = Field(default=0, description="Unexcused absence in days")
    late_count: int = 0
    late_minutes: int = 0
    early_leave_count: int = 0
    corrections: int = 0


@message_type("timesheet.closed", "lt.timekeeping.evt.timesheet_closed")
class TimesheetClosed(BaseModel):
    """A unit's monthly timesheet (bảng chấm công) was closed; figures per person."""

    unit_id: str
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    closed_by: str
    rows: list[TimesheetRow]

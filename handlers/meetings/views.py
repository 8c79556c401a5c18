"""What callers send to the schedule (request bodies with their rules) and what they see of it."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field, field_validator, model_validator

from handlers.meetings.conflicts import VIETNAM, local


def aware(moment: datetime) -> datetime:
    """A timestamp given without an offset is Vietnam time."""
    return moment if moment.tzinfo else moment.replace(tzinfo=VIETNAM)


# -- what callers send ----------------------------------------------------------------------------------


class MeetingIn(BaseModel):
    """A meeting or event to put on the schedule; times without an offset are Vietnam time."""

    title: str = Field(min_length=1, max_length=500)
    chair_id: str = Field(min_length=1)
    participant_ids: list[str] = Field(default_factory=list)
    unit_ids: list[str] = Field(default_factory=list)
    room_id: str | None = None
    place: str = Field(default="", max_length=300)
    starts_at: datetime
    ends_at: datetime
    preparation: str = Field(default="", max_length=4000, description="Documents to prepare, and by whom")

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _tz(cls, value: datetime) -> datetime:
        return aware(value)

    @model_validator(mode="after")
    def _check(self) -> MeetingIn:
        if self.ends_at <= self.starts_at:
            raise ValueError("giờ kết thúc phải sau giờ bắt đầu")
        if local(self.starts_at).date() != local(self.ends_at).date():
            raise ValueError("cuộc họp phải bắt đầu và kết thúc trong cùng một ngày")
        if not self.room_id and not self.place.strip():
            raise ValueError("cần phòng họp (room_id) hoặc địa điểm (place)")
        return self


class MeetingPatch(BaseModel):
    """A change to a meeting; only the given fields change."""

    title: str | None = Field(default=None, min_length=1, max_length=500)
    chair_id: str | None = None
    participant_ids: list[str] | None = None
    unit_ids: list[str] | None = None
    room_id: str | None = None
    place: str | None = Field(default=None, max_length=300)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    preparation: str | None = Field(default=None, max_length=4000)
    reason: str = Field(default="", max_length=1000)

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _tz(cls, value: datetime | None) -> datetime | None:
        return aware(value) if value else None


class Batch(BaseModel):
    """A unit's items for a week, registered all or none."""

    meetings: list[MeetingIn] = Field(min_length=1, max_length=200)


class Review(BaseModel):
    """The office's note on an approval, a rejection or a cancellation."""

    note: str = Field(default="", max_length=2000)


class RoomIn(BaseModel):
    """A meeting room of the department."""

    id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)
    capacity: int = Field(default=0, ge=0)
    location: str = Field(default="", max_length=300)


# -- what callers see -----------------------------------------------------------------------------------


class RoomView(RoomIn):
    """A meeting room as listed."""


class MeetingView(BaseModel):
    """A meeting as the schedule shows it: names resolved, times in Vietnam time."""

    id: str
    week_start: date
    title: str
    chair_id: str
    chair: str = Field(description="The chair's full name")
    participant_ids: list[str]
    unit_ids: list[str]
    room_id: str | None
    place: str = Field(description="The room (name, location) or the place given")
    starts_at: datetime
    ends_at: datetime
    when: str = Field(description="'08:00–10:00 Thứ Hai 07/09/2026'")
    preparation: str
    status: str = Field(description="registered | approved | rejected | cancelled")
    status_label: str = Field(description="The status in words: 'Chờ duyệt', 'Đã duyệt', ...")
    participants: list[str] = Field(description="The participants' full names")
    units: list[str] = Field(description="The names of the units invited")
    registered_by_name: str
    warnings: list[str] = Field(description="Flags that did not block: people double-booked or on leave")
    review_note: str
    published_version: int = Field(description="0 until the week is published")
    sequence: int = Field(description="Changes published after the week (iCalendar SEQUENCE)")
    registered_by: str


STATUS_LABELS = {
    "registered": "Chờ duyệt",
    "approved": "Đã duyệt",
    "rejected": "Không duyệt",
    "cancelled": "Đã hủy",
}


def status_label(status: str, published_version: int = 0) -> str:
    """The status as the schedule shows it; an approved item of a published week is published."""
    if status == "approved" and published_version > 0:
        return "Đã phát hành"
    return STATUS_LABELS.get(status, status)


class WeekState(BaseModel):
    """Where a week stands: its items by status and its latest publication."""

    week_start: date
    registered: int = Field(description="Items waiting for review")
    approved: int = Field(description="Approved items, published or not")
    unpublished: int = Field(description="Approved items not yet published")
    version: int = Field(description="Latest published version, 0 when never published")
    published_at: datetime | None
    published_by: str | None
    published_by_name: str
    office: bool = Field(description="The caller acts for the office: reviews and publishes")


class ChangedMeeting(MeetingView):
    """A meeting after a change, with what changed (published when the week already was)."""

    changes: list[str]


class WeekPublication(BaseModel):
    """A published week: its version, how many meetings, who was told."""

    week_start: date
    version: int
    meetings: int
    notified: list[str]
    still_registered: int = Field(description="Items of the week still waiting for review")


class ConflictItem(BaseModel):
    """One item of a registration refused for a clash, with the reasons."""

    index: int = Field(description="Position of the item in the request, from 0")
    title: str
    reasons: list[str]

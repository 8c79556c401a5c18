"""Meeting schedule messages: the weekly schedule (lịch công tác tuần) published, and later changes."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from schemas.registry import message_type


class MeetingFacts(BaseModel):
    """What a published meeting says."""

    meeting_id: str
    title: str
    chair_id: str
    participant_ids: list[str] = Field(default_factory=list)
    unit_ids: list[str] = Field(default_factory=list)
    room_id: str | None = None
    place: str = ""
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    preparation: str = ""
    sequence: int = 0
    status: Literal["approved", "cancelled"] = "approved"


@message_type("meeting.week_published", "lt.meeting.evt.week_published")
class WeekPublished(BaseModel):
    """The office published the approved weekly schedule of a week."""

    week_start: date
    version: int = Field(ge=1)
    published_by: str
    meetings: list[MeetingFacts]
    notified: list[str] = Field(default_factory=list, description="User ids told")


@message_type("meeting.changed", "lt.meeting.evt.changed")
class MeetingChanged(BaseModel):
    """A meeting of a published week was changed or cancelled; the change is published."""

    week_start: date
    meeting: MeetingFacts
    changes: list[str] = Field(description="What changed, in Vietnamese")
    changed_by: str
    notified: list[str] = Field(default_factory=list)

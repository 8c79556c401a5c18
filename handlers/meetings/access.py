"""Who acts on the schedule: the office (leaders, the Văn phòng's head and clerks) or anyone else.

The office sees every item with all its fields; others see the published items and what they
registered themselves; the restricted fields (the office's review note, and the warnings that name
people double-booked or on leave) are shown only to the office and the item's registrant.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.meetings.models import Meeting
from handlers.meetings.settings import MeetingsSettings
from handlers.meetings.views import MeetingView
from hub.auth import Principal
from hub.orgchart import CLERK, LEADER, UNIT_HEAD


@dataclass(frozen=True)
class Actor:
    """The person acting, and whether they act for the office, which reviews and publishes."""

    id: str
    unit_id: str | None
    office: bool

    @classmethod
    def of(cls, p: Principal, settings: MeetingsSettings) -> Actor:
        office = p.has(LEADER) or (p.has(CLERK, UNIT_HEAD) and p.unit_id == settings.office_unit)
        return cls(p.id, p.unit_id, office)

    def sees(self, m: Meeting) -> bool:
        """The office sees every item; others the published ones and what they registered."""
        return self.office or m.published_version > 0 or m.registered_by == self.id

    def sees_restricted(self, m: Meeting) -> bool:
        """The review note and the warnings (people on leave): the office and the registrant only."""
        return self.office or m.registered_by == self.id

    def shown(self, m: Meeting, view: MeetingView) -> MeetingView:
        """The view of the meeting for this actor: the restricted fields blank for others."""
        if self.sees_restricted(m):
            return view
        return view.model_copy(update={"warnings": [], "review_note": ""})

    def may_edit(self, m: Meeting) -> bool:
        """Once published only the office changes or cancels; before, the registrant may too."""
        return self.office or (m.published_version == 0 and m.registered_by == self.id)

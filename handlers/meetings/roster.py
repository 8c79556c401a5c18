"""The roster a schedule refers to: people, leaders, units, rooms and known leave, loaded once per request.

It checks that a meeting names people, units and rooms that exist, resolves the names for display,
and says who a meeting concerns (chair, participants, heads of the units invited).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.meetings.conflicts import LeaveInfo, local, when
from handlers.meetings.models import KnownLeave, Meeting, Room
from handlers.meetings.render import Item
from handlers.meetings.views import MeetingIn, MeetingView, status_label
from hub.orgchart import LEADER, Unit, User
from schemas.meetings import MeetingFacts


class Roster:
    """Names, leaders, rooms, units and known leave, loaded once per request."""

    def __init__(
        self,
        users: Sequence[User],
        rooms: Sequence[Room],
        units: Sequence[Unit],
        leaves: Sequence[KnownLeave],
    ):
        self.users = {u.id: u for u in users}
        self.names = {u.id: u.full_name for u in users}
        self.leaders = {u.id for u in users if LEADER in (u.roles or [])}
        self.rooms = {r.id: r.name for r in rooms}
        self.room_rows = {r.id: r for r in rooms}
        self.units = {u.id: u for u in units}
        self.leaves: dict[str, list[LeaveInfo]] = {}
        for leave in leaves:
            self.leaves.setdefault(leave.user_id, []).append(
                LeaveInfo(leave.kind, leave.start, leave.end, leave.half)
            )

    @classmethod
    async def load(cls, s: AsyncSession) -> Roster:
        return cls(
            list((await s.execute(select(User))).scalars()),
            list((await s.execute(select(Room))).scalars()),
            list((await s.execute(select(Unit))).scalars()),
            list((await s.execute(select(KnownLeave))).scalars()),
        )

    def problems_of(self, data: MeetingIn) -> list[str]:
        """People, units and rooms the meeting names that do not exist."""
        problems = []
        for person in [data.chair_id, *data.participant_ids]:
            if person not in self.users:
                problems.append(f"không có cán bộ {person!r}")
        for unit in data.unit_ids:
            if unit not in self.units:
                problems.append(f"không có đơn vị {unit!r}")
        if data.room_id and data.room_id not in self.rooms:
            problems.append(f"không có phòng họp {data.room_id!r}")
        return problems

    def place_of(self, m: Meeting) -> str:
        if m.room_id and m.room_id in self.room_rows:
            room = self.room_rows[m.room_id]
            return f"{room.name}, {room.location}" if room.location else room.name
        return m.place

    def concerned(self, m: Meeting) -> list[str]:
        """Chair, participants and the heads of the units invited."""
        people = [m.chair_id, *m.participant_ids]
        for unit_id in m.unit_ids:
            unit = self.units.get(unit_id)
            if unit is not None and unit.head_user_id:
                people.append(unit.head_user_id)
        return list(dict.fromkeys(p for p in people if p in self.users))

    def item(self, m: Meeting) -> Item:
        """The meeting ready to render (iCalendar, PDF, XLSX)."""
        return Item(
            id=m.id,
            title=m.title,
            chair=self.names.get(m.chair_id, m.chair_id),
            participants=[self.names.get(p, p) for p in m.participant_ids],
            units=[self.units[u].name if u in self.units else u for u in m.unit_ids],
            place=self.place_of(m),
            starts_at=m.starts_at,
            ends_at=m.ends_at,
            preparation=m.preparation,
            sequence=m.sequence,
            cancelled=m.status == "cancelled",
            updated_at=m.updated_at,
            attendees=[
                (self.names[p], self.users[p].email or f"{p}@lienthong.invalid")
                for p in self.concerned(m)
                if p in self.users
            ],
        )

    def facts(self, m: Meeting) -> MeetingFacts:
        """The meeting as the bus publishes it."""
        return MeetingFacts(
            meeting_id=m.id,
            title=m.title,
            chair_id=m.chair_id,
            participant_ids=m.participant_ids,
            unit_ids=m.unit_ids,
            room_id=m.room_id,
            place=self.place_of(m),
            starts_at=local(m.starts_at),
            ends_at=local(m.ends_at),
            preparation=m.preparation,
            sequence=m.sequence,
            status="cancelled" if m.status == "cancelled" else "approved",
        )

    def view(self, m: Meeting) -> MeetingView:
        """The meeting as the API shows it."""
        return MeetingView(
            id=m.id,
            week_start=m.week_start,
            title=m.title,
            chair_id=m.chair_id,
            chair=self.names.get(m.chair_id, m.chair_id),
            participant_ids=m.participant_ids,
            unit_ids=m.unit_ids,
            room_id=m.room_id,
            place=self.place_of(m),
            starts_at=local(m.starts_at),
            ends_at=local(m.ends_at),
            when=when(m.starts_at, m.ends_at),
            preparation=m.preparation,
            status=m.status,
            status_label=status_label(m.status, m.published_version),
            participants=[self.names.get(x, x) for x in m.participant_ids],
            units=[self.units[u].name if u in self.units else u for u in m.unit_ids],
            registered_by_name=self.names.get(m.registered_by, m.registered_by),
            warnings=m.warnings,
            review_note=m.review_note,
            published_version=m.published_version,
            sequence=m.sequence,
            registered_by=m.registered_by,
        )

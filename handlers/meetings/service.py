"""The weekly schedule's rules: rooms, registration checked for clashes, review, changes, cancellation.

The entry point of the meetings logic. Publishing a week and later changes is in `publication.py`,
the calendar feeds and exports in `feeds.py`, leave learnt from timekeeping in `leave.py`, the people,
units and rooms a meeting names in `roster.py`, the clash rules themselves in `conflicts.py`.
Refusals are `hub.errors` domain errors.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.meetings.access import Actor
from handlers.meetings.conflicts import VIETNAM, Slot, Verdict, check, local, when
from handlers.meetings.models import Meeting, Room
from handlers.meetings.publication import meeting_page, notify, publish_change, week_published
from handlers.meetings.roster import Roster
from handlers.meetings.views import (
    ChangedMeeting,
    ConflictItem,
    MeetingIn,
    MeetingPatch,
    MeetingView,
    RoomIn,
    RoomView,
    status_label,
)
from hub.errors import Conflict, Forbidden, Invalid, NotFound
from hub.orgchart import CLERK, LEADER, OFFICER, UNIT_HEAD
from hub.runtime import Work

SOURCE = "meetings"
ACTIVE = ("registered", "approved")
STAFF = (CLERK, LEADER, UNIT_HEAD, OFFICER)
EDITABLE = ("title", "chair_id", "participant_ids", "unit_ids", "room_id", "place", "preparation")


class ScheduleConflict(Conflict):
    """Items clash with the schedule (a room booked twice, a leader in two places); every reason is told."""

    def __init__(self, headline: str, conflicts: list[ConflictItem], *, numbered: bool = True) -> None:
        lines = [
            (f"Cuộc họp {c.index + 1} «{c.title}»" if numbered else f"«{c.title}»")
            + ": "
            + "; ".join(c.reasons)
            for c in conflicts
        ]
        super().__init__(headline + ":\n" + "\n".join(lines))
        self.headline = headline
        self.conflicts = conflicts


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def slot(m: Meeting | MeetingIn, id: str = "") -> Slot:
    """What the clash check needs of a meeting, stored or proposed."""
    return Slot(
        id=m.id if isinstance(m, Meeting) else id,
        title=m.title,
        chair_id=m.chair_id,
        participant_ids=list(m.participant_ids),
        room_id=m.room_id,
        starts_at=m.starts_at,
        ends_at=m.ends_at,
    )


async def same_day(s: AsyncSession, starts: datetime, statuses: Sequence[str] = ACTIVE) -> list[Meeting]:
    day = local(starts).date()
    begin = datetime.combine(day, datetime.min.time(), VIETNAM).astimezone(UTC)
    rows = await s.execute(
        select(Meeting).where(
            Meeting.starts_at >= begin,
            Meeting.starts_at < begin + timedelta(days=1),
            Meeting.status.in_(statuses),
        )
    )
    return list(rows.scalars())


async def verdict_for(
    s: AsyncSession,
    roster: Roster,
    candidate: Slot,
    extra: Sequence[Slot] = (),
    statuses: Sequence[str] = ACTIVE,
) -> Verdict:
    others = [slot(m) for m in await same_day(s, candidate.starts_at, statuses)] + list(extra)
    return check(candidate, others, roster.names, roster.leaders, roster.rooms, roster.leaves)


async def meeting_to_handle(s: AsyncSession, meeting_id: str, actor: Actor | None = None) -> Meeting:
    """The meeting to act on; one the actor may not see is answered as not existing (404)."""
    m = await s.get(Meeting, meeting_id)
    if m is None or (actor is not None and not actor.sees(m)):
        raise NotFound(f"Không có cuộc họp {meeting_id!r}")
    return m


# -- rooms ------------------------------------------------------------------------------------------------


async def rooms(s: AsyncSession, offset: int, limit: int) -> tuple[list[RoomView], int]:
    """One slice of the meeting rooms, by id, and how many there are."""
    total = int(await s.scalar(select(func.count()).select_from(Room)) or 0)
    rows = (await s.execute(select(Room).order_by(Room.id).offset(offset).limit(limit))).scalars()
    return [RoomView(id=x.id, name=x.name, capacity=x.capacity, location=x.location) for x in rows], total


async def put_room(s: AsyncSession, actor: Actor, body: RoomIn) -> RoomView:
    """Add or update a meeting room (office only)."""
    if not actor.office:
        raise Forbidden("Chỉ Văn phòng quản lý phòng họp")
    room = await s.get(Room, body.id)
    if room is None:
        s.add(Room(**body.model_dump()))
    else:
        room.name, room.capacity, room.location = body.name, body.capacity, body.location
    return RoomView(**body.model_dump())


# -- reading the schedule ---------------------------------------------------------------------------------


async def week(
    s: AsyncSession, actor: Actor, day: date, offset: int, limit: int
) -> tuple[list[MeetingView], int]:
    """One slice of a week's items the actor may see, in time order, and how many there are."""
    where = [Meeting.week_start == monday_of(day)]
    if not actor.office:
        where.append(or_(Meeting.published_version > 0, Meeting.registered_by == actor.id))
    total = int(await s.scalar(select(func.count()).select_from(Meeting).where(*where)) or 0)
    rows = (
        await s.execute(
            select(Meeting).where(*where).order_by(Meeting.starts_at, Meeting.id).offset(offset).limit(limit)
        )
    ).scalars()
    roster = await Roster.load(s)
    return [actor.shown(m, roster.view(m)) for m in rows], total


async def meeting(s: AsyncSession, actor: Actor, meeting_id: str) -> MeetingView:
    m = await s.get(Meeting, meeting_id)
    if m is None or not actor.sees(m):
        raise NotFound(f"Không có cuộc họp {meeting_id!r}")
    return actor.shown(m, (await Roster.load(s)).view(m))


# -- registration -----------------------------------------------------------------------------------------


async def checked_items(
    s: AsyncSession, roster: Roster, items: Sequence[MeetingIn]
) -> list[tuple[MeetingIn, Verdict]]:
    """Each item with its verdict, checked against the schedule and the items before it in the request."""
    problems: list[ConflictItem] = []
    accepted: list[tuple[MeetingIn, Slot, Verdict]] = []
    for n, item in enumerate(items):
        invalid = roster.problems_of(item)
        if invalid:
            raise Invalid(f"Cuộc họp {n + 1} «{item.title}»: " + "; ".join(invalid))
        candidate = slot(item, id=f"new-{n}")
        verdict = await verdict_for(s, roster, candidate, [a[1] for a in accepted])
        if verdict.refusals:
            problems.append(ConflictItem(index=n, title=item.title, reasons=verdict.refusals))
        accepted.append((item, candidate, verdict))
    if problems:
        raise ScheduleConflict("Lịch bị trùng, không đăng ký được", problems)
    return [(item, verdict) for item, _, verdict in accepted]


def new_meeting(item: MeetingIn, verdict: Verdict, actor: Actor, now: datetime) -> Meeting:
    return Meeting(
        id=uuid.uuid4().hex[:16],
        week_start=monday_of(local(item.starts_at).date()),
        title=item.title,
        chair_id=item.chair_id,
        participant_ids=list(dict.fromkeys(item.participant_ids)),
        unit_ids=list(dict.fromkeys(item.unit_ids)),
        room_id=item.room_id,
        place=item.place,
        starts_at=item.starts_at.astimezone(UTC),
        ends_at=item.ends_at.astimezone(UTC),
        preparation=item.preparation,
        registered_by=actor.id,
        unit_id=actor.unit_id,
        status="registered",
        warnings=verdict.warnings,
        review_note="",
        published_version=0,
        sequence=0,
        created_at=now,
        updated_at=now,
    )


async def register(work: Work, actor: Actor, items: Sequence[MeetingIn]) -> list[MeetingView]:
    """Register items for the office to review: all or none, every clash reported with its reasons."""
    roster = await Roster.load(work.session)
    checked = await checked_items(work.session, roster, items)
    now = datetime.now(UTC)
    out = []
    for item, verdict in checked:
        m = new_meeting(item, verdict, actor, now)
        work.session.add(m)
        out.append(roster.view(m))
    return out


# -- review -----------------------------------------------------------------------------------------------


async def review(work: Work, actor: Actor, meeting_id: str, approve: bool, note: str) -> MeetingView:
    """The office approves (clashes with approved items refused) or rejects a registered item."""
    if not actor.office:
        raise Forbidden("Chỉ Văn phòng duyệt lịch công tác")
    m = await meeting_to_handle(work.session, meeting_id, actor)
    if m.status != "registered":
        raise Conflict(f"Cuộc họp «{m.title}» đã được xử lý ({status_label(m.status).lower()})")
    roster = await Roster.load(work.session)
    if approve:
        verdict = await verdict_for(work.session, roster, slot(m), statuses=("approved",))
        if verdict.refusals:
            raise ScheduleConflict(
                "Không duyệt được vì trùng lịch",
                [ConflictItem(index=0, title=m.title, reasons=verdict.refusals)],
                numbered=False,
            )
        m.warnings = verdict.warnings
    m.status = "approved" if approve else "rejected"
    m.reviewed_by, m.review_note, m.updated_at = actor.id, note, datetime.now(UTC)
    if approve and await week_published(work.session, m.week_start):
        # a late addition to a published week is published at once as a change
        m.published_version = 1
        await work.session.flush()
        await publish_change(work, roster, m, ["Bổ sung vào lịch công tác tuần"], actor.id, [])
    elif not approve:
        await notify(
            work,
            [m.registered_by],
            f"Lịch không được duyệt: {m.title}",
            note or "Văn phòng không duyệt đăng ký lịch.",
            meeting_page(m.id),
            f"mtg-rejected-{m.id}",
        )
    return roster.view(m)


# -- changes and cancellation -----------------------------------------------------------------------------


def merged_meeting(m: Meeting, patch: MeetingPatch) -> MeetingIn:
    """The meeting with the patch applied, checked by the same rules as a new one."""
    current = {k: getattr(m, k) for k in (*EDITABLE, "starts_at", "ends_at")}
    try:
        return MeetingIn.model_validate(
            {**current, **patch.model_dump(exclude_unset=True, exclude={"reason"})}
        )
    except ValidationError as exc:
        raise Invalid("; ".join(str(e["msg"]) for e in exc.errors())) from None


def describe_changes(roster: Roster, before: dict[str, Any], m: Meeting) -> list[str]:
    """What a change did, in words for the people told."""
    changes = []
    if before["starts_at"] != m.starts_at or before["ends_at"] != m.ends_at:
        changes.append(
            f"Thời gian: {when(before['starts_at'], before['ends_at'])} → {when(m.starts_at, m.ends_at)}"
        )
    if before["room_id"] != m.room_id or before["place"] != m.place:
        changes.append(f"Địa điểm: {before['where']} → {roster.place_of(m)}")
    if before["chair_id"] != m.chair_id:
        changes.append(f"Chủ trì: {roster.names.get(before['chair_id'])} → {roster.names.get(m.chair_id)}")
    if before["title"] != m.title:
        changes.append(f"Nội dung: {before['title']} → {m.title}")
    if before["participant_ids"] != m.participant_ids or before["unit_ids"] != m.unit_ids:
        changes.append("Thành phần tham dự thay đổi")
    if before["preparation"] != m.preparation:
        changes.append(f"Chuẩn bị: {m.preparation}")
    return changes


def apply_change(m: Meeting, merged: MeetingIn, verdict: Verdict) -> None:
    for key in EDITABLE:
        setattr(m, key, getattr(merged, key))
    m.starts_at, m.ends_at = merged.starts_at.astimezone(UTC), merged.ends_at.astimezone(UTC)
    m.week_start = monday_of(local(merged.starts_at).date())
    m.warnings, m.updated_at = verdict.warnings, datetime.now(UTC)


async def change(work: Work, actor: Actor, meeting_id: str, patch: MeetingPatch) -> ChangedMeeting:
    """Change a meeting; once published only the office may, and the change is published with notices."""
    m = await meeting_to_handle(work.session, meeting_id, actor)
    if m.status in ("cancelled", "rejected"):
        raise Conflict(f"Cuộc họp «{m.title}» ở trạng thái «{status_label(m.status)}», không thay đổi được")
    if not actor.may_edit(m):
        raise Forbidden("Lịch đã phát hành chỉ Văn phòng được thay đổi")
    roster = await Roster.load(work.session)
    before: dict[str, Any] = {k: getattr(m, k) for k in (*EDITABLE, "starts_at", "ends_at")}
    before["where"] = roster.place_of(m)
    old_concerned = roster.concerned(m)
    merged = merged_meeting(m, patch)
    invalid = roster.problems_of(merged)
    if invalid:
        raise Invalid("; ".join(invalid))
    verdict = await verdict_for(work.session, roster, slot(merged, id=m.id))
    if verdict.refusals:
        raise ScheduleConflict(
            "Thay đổi làm trùng lịch",
            [ConflictItem(index=0, title=merged.title, reasons=verdict.refusals)],
            numbered=False,
        )
    apply_change(m, merged, verdict)
    changes = describe_changes(roster, before, m)
    if patch.reason:
        changes.append(f"Lý do: {patch.reason}")
    if m.published_version > 0 and changes:
        m.sequence += 1
        await work.session.flush()
        await publish_change(work, roster, m, changes, actor.id, old_concerned)
    return ChangedMeeting(**roster.view(m).model_dump(), changes=changes)


async def cancel(work: Work, actor: Actor, meeting_id: str, note: str) -> MeetingView:
    """Cancel a meeting; a published one is published as cancelled, with notices."""
    m = await meeting_to_handle(work.session, meeting_id, actor)
    if not actor.may_edit(m):
        raise Forbidden("Lịch đã phát hành chỉ Văn phòng được hủy")
    if m.status == "cancelled":
        raise Conflict("Cuộc họp đã bị hủy")
    roster = await Roster.load(work.session)
    m.status, m.updated_at = "cancelled", datetime.now(UTC)
    if m.published_version > 0:
        m.sequence += 1
        await work.session.flush()
        reason = note or "không nêu"
        await publish_change(
            work, roster, m, [f"Hủy cuộc họp. Lý do: {reason}"], actor.id, roster.concerned(m)
        )
    return roster.view(m)

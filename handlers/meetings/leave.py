"""Leave learnt from timekeeping: the schedule flags meetings a participant will miss and tells the office."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.meetings.conflicts import VIETNAM, check, when
from handlers.meetings.models import KnownLeave, Meeting
from handlers.meetings.publication import meeting_page
from handlers.meetings.roster import Roster
from handlers.meetings.service import ACTIVE, slot
from handlers.meetings.settings import MeetingsSettings
from hub.runtime import Work
from schemas.notify import NotifyRequested
from schemas.timekeeping import LeaveApproved, LeaveCancelled


async def remember_leave(work: Work, leave: LeaveApproved, settings: MeetingsSettings) -> None:
    """Remember approved leave; flag the person's meetings already on the schedule and tell the office."""
    row = await work.session.get(KnownLeave, leave.leave_id)
    if row is None:
        work.session.add(
            KnownLeave(
                leave_id=leave.leave_id,
                user_id=leave.user_id,
                kind=leave.kind,
                start=leave.start,
                end=leave.end,
                half=leave.half,
            )
        )
    else:
        row.start, row.end, row.kind, row.half = leave.start, leave.end, leave.kind, leave.half
    await work.session.flush()
    roster = await Roster.load(work.session)
    office = roster.units.get(settings.office_unit)
    office_head = office.head_user_id if office else None
    for m in await meetings_during(work.session, leave.start, leave.end):
        if leave.user_id in [m.chair_id, *m.participant_ids]:
            await flag_absence(work, roster, m, leave.leave_id, office_head)


async def meetings_during(s: AsyncSession, start: date, end: date) -> list[Meeting]:
    begin = datetime.combine(start, datetime.min.time(), VIETNAM).astimezone(UTC)
    until = datetime.combine(end + timedelta(days=1), datetime.min.time(), VIETNAM).astimezone(UTC)
    rows = await s.execute(
        select(Meeting).where(
            Meeting.starts_at >= begin, Meeting.starts_at < until, Meeting.status.in_(ACTIVE)
        )
    )
    return list(rows.scalars())


async def flag_absence(
    work: Work, roster: Roster, m: Meeting, leave_id: str, office_head: str | None
) -> None:
    """Add the new leave flags to a meeting and tell its registrant and the head of office."""
    verdict = check(slot(m), [], roster.names, roster.leaders, roster.rooms, roster.leaves)
    flags = [w for w in verdict.warnings if w not in m.warnings]
    if not flags:
        return
    m.warnings = [*m.warnings, *flags]
    recipients = [x for x in (m.registered_by, office_head) if x]
    await work.emit(
        "notify.requested",
        NotifyRequested(
            recipients=recipients,
            title=f"Người dự họp vắng: {m.title}",
            body=f"{when(m.starts_at, m.ends_at)}. " + "; ".join(flags),
            urgency="khan",
            link=meeting_page(m.id),
            dedup_key=f"mtg-leave-{m.id}-{leave_id}",
            source_type="leave.approved",
        ),
    )


async def forget_leave(s: AsyncSession, leave: LeaveCancelled) -> None:
    """Forget a withdrawn leave."""
    row = await s.get(KnownLeave, leave.leave_id)
    if row is not None:
        await s.delete(row)

"""Publishing the schedule: a week's approved items to everyone concerned, and later changes as changes.

Each person is told once per publication with their own items (`notify.requested`); the bus hears
`meeting.week_published` and `meeting.changed`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.meetings.access import Actor
from handlers.meetings.conflicts import when
from handlers.meetings.models import Meeting, Publication
from handlers.meetings.render import title_of_week
from handlers.meetings.roster import Roster
from handlers.meetings.views import WeekPublication, WeekState
from hub.errors import Conflict, Forbidden, Invalid
from hub.runtime import Work
from schemas.meetings import MeetingChanged, WeekPublished
from schemas.notify import NotifyRequested, Urgency


def meeting_page(meeting_id: str) -> str:
    """Where a notice about a meeting points: its page in the staff e-office."""
    return f"/staff/lich-hop/{meeting_id}"


def week_page(week: date) -> str:
    """Where a notice about a published week points: the week's schedule in the staff e-office."""
    return f"/staff/lich-hop?week={week.isoformat()}"


def monday_or_refuse(week: date) -> None:
    if week.weekday() != 0:
        raise Invalid(f"{week:%d/%m/%Y} không phải thứ Hai đầu tuần")


async def week_published(s: AsyncSession, week: date) -> bool:
    return bool(
        await s.scalar(select(func.count()).select_from(Publication).where(Publication.week_start == week))
    )


async def last_version(s: AsyncSession, week: date) -> int:
    """The week's latest published version (0: never published)."""
    return int(
        await s.scalar(select(func.max(Publication.version)).where(Publication.week_start == week)) or 0
    )


async def notify(
    work: Work,
    recipients: Sequence[str],
    title: str,
    body: str,
    link: str,
    key: str,
    urgency: Urgency = "thuong",
) -> None:
    """One notice per person, de-duplicated per person and key."""
    for person in dict.fromkeys(recipients):
        await work.emit(
            "notify.requested",
            NotifyRequested(
                recipients=[person],
                title=title,
                body=body,
                urgency=urgency,
                link=link,
                dedup_key=f"{key}-{person}",
                source_type="meeting",
            ),
        )


def lines_for(roster: Roster, meetings: Sequence[Meeting], person: str) -> list[str]:
    """The person's own items of the week, one line each."""
    out = []
    for m in sorted(meetings, key=lambda x: x.starts_at):
        if person in roster.concerned(m):
            out.append(f"- {when(m.starts_at, m.ends_at)}: {m.title} ({roster.place_of(m)})")
    return out


async def week_state(s: AsyncSession, actor: Actor, week: date) -> WeekState:
    """Where a week stands: how many items wait, are approved, unpublished; its latest publication."""
    monday_or_refuse(week)
    by_status = select(Meeting.status, func.count()).where(Meeting.week_start == week)
    counts = {str(k): int(v) for k, v in (await s.execute(by_status.group_by(Meeting.status))).all()}
    unpublished = await s.scalar(
        select(func.count())
        .select_from(Meeting)
        .where(Meeting.week_start == week, Meeting.status == "approved", Meeting.published_version == 0)
    )
    last = (
        await s.execute(
            select(Publication)
            .where(Publication.week_start == week, Publication.kind == "week")
            .order_by(Publication.version.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    by = (await Roster.load(s)).names.get(last.published_by, last.published_by) if last else ""
    return WeekState(
        week_start=week,
        registered=int(counts.get("registered", 0)),
        approved=int(counts.get("approved", 0)),
        unpublished=int(unpublished or 0),
        version=last.version if last else 0,
        published_at=last.published_at if last else None,
        published_by=last.published_by if last else None,
        published_by_name=by,
        office=actor.office,
    )


async def approved_of_week(s: AsyncSession, week: date) -> list[Meeting]:
    rows = await s.execute(
        select(Meeting)
        .where(Meeting.week_start == week, Meeting.status == "approved")
        .order_by(Meeting.starts_at)
    )
    return list(rows.scalars())


async def still_registered(s: AsyncSession, week: date) -> int:
    return int(
        await s.scalar(
            select(func.count())
            .select_from(Meeting)
            .where(Meeting.week_start == week, Meeting.status == "registered")
        )
        or 0
    )


async def publish_week(work: Work, actor: Actor, week: date) -> WeekPublication:
    """Publish the approved week and notify everyone concerned, each with their own items."""
    if not actor.office:
        raise Forbidden("Chỉ Văn phòng phát hành lịch công tác tuần")
    monday_or_refuse(week)
    s = work.session
    roster = await Roster.load(s)
    meetings = await approved_of_week(s, week)
    if not meetings:
        raise Conflict("Tuần này chưa có cuộc họp nào được duyệt")
    pending = await still_registered(s, week)
    version = await last_version(s, week) + 1
    for m in meetings:
        m.published_version = version
    recipients = list(dict.fromkeys(x for m in meetings for x in roster.concerned(m)))
    s.add(
        Publication(
            week_start=week,
            version=version,
            kind="week",
            published_by=actor.id,
            published_at=datetime.now(UTC),
            detail={"meetings": [m.id for m in meetings]},
        )
    )
    title = f"Lịch công tác tuần {title_of_week(week)}"
    for person in recipients:
        body = "Lịch của đồng chí trong tuần:\n" + "\n".join(lines_for(roster, meetings, person))
        await notify(work, [person], title, body, week_page(week), f"mtg-week-{week}-v{version}")
    await work.emit(
        "meeting.week_published",
        WeekPublished(
            week_start=week,
            version=version,
            published_by=actor.id,
            meetings=[roster.facts(m) for m in meetings],
            notified=recipients,
        ),
        issue=f"meeting-week:{week}",
    )
    return WeekPublication(
        week_start=week,
        version=version,
        meetings=len(meetings),
        notified=recipients,
        still_registered=pending,
    )


async def publish_change(
    work: Work, roster: Roster, m: Meeting, changes: list[str], by: str, old_concerned: Sequence[str]
) -> None:
    """Publish a change to a published week: record it, notify old and new participants, emit the event."""
    recipients = list(dict.fromkeys([*old_concerned, *roster.concerned(m)]))
    work.session.add(
        Publication(
            week_start=m.week_start,
            version=await last_version(work.session, m.week_start),
            kind="change",
            published_by=by,
            published_at=datetime.now(UTC),
            detail={"meeting_id": m.id, "changes": changes, "sequence": m.sequence},
        )
    )
    head = "Hủy lịch" if m.status == "cancelled" else "Thay đổi lịch"
    await notify(
        work,
        recipients,
        f"{head}: {m.title}",
        f"{when(m.starts_at, m.ends_at)} tại {roster.place_of(m)}.\n" + "\n".join(changes),
        meeting_page(m.id),
        f"mtg-change-{m.id}-{m.sequence}",
        urgency="khan",
    )
    await work.emit(
        "meeting.changed",
        MeetingChanged(
            week_start=m.week_start,
            meeting=roster.facts(m),
            changes=changes,
            changed_by=by,
            notified=recipients,
        ),
        issue=f"meeting:{m.id}",
    )

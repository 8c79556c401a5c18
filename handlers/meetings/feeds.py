"""The published schedule as files: iCalendar feeds (a person, a leader, a room), the week as PDF and XLSX."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.meetings.access import Actor
from handlers.meetings.models import Meeting
from handlers.meetings.publication import last_version, monday_or_refuse
from handlers.meetings.render import Item, Letterhead, ical, schedule_pdf, schedule_xlsx, title_of_week
from handlers.meetings.roster import Roster
from hub.errors import Forbidden, NotFound

CALENDAR = "text/calendar; charset=utf-8"
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class File:
    """A rendered file: its bytes, its type, the name offered, and whether it opens in place."""

    data: bytes
    media_type: str
    filename: str
    inline: bool = True


async def published(s: AsyncSession, week: date | None = None) -> list[Meeting]:
    """Published items (approved or cancelled after publication), in time order."""
    q = select(Meeting).where(Meeting.published_version > 0, Meeting.status.in_(("approved", "cancelled")))
    if week is not None:
        q = q.where(Meeting.week_start == week)
    return list((await s.execute(q.order_by(Meeting.starts_at))).scalars())


def calendar(items: list[Item], name: str, filename: str) -> File:
    return File(ical(items, name), CALENDAR, f"{filename}.ics")


async def person_feed(s: AsyncSession, actor: Actor, user_id: str) -> File:
    """A person's published meetings (their own feed; the office may read anyone's)."""
    if user_id != actor.id and not actor.office:
        raise Forbidden("Chỉ xem được lịch của chính mình")
    roster = await Roster.load(s)
    if user_id not in roster.users:
        raise NotFound(f"Không có cán bộ {user_id!r}")
    items = [roster.item(m) for m in await published(s) if user_id in roster.concerned(m)]
    return calendar(items, f"Lịch công tác – {roster.names[user_id]}", f"lich-{user_id}")


async def leader_feed(s: AsyncSession, user_id: str) -> File:
    """A leader's published schedule (public inside the department)."""
    roster = await Roster.load(s)
    if user_id not in roster.leaders:
        raise NotFound(f"{user_id!r} không phải lãnh đạo Sở")
    items = [roster.item(m) for m in await published(s) if user_id in (m.chair_id, *m.participant_ids)]
    return calendar(items, f"Lịch công tác lãnh đạo – {roster.names[user_id]}", f"lich-lanh-dao-{user_id}")


async def room_feed(s: AsyncSession, room_id: str) -> File:
    """A room's published bookings."""
    roster = await Roster.load(s)
    if room_id not in roster.rooms:
        raise NotFound(f"Không có phòng họp {room_id!r}")
    items = [roster.item(m) for m in await published(s) if m.room_id == room_id]
    return calendar(items, f"Lịch phòng họp – {roster.rooms[room_id]}", f"lich-phong-{room_id}")


async def week_items(s: AsyncSession, week: date) -> tuple[list[Item], int]:
    """The published items of a week and the week's latest version."""
    monday_or_refuse(week)
    roster = await Roster.load(s)
    version = await last_version(s, week)
    if version == 0:
        raise NotFound(f"Lịch tuần {title_of_week(week)} chưa được phát hành")
    return [roster.item(m) for m in await published(s, week)], version


async def week_pdf(s: AsyncSession, week: date, head: Letterhead) -> File:
    """The published weekly schedule as PDF."""
    items, version = await week_items(s, week)
    pdf = await asyncio.to_thread(schedule_pdf, items, week, version, head)
    return File(pdf, PDF, f"lich-cong-tac-{week}.pdf")


async def week_xlsx(s: AsyncSession, week: date, head: Letterhead) -> File:
    """The published weekly schedule as XLSX."""
    items, version = await week_items(s, week)
    data = await asyncio.to_thread(schedule_xlsx, items, week, version, head)
    return File(data, XLSX, f"lich-cong-tac-{week}.xlsx", inline=False)

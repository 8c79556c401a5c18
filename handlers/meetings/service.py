"""Meeting schedule module: registration, review, weekly publication, changes, feeds and exports."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from pydantic import BaseModel, Field, field_validator, model_validator
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.meetings.conflicts import VIETNAM, LeaveInfo, Slot, Verdict, check, local, when
from handlers.meetings.models import KnownLeave, Meeting, Publication, Room
from handlers.meetings.render import Item, ical, schedule_pdf, schedule_xlsx, title_of_week
from hub.auth import CurrentPrincipal, Principal, require_roles
from hub.directory import CLERK, LEADER, OFFICER, UNIT_HEAD, Unit, User
from hub.module import Module
from hub.runtime import Delivery, Hub
from hub.runtime import Unit as TxUnit
from schemas.meetings import MeetingChanged, MeetingFacts, WeekPublished
from schemas.notify import NotifyRequested
from schemas.timekeeping import LeaveApproved, LeaveCancelled

SOURCE = "meetings"
OFFICE_UNIT = "VP"
ACTIVE = ("registered", "approved")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STAFF = (CLERK, LEADER, UNIT_HEAD, OFFICER)


def is_office(p: Principal) -> bool:
    """The office reviews and publishes: leaders, clerks and the head of the Văn phòng."""
    return p.has(LEADER, CLERK) or (p.has(UNIT_HEAD) and p.unit_id == OFFICE_UNIT)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=VIETNAM)


# -- API models --------------------------------------------------------------------------------------


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
        return _aware(value)

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
        return _aware(value) if value else None


class Batch(BaseModel):
    meetings: list[MeetingIn] = Field(min_length=1, max_length=200)


class Review(BaseModel):
    note: str = Field(default="", max_length=2000)


class RoomIn(BaseModel):
    id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=200)
    capacity: int = Field(default=0, ge=0)
    location: str = Field(default="", max_length=300)


# -- helpers -----------------------------------------------------------------------------------------


class Directory:
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
    async def load(cls, s: AsyncSession) -> Directory:
        return cls(
            list((await s.execute(select(User))).scalars()),
            list((await s.execute(select(Room))).scalars()),
            list((await s.execute(select(Unit))).scalars()),
            list((await s.execute(select(KnownLeave))).scalars()),
        )

    def validate(self, data: MeetingIn) -> list[str]:
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

    def view(self, m: Meeting) -> dict[str, Any]:
        return {
            "id": m.id,
            "week_start": m.week_start.isoformat(),
            "title": m.title,
            "chair_id": m.chair_id,
            "chair": self.names.get(m.chair_id, m.chair_id),
            "participant_ids": m.participant_ids,
            "unit_ids": m.unit_ids,
            "room_id": m.room_id,
            "place": self.place_of(m),
            "starts_at": local(m.starts_at).isoformat(),
            "ends_at": local(m.ends_at).isoformat(),
            "when": when(m.starts_at, m.ends_at),
            "preparation": m.preparation,
            "status": m.status,
            "warnings": m.warnings,
            "review_note": m.review_note,
            "published_version": m.published_version,
            "sequence": m.sequence,
            "registered_by": m.registered_by,
        }


def slot(m: Meeting | MeetingIn, id: str = "") -> Slot:
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
    d: Directory,
    candidate: Slot,
    extra: Sequence[Slot] = (),
    statuses: Sequence[str] = ACTIVE,
) -> Verdict:
    others = [slot(m) for m in await same_day(s, candidate.starts_at, statuses)] + list(extra)
    return check(candidate, others, d.names, d.leaders, d.rooms, d.leaves)


def conflict(message: str, items: list[dict[str, Any]]) -> HTTPException:
    return HTTPException(status.HTTP_409_CONFLICT, {"message": message, "conflicts": items})


def _hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


async def notify(
    tx: TxUnit, recipients: Sequence[str], title: str, body: str, link: str, key: str, urgency: str = "thuong"
) -> None:
    for person in dict.fromkeys(recipients):
        await tx.emit(
            "notify.requested",
            NotifyRequested(
                recipients=[person],
                title=title,
                body=body,
                urgency=urgency,
                link=link,  # type: ignore[arg-type]
                dedup_key=f"{key}-{person}",
                source_type="meeting",
            ),
        )


def lines_for(d: Directory, meetings: Sequence[Meeting], person: str) -> list[str]:
    out = []
    for m in sorted(meetings, key=lambda x: x.starts_at):
        if person in d.concerned(m):
            out.append(f"- {when(m.starts_at, m.ends_at)}: {m.title} ({d.place_of(m)})")
    return out


def describe_changes(d: Directory, before: dict[str, Any], m: Meeting) -> list[str]:
    changes = []
    if before["starts_at"] != m.starts_at or before["ends_at"] != m.ends_at:
        changes.append(
            f"Thời gian: {when(before['starts_at'], before['ends_at'])} → {when(m.starts_at, m.ends_at)}"
        )
    if before["room_id"] != m.room_id or before["place"] != m.place:
        changes.append(f"Địa điểm: {before['where']} → {d.place_of(m)}")
    if before["chair_id"] != m.chair_id:
        changes.append(f"Chủ trì: {d.names.get(before['chair_id'])} → {d.names.get(m.chair_id)}")
    if before["title"] != m.title:
        changes.append(f"Nội dung: {before['title']} → {m.title}")
    if before["participant_ids"] != m.participant_ids or before["unit_ids"] != m.unit_ids:
        changes.append("Thành phần tham dự thay đổi")
    if before["preparation"] != m.preparation:
        changes.append(f"Chuẩn bị: {m.preparation}")
    return changes


async def publish_change(
    tx: TxUnit, d: Directory, m: Meeting, changes: list[str], by: str, old_concerned: Sequence[str]
) -> None:
    """Publish a change to a published week: record it, notify old and new participants, emit the event."""
    recipients = list(dict.fromkeys([*old_concerned, *d.concerned(m)]))
    version = int(
        await tx.session.scalar(
            select(func.max(Publication.version)).where(Publication.week_start == m.week_start)
        )
        or 0
    )
    tx.session.add(
        Publication(
            week_start=m.week_start,
            version=version,
            kind="change",
            published_by=by,
            published_at=datetime.now(UTC),
            detail={"meeting_id": m.id, "changes": changes, "sequence": m.sequence},
        )
    )
    head = "Hủy lịch" if m.status == "cancelled" else "Thay đổi lịch"
    await notify(
        tx,
        recipients,
        f"{head}: {m.title}",
        f"{when(m.starts_at, m.ends_at)} tại {d.place_of(m)}.\n" + "\n".join(changes),
        f"/meetings/{m.id}",
        f"mtg-change-{m.id}-{m.sequence}",
        urgency="khan",
    )
    await tx.emit(
        "meeting.changed",
        MeetingChanged(
            week_start=m.week_start, meeting=d.facts(m), changes=changes, changed_by=by, notified=recipients
        ),
        issue=f"meeting:{m.id}",
    )


async def week_published(s: AsyncSession, week: date) -> bool:
    return bool(
        await s.scalar(select(func.count()).select_from(Publication).where(Publication.week_start == week))
    )


# -- consumers -------------------------------------------------------------------------------------


async def on_leave_approved(d: Delivery) -> None:
    """Remember approved leave; flag the person's meetings already on the schedule and tell the office."""
    leave: LeaveApproved = d.payload
    assert d.session is not None
    row = await d.session.get(KnownLeave, leave.leave_id)
    if row is None:
        d.session.add(
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
    await d.session.flush()
    directory = await Directory.load(d.session)
    begin = datetime.combine(leave.start, datetime.min.time(), VIETNAM).astimezone(UTC)
    end = datetime.combine(leave.end + timedelta(days=1), datetime.min.time(), VIETNAM).astimezone(UTC)
    meetings = (
        await d.session.execute(
            select(Meeting).where(
                Meeting.starts_at >= begin, Meeting.starts_at < end, Meeting.status.in_(ACTIVE)
            )
        )
    ).scalars()
    office = directory.units.get(OFFICE_UNIT)
    for m in meetings:
        if leave.user_id not in [m.chair_id, *m.participant_ids]:
            continue
        verdict = check(slot(m), [], directory.names, directory.leaders, directory.rooms, directory.leaves)
        flags = [w for w in verdict.warnings if w not in m.warnings]
        if not flags:
            continue
        m.warnings = [*m.warnings, *flags]
        recipients = [x for x in (m.registered_by, office.head_user_id if office else None) if x]
        await d.emit(
            "notify.requested",
            NotifyRequested(
                recipients=recipients,
                title=f"Người dự họp vắng: {m.title}",
                body=f"{when(m.starts_at, m.ends_at)}. " + "; ".join(flags),
                urgency="khan",
                link=f"/meetings/{m.id}",
                dedup_key=f"mtg-leave-{m.id}-{leave.leave_id}",
                source_type="leave.approved",
            ),
        )


async def on_leave_cancelled(d: Delivery) -> None:
    """Forget a withdrawn leave."""
    leave: LeaveCancelled = d.payload
    assert d.session is not None
    row = await d.session.get(KnownLeave, leave.leave_id)
    if row is not None:
        await d.session.delete(row)


# -- routes ----------------------------------------------------------------------------------------


def build_router() -> APIRouter:
    r = APIRouter(prefix="/meetings", tags=["meetings"])

    @r.get("/rooms")
    async def rooms(request: Request) -> list[dict[str, Any]]:
        async with _hub(request).db.session() as s:
            return [
                {"id": x.id, "name": x.name, "capacity": x.capacity, "location": x.location}
                for x in (await s.execute(select(Room).order_by(Room.id))).scalars()
            ]

    @r.put("/rooms", dependencies=[require_roles(CLERK, LEADER, UNIT_HEAD)])
    async def put_room(request: Request, p: CurrentPrincipal, body: RoomIn) -> dict[str, Any]:
        """Add or update a meeting room (office only)."""
        if not is_office(p):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "Chỉ Văn phòng quản lý phòng họp")
        async with _hub(request).db.session() as s:
            room = await s.get(Room, body.id)
            if room is None:
                s.add(Room(**body.model_dump()))
            else:
                room.name, room.capacity, room.location = body.name, body.capacity, body.location
        return body.model_dump()

    async def register(request: Request, p: Principal, items: list[MeetingIn]) -> list[dict[str, Any]]:
        async with _hub(request).transaction(source=SOURCE, user_id=p.id) as tx:
            d = await Directory.load(tx.session)
            problems: list[dict[str, Any]] = []
            accepted: list[tuple[MeetingIn, Slot, Verdict]] = []
            for n, item in enumerate(items):
                invalid = d.validate(item)
                if invalid:
                    raise HTTPException(
                        422,
                        f"Cuộc họp {n + 1} «{item.title}»: " + "; ".join(invalid),
                    )
                candidate = slot(item, id=f"new-{n}")
                verdict = await verdict_for(tx.session, d, candidate, [a[1] for a in accepted])
                if verdict.refusals:
                    problems.append({"index": n, "title": item.title, "reasons": verdict.refusals})
                accepted.append((item, candidate, verdict))
            if problems:
                raise conflict("Lịch bị trùng, không đăng ký được", problems)
            now = datetime.now(UTC)
            out = []
            for item, _, verdict in accepted:
                m = Meeting(
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
                    registered_by=p.id,
                    unit_id=p.unit_id,
                    status="registered",
                    warnings=verdict.warnings,
                    review_note="",
                    published_version=0,
                    sequence=0,
                    created_at=now,
                    updated_at=now,
                )
                tx.session.add(m)
                out.append(d.view(m))
            return out

    @r.post("", status_code=201, dependencies=[require_roles(*STAFF)])
    async def register_one(request: Request, p: CurrentPrincipal, body: MeetingIn) -> dict[str, Any]:
        """Register a meeting or event for the office to review; conflicts are refused (409) with reasons."""
        return (await register(request, p, [body]))[0]

    @r.post("/batch", status_code=201, dependencies=[require_roles(*STAFF)])
    async def register_batch(request: Request, p: CurrentPrincipal, body: Batch) -> list[dict[str, Any]]:
        """Register a unit's items for a week at once: all or none, every conflict reported."""
        return await register(request, p, body.meetings)

    @r.get("")
    async def list_week(request: Request, p: CurrentPrincipal, week: date) -> list[dict[str, Any]]:
        """A week's items: the office sees all, others the published ones and what they registered."""
        async with _hub(request).db.session() as s:
            d = await Directory.load(s)
            rows = (
                await s.execute(
                    select(Meeting).where(Meeting.week_start == monday_of(week)).order_by(Meeting.starts_at)
                )
            ).scalars()
            return [
                d.view(m) for m in rows if is_office(p) or m.published_version > 0 or m.registered_by == p.id
            ]

    @r.get("/{meeting_id}")
    async def get_one(request: Request, meeting_id: str, p: CurrentPrincipal) -> dict[str, Any]:
        async with _hub(request).db.session() as s:
            m = await s.get(Meeting, meeting_id)
            if m is None or not (is_office(p) or m.published_version > 0 or m.registered_by == p.id):
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"Không có cuộc họp {meeting_id!r}")
            return (await Directory.load(s)).view(m)

    async def review(
        request: Request, p: Principal, meeting_id: str, approve: bool, note: str
    ) -> dict[str, Any]:
        if not is_office(p):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "Chỉ Văn phòng duyệt lịch công tác")
        async with _hub(request).transaction(source=SOURCE, user_id=p.id) as tx:
            m = await tx.session.get(Meeting, meeting_id)
            if m is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"Không có cuộc họp {meeting_id!r}")
            if m.status != "registered":
                raise HTTPException(status.HTTP_409_CONFLICT, f"Cuộc họp đã ở trạng thái {m.status}")
            d = await Directory.load(tx.session)
            if approve:
                verdict = await verdict_for(tx.session, d, slot(m), statuses=("approved",))
                if verdict.refusals:
                    raise conflict(
                        "Không duyệt được vì trùng lịch",
                        [{"index": 0, "title": m.title, "reasons": verdict.refusals}],
                    )
                m.warnings = verdict.warnings
            m.status = "approved" if approve else "rejected"
            m.reviewed_by, m.review_note, m.updated_at = p.id, note, datetime.now(UTC)
            if approve and await week_published(tx.session, m.week_start):
                # a late addition to a published week is published at once as a change
                m.published_version = 1
                await tx.session.flush()
                await publish_change(tx, d, m, ["Bổ sung vào lịch công tác tuần"], p.id, [])
            elif not approve:
                await notify(
                    tx,
                    [m.registered_by],
                    f"Lịch không được duyệt: {m.title}",
                    note or "Văn phòng không duyệt đăng ký lịch.",
                    f"/meetings/{m.id}",
                    f"mtg-rejected-{m.id}",
                )
            return d.view(m)

    @r.post("/{meeting_id}/approve")
    async def approve(
        request: Request, meeting_id: str, p: CurrentPrincipal, body: Review | None = None
    ) -> dict[str, Any]:
        return await review(request, p, meeting_id, True, body.note if body else "")

    @r.post("/{meeting_id}/reject")
    async def reject(
        request: Request, meeting_id: str, p: CurrentPrincipal, body: Review | None = None
    ) -> dict[str, Any]:
        return await review(request, p, meeting_id, False, body.note if body else "")

    @r.post("/weeks/{week}/publish")
    async def publish(request: Request, week: date, p: CurrentPrincipal) -> dict[str, Any]:
        """Publish the approved week and notify everyone concerned, each with their own items."""
        if not is_office(p):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "Chỉ Văn phòng phát hành lịch công tác tuần")
        if week.weekday() != 0:
            raise HTTPException(422, f"{week:%d/%m/%Y} không phải thứ Hai đầu tuần")
        async with _hub(request).transaction(source=SOURCE, user_id=p.id) as tx:
            d = await Directory.load(tx.session)
            meetings = list(
                (
                    await tx.session.execute(
                        select(Meeting)
                        .where(Meeting.week_start == week, Meeting.status == "approved")
                        .order_by(Meeting.starts_at)
                    )
                ).scalars()
            )
            if not meetings:
                raise HTTPException(status.HTTP_409_CONFLICT, "Tuần này chưa có cuộc họp nào được duyệt")
            pending = await tx.session.scalar(
                select(func.count())
                .select_from(Meeting)
                .where(Meeting.week_start == week, Meeting.status == "registered")
            )
            version = (
                int(
                    await tx.session.scalar(
                        select(func.max(Publication.version)).where(Publication.week_start == week)
                    )
                    or 0
                )
                + 1
            )
            for m in meetings:
                m.published_version = version
            recipients = list(dict.fromkeys(x for m in meetings for x in d.concerned(m)))
            tx.session.add(
                Publication(
                    week_start=week,
                    version=version,
                    kind="week",
                    published_by=p.id,
                    published_at=datetime.now(UTC),
                    detail={"meetings": [m.id for m in meetings]},
                )
            )
            title = f"Lịch công tác tuần {title_of_week(week)}"
            for person in recipients:
                body = "Lịch của đồng chí trong tuần:\n" + "\n".join(lines_for(d, meetings, person))
                await notify(
                    tx, [person], title, body, f"/meetings?week={week}", f"mtg-week-{week}-v{version}"
                )
            await tx.emit(
                "meeting.week_published",
                WeekPublished(
                    week_start=week,
                    version=version,
                    published_by=p.id,
                    meetings=[d.facts(m) for m in meetings],
                    notified=recipients,
                ),
                issue=f"meeting-week:{week}",
            )
            return {
                "week_start": week.isoformat(),
                "version": version,
                "meetings": len(meetings),
                "notified": recipients,
                "still_registered": int(pending or 0),
            }

    @r.patch("/{meeting_id}")
    async def change(
        request: Request, meeting_id: str, p: CurrentPrincipal, body: MeetingPatch
    ) -> dict[str, Any]:
        """Change a meeting; once published only the office may, and the change is published with notices."""
        async with _hub(request).transaction(source=SOURCE, user_id=p.id) as tx:
            m = await tx.session.get(Meeting, meeting_id)
            if m is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"Không có cuộc họp {meeting_id!r}")
            if m.status in ("cancelled", "rejected"):
                raise HTTPException(status.HTTP_409_CONFLICT, f"Cuộc họp đã ở trạng thái {m.status}")
            if not (is_office(p) or (m.published_version == 0 and m.registered_by == p.id)):
                raise HTTPException(
                    status.HTTP_403_FORBIDDEN, "Lịch đã phát hành chỉ Văn phòng được thay đổi"
                )
            d = await Directory.load(tx.session)
            before = {
                k: getattr(m, k)
                for k in (
                    "title",
                    "chair_id",
                    "participant_ids",
                    "unit_ids",
                    "room_id",
                    "place",
                    "starts_at",
                    "ends_at",
                    "preparation",
                )
            }
            before["where"] = d.place_of(m)
            old_concerned = d.concerned(m)
            merged = MeetingIn.model_validate(
                {
                    **{k: v for k, v in before.items() if k != "where"},
                    **body.model_dump(exclude_unset=True, exclude={"reason"}),
                }
            )
            invalid = d.validate(merged)
            if invalid:
                raise HTTPException(422, "; ".join(invalid))
            verdict = await verdict_for(tx.session, d, slot(merged, id=m.id))
            if verdict.refusals:
                raise conflict(
                    "Thay đổi làm trùng lịch",
                    [{"index": 0, "title": merged.title, "reasons": verdict.refusals}],
                )
            for key in (
                "title",
                "chair_id",
                "participant_ids",
                "unit_ids",
                "room_id",
                "place",
                "preparation",
            ):
                setattr(m, key, getattr(merged, key))
            m.starts_at, m.ends_at = merged.starts_at.astimezone(UTC), merged.ends_at.astimezone(UTC)
            m.week_start = monday_of(local(merged.starts_at).date())
            m.warnings, m.updated_at = verdict.warnings, datetime.now(UTC)
            changes = describe_changes(d, before, m)
            if body.reason:
                changes.append(f"Lý do: {body.reason}")
            if m.published_version > 0 and changes:
                m.sequence += 1
                await tx.session.flush()
                await publish_change(tx, d, m, changes, p.id, old_concerned)
            return {**d.view(m), "changes": changes}

    @r.post("/{meeting_id}/cancel")
    async def cancel(
        request: Request, meeting_id: str, p: CurrentPrincipal, body: Review | None = None
    ) -> dict[str, Any]:
        """Cancel a meeting; a published one is published as cancelled, with notices."""
        async with _hub(request).transaction(source=SOURCE, user_id=p.id) as tx:
            m = await tx.session.get(Meeting, meeting_id)
            if m is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"Không có cuộc họp {meeting_id!r}")
            if not (is_office(p) or (m.published_version == 0 and m.registered_by == p.id)):
                raise HTTPException(status.HTTP_403_FORBIDDEN, "Lịch đã phát hành chỉ Văn phòng được hủy")
            if m.status == "cancelled":
                raise HTTPException(status.HTTP_409_CONFLICT, "Cuộc họp đã bị hủy")
            d = await Directory.load(tx.session)
            m.status, m.updated_at = "cancelled", datetime.now(UTC)
            if m.published_version > 0:
                m.sequence += 1
                await tx.session.flush()
                reason = body.note if body and body.note else "không nêu"
                await publish_change(tx, d, m, [f"Hủy cuộc họp. Lý do: {reason}"], p.id, d.concerned(m))
            return d.view(m)

    # -- feeds and exports ----------------------------------------------------------------------

    async def published(s: AsyncSession, week: date | None = None) -> list[Meeting]:
        q = select(Meeting).where(
            Meeting.published_version > 0, Meeting.status.in_(("approved", "cancelled"))
        )
        if week is not None:
            q = q.where(Meeting.week_start == week)
        return list((await s.execute(q.order_by(Meeting.starts_at))).scalars())

    def calendar_response(data: bytes, name: str) -> Response:
        return Response(
            data,
            media_type="text/calendar; charset=utf-8",
            headers={"Content-Disposition": f'inline; filename="{name}.ics"'},
        )

    @r.get("/calendar/person/{user_id}.ics")
    async def person_feed(request: Request, user_id: str, p: CurrentPrincipal) -> Response:
        """A person's published meetings (their own feed; the office may read anyone's)."""
        if user_id != p.id and not is_office(p):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "Chỉ xem được lịch của chính mình")
        async with _hub(request).db.session() as s:
            d = await Directory.load(s)
            if user_id not in d.users:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"Không có cán bộ {user_id!r}")
            items = [d.item(m) for m in await published(s) if user_id in d.concerned(m)]
        return calendar_response(ical(items, f"Lịch công tác – {d.names[user_id]}"), f"lich-{user_id}")

    @r.get("/calendar/leader/{user_id}.ics")
    async def leader_feed(request: Request, user_id: str, p: CurrentPrincipal) -> Response:
        """A leader's published schedule (public inside the department)."""
        async with _hub(request).db.session() as s:
            d = await Directory.load(s)
            if user_id not in d.leaders:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"{user_id!r} không phải lãnh đạo Sở")
            items = [d.item(m) for m in await published(s) if user_id in (m.chair_id, *m.participant_ids)]
        return calendar_response(
            ical(items, f"Lịch công tác lãnh đạo – {d.names[user_id]}"), f"lich-lanh-dao-{user_id}"
        )

    @r.get("/calendar/room/{room_id}.ics")
    async def room_feed(request: Request, room_id: str, p: CurrentPrincipal) -> Response:
        """A room's published bookings."""
        async with _hub(request).db.session() as s:
            d = await Directory.load(s)
            if room_id not in d.rooms:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"Không có phòng họp {room_id!r}")
            items = [d.item(m) for m in await published(s) if m.room_id == room_id]
        return calendar_response(ical(items, f"Lịch phòng họp – {d.rooms[room_id]}"), f"lich-phong-{room_id}")

    async def week_items(request: Request, week: date) -> tuple[list[Item], int]:
        if week.weekday() != 0:
            raise HTTPException(422, f"{week:%d/%m/%Y} không phải thứ Hai đầu tuần")
        async with _hub(request).db.session() as s:
            d = await Directory.load(s)
            version = int(
                await s.scalar(select(func.max(Publication.version)).where(Publication.week_start == week))
                or 0
            )
            if version == 0:
                raise HTTPException(
                    status.HTTP_404_NOT_FOUND, f"Lịch tuần {title_of_week(week)} chưa được phát hành"
                )
            return [d.item(m) for m in await published(s, week)], version

    @r.get("/weeks/{week}/schedule.pdf")
    async def week_pdf(request: Request, week: date, p: CurrentPrincipal) -> Response:
        """The published weekly schedule as PDF."""
        items, version = await week_items(request, week)
        return Response(
            schedule_pdf(items, week, version),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="lich-cong-tac-{week}.pdf"'},
        )

    @r.get("/weeks/{week}/schedule.xlsx")
    async def week_xlsx(request: Request, week: date, p: CurrentPrincipal) -> Response:
        """The published weekly schedule as XLSX."""
        items, version = await week_items(request, week)
        return Response(
            schedule_xlsx(items, week, version),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="lich-cong-tac-{week}.xlsx"'},
        )

    return r


class MeetingsModule(Module):
    """The leadership's weekly schedule (lịch công tác tuần)."""

    name = "meetings"

    def setup(self, hub: Hub) -> None:
        hub.consumer("meetings-leave-approved", "lt.timekeeping.evt.leave_approved", transactional=True)(
            on_leave_approved
        )
        hub.consumer("meetings-leave-cancelled", "lt.timekeeping.evt.leave_cancelled", transactional=True)(
            on_leave_cancelled
        )

    def router(self) -> APIRouter:
        return build_router()

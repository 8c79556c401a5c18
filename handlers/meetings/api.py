"""The meetings REST API (/api/meetings): registration, review, publication, changes, feeds and exports.

Routes only read the request, call the service and shape the answer; refusals are the service's
domain errors, answered by the app's handler.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from handlers.meetings import MeetingsModule, feeds, publication, service, subscriptions
from handlers.meetings.access import Actor
from handlers.meetings.render import Letterhead
from handlers.meetings.settings import MeetingsSettings
from handlers.meetings.views import (
    Batch,
    ChangedMeeting,
    MeetingIn,
    MeetingPatch,
    MeetingView,
    Review,
    RoomIn,
    RoomView,
    WeekPublication,
    WeekState,
)
from hub.auth import CurrentPrincipal, require_roles
from hub.files import export_file
from hub.web import HubDep, Page, Paging, module_of, transaction

router = APIRouter(prefix="/meetings", tags=["meetings"])


def settings_of(request: Request) -> MeetingsSettings:
    return module_of(request, "meetings", MeetingsModule).settings


def actor_of(request: Request, p: CurrentPrincipal) -> Actor:
    return Actor.of(p, settings_of(request))


ActorDep = Annotated[Actor, Depends(actor_of)]


def letterhead(request: Request) -> Letterhead:
    settings = settings_of(request)
    return Letterhead(settings.agency_parent, settings.agency)


def file_response(f: feeds.File) -> Response:
    return export_file(f.data, f.filename, f.media_type, inline=f.inline)


# -- rooms ------------------------------------------------------------------------------------------------


@router.get("/rooms")
async def rooms(hub: HubDep, page: Paging) -> Page[RoomView]:
    """The department's meeting rooms."""
    async with hub.db.session() as s:
        items, total = await service.rooms(s, page.offset, page.limit)
    return Page.of(items, total, page)


@router.put("/rooms")
async def put_room(hub: HubDep, actor: ActorDep, body: RoomIn) -> RoomView:
    """Add or update a meeting room (office only)."""
    async with hub.db.session() as s:
        return await service.put_room(s, actor, body)


# -- registration and reading -----------------------------------------------------------------------------


@router.post("", status_code=201, dependencies=[require_roles(*service.STAFF)])
async def register_one(request: Request, actor: ActorDep, body: MeetingIn) -> MeetingView:
    """Register a meeting or event for the office to review; clashes are refused (409) with reasons."""
    async with transaction(request, service.SOURCE, actor.id) as work:
        return (await service.register(work, actor, [body]))[0]


@router.post("/batch", status_code=201, dependencies=[require_roles(*service.STAFF)])
async def register_batch(request: Request, actor: ActorDep, body: Batch) -> list[MeetingView]:
    """Register a unit's items for a week at once: all or none, every clash reported."""
    async with transaction(request, service.SOURCE, actor.id) as work:
        return await service.register(work, actor, body.meetings)


@router.get("")
async def list_week(hub: HubDep, actor: ActorDep, week: date, page: Paging) -> Page[MeetingView]:
    """A week's items: the office sees all, others the published ones and what they registered."""
    async with hub.db.session() as s:
        items, total = await service.week(s, actor, week, page.offset, page.limit)
    return Page.of(items, total, page)


@router.get("/weeks/{week}")
async def week_state(hub: HubDep, actor: ActorDep, week: date) -> WeekState:
    """Where a week stands: items waiting for review, approved, not yet published; its publication."""
    async with hub.db.session() as s:
        return await publication.week_state(s, actor, week)


@router.get("/{meeting_id}")
async def get_one(hub: HubDep, actor: ActorDep, meeting_id: str) -> MeetingView:
    async with hub.db.session() as s:
        return await service.meeting(s, actor, meeting_id)


# -- review, publication, changes -------------------------------------------------------------------------


@router.post("/{meeting_id}/approve")
async def approve(
    request: Request, actor: ActorDep, meeting_id: str, body: Review | None = None
) -> MeetingView:
    """Approve a registered item (office only); a clash with an approved item is refused."""
    async with transaction(request, service.SOURCE, actor.id) as work:
        return await service.review(work, actor, meeting_id, True, body.note if body else "")


@router.post("/{meeting_id}/reject")
async def reject(
    request: Request, actor: ActorDep, meeting_id: str, body: Review | None = None
) -> MeetingView:
    """Reject a registered item (office only); the registrant is told why."""
    async with transaction(request, service.SOURCE, actor.id) as work:
        return await service.review(work, actor, meeting_id, False, body.note if body else "")


@router.post("/weeks/{week}/publish")
async def publish(request: Request, actor: ActorDep, week: date) -> WeekPublication:
    """Publish the approved week and notify everyone concerned, each with their own items."""
    async with transaction(request, service.SOURCE, actor.id) as work:
        return await publication.publish_week(work, actor, week)


@router.patch("/{meeting_id}")
async def change(request: Request, actor: ActorDep, meeting_id: str, body: MeetingPatch) -> ChangedMeeting:
    """Change a meeting; once published only the office may, and the change is published with notices."""
    async with transaction(request, service.SOURCE, actor.id) as work:
        return await service.change(work, actor, meeting_id, body)


@router.post("/{meeting_id}/cancel")
async def cancel(
    request: Request, actor: ActorDep, meeting_id: str, body: Review | None = None
) -> MeetingView:
    """Cancel a meeting; a published one is published as cancelled, with notices."""
    async with transaction(request, service.SOURCE, actor.id) as work:
        return await service.cancel(work, actor, meeting_id, body.note if body else "")


# -- feeds and exports ------------------------------------------------------------------------------------


class SubscriptionOut(BaseModel):
    """The caller's personal calendar address: whether there is one, when it was made, last read."""

    active: bool
    created_at: datetime | None = None
    last_read_at: datetime | None = None
    path: str | None = Field(default=None, description="Only when just made: the address, shown once")


@router.get("/calendar/subscription")
async def subscription(hub: HubDep, p: CurrentPrincipal) -> SubscriptionOut:
    """Whether the caller has a personal calendar address (the address itself is never shown again)."""
    async with hub.db.session() as s:
        row = await subscriptions.state_of(s, p.id)
    if row is None:
        return SubscriptionOut(active=False)
    return SubscriptionOut(active=True, created_at=row.created_at, last_read_at=row.last_read_at)


@router.post("/calendar/subscription", status_code=201)
async def subscribe(request: Request, p: CurrentPrincipal) -> SubscriptionOut:
    """Make a new personal calendar address; an earlier one stops working."""
    async with transaction(request, "meetings", p.id) as work:
        token = await subscriptions.issue(work.session, p.id)
    return SubscriptionOut(
        active=True, created_at=datetime.now(UTC), path=f"/public/meetings/lich/{token}.ics"
    )


@router.delete("/calendar/subscription")
async def unsubscribe(request: Request, p: CurrentPrincipal) -> SubscriptionOut:
    """Stop sharing: the personal calendar address stops working."""
    async with transaction(request, "meetings", p.id) as work:
        await subscriptions.revoke(work.session, p.id)
    return SubscriptionOut(active=False)


@router.get("/calendar/person/{user_id}.ics", response_class=Response)
async def person_feed(hub: HubDep, actor: ActorDep, user_id: str) -> Response:
    """A person's published meetings (their own feed; the office may read anyone's)."""
    async with hub.db.session() as s:
        return file_response(await feeds.person_feed(s, actor, user_id))


@router.get("/calendar/leader/{user_id}.ics", response_class=Response)
async def leader_feed(hub: HubDep, p: CurrentPrincipal, user_id: str) -> Response:
    """A leader's published schedule (public inside the department)."""
    async with hub.db.session() as s:
        return file_response(await feeds.leader_feed(s, user_id))


@router.get("/calendar/room/{room_id}.ics", response_class=Response)
async def room_feed(hub: HubDep, p: CurrentPrincipal, room_id: str) -> Response:
    """A room's published bookings."""
    async with hub.db.session() as s:
        return file_response(await feeds.room_feed(s, room_id))


@router.get("/weeks/{week}/schedule.pdf", response_class=Response)
async def week_pdf(request: Request, hub: HubDep, p: CurrentPrincipal, week: date) -> Response:
    """The published weekly schedule as PDF."""
    async with hub.db.session() as s:
        return file_response(await feeds.week_pdf(s, week, letterhead(request)))


@router.get("/weeks/{week}/schedule.xlsx", response_class=Response)
async def week_xlsx(request: Request, hub: HubDep, p: CurrentPrincipal, week: date) -> Response:
    """The published weekly schedule as XLSX."""
    async with hub.db.session() as s:
        return file_response(await feeds.week_xlsx(s, week, letterhead(request)))

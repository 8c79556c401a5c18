"""Bus glue of the meetings module: leave approved or withdrawn in timekeeping (what the schedule knows)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.meetings import leave
from schemas.timekeeping import LeaveApproved, LeaveCancelled

if TYPE_CHECKING:
    from handlers.meetings.settings import MeetingsSettings
    from hub.runtime import Delivery, Hub


def setup(hub: Hub, settings: MeetingsSettings) -> None:
    """Register the module's consumers on the hub."""

    @hub.consumer("meetings-leave-approved", "lt.timekeeping.evt.leave_approved", transactional=True)
    async def on_leave_approved(d: Delivery) -> None:
        """Remember approved leave; flag the person's meetings already on the schedule and tell the office."""
        approved: LeaveApproved = d.payload
        await leave.remember_leave(d, approved, settings)

    @hub.consumer("meetings-leave-cancelled", "lt.timekeeping.evt.leave_cancelled", transactional=True)
    async def on_leave_cancelled(d: Delivery) -> None:
        """Forget a withdrawn leave."""
        withdrawn: LeaveCancelled = d.payload
        await leave.forget_leave(d.session, withdrawn)

"""Bus glue of the notify adapter: notices to plan, routed urgent events, citizens' letters, the digest.

| consumer | subject | what it does |
|---|---|---|
| `notify-send` | `lt.notify.cmd.send` (`notify.requested`) | plans the deliveries of a notice |
| `notify-urgent` | `lt.notify.cmd.urgent` (routed `document.assigned`, `task.escalated`) | notice at once |
| `notify-citizen`, `notify-submitter` | intake, complaints notification facts | SMS, e-mail to a citizen |
| `notify-digest` | `sched.lt.fire.notify.digest` (JetStream cron) | the daily e-mail digest |
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog
from sqlalchemy import event

from schemas.complaints import SubmitterNotificationRequested
from schemas.intake import CitizenNotificationRequested

if TYPE_CHECKING:
    from adapters.notify.service import NotifyService
    from hub.runtime import Delivery, Hub

log = structlog.get_logger(__name__)
DIGEST_SCHEDULE = "sched.lt.notify.digest"
DIGEST_FIRE = "sched.lt.fire.notify.digest"
URGENT_TYPES = ["document.assigned", "task.escalated", "notify.requested"]


def kick_after_commit(d: Delivery, service: NotifyService) -> None:
    """Wake the dispatcher once the delivery rows are committed."""
    assert d.session is not None
    event.listen(d.session.sync_session, "after_commit", lambda _s: service.kick(), once=True)


async def _tell_citizen(
    d: Delivery,
    service: NotifyService,
    p: CitizenNotificationRequested | SubmitterNotificationRequested,
    source: str,
    ref: str,
) -> None:
    """Tell a citizen or business (not a staff user) by SMS and e-mail, once per fact."""
    assert d.session is not None
    await service.accept_external(
        d.session,
        recipient=f"citizen:{p.phone or p.email or ref}",
        phone=p.phone,
        email=p.email,
        title=p.title,
        body=p.body,
        dedup_key=p.dedup_key,
        source_type=source,
        issue=ref,
    )
    kick_after_commit(d, service)


def setup(hub: Hub, service: NotifyService) -> None:
    """Register the notify consumers."""

    @hub.consumer("notify-send", "lt.notify.cmd.send", transactional=True)
    async def send(d: Delivery) -> None:
        """Plan deliveries of a notify.requested command."""
        assert d.session is not None
        await service.accept(d.session, d.payload)
        kick_after_commit(d, service)

    @hub.consumer("notify-urgent", "lt.notify.cmd.urgent", transactional=True, types=URGENT_TYPES)
    async def urgent(d: Delivery) -> None:
        """Routed copies of urgent events (document.assigned, task.escalated): notify at once."""
        assert d.session is not None
        notice = await service.notice_for(d.session, d.payload)
        if notice is None:
            log.warning("notify.no_recipient", type=d.envelope.type, issue=d.envelope.issue)
            return
        await service.accept(d.session, notice)
        kick_after_commit(d, service)

    @hub.consumer("notify-citizen", "lt.intake.evt.citizen_notification_requested", transactional=True)
    async def citizen(d: Delivery) -> None:
        """An applicant of the one-stop desk is told of their dossier."""
        p: CitizenNotificationRequested = d.payload
        await _tell_citizen(d, service, p, "intake", p.code)

    @hub.consumer("notify-submitter", "lt.complaint.evt.submitter_notification_requested", transactional=True)
    async def submitter(d: Delivery) -> None:
        """The submitter of a complaint is told of its handling."""
        p: SubmitterNotificationRequested = d.payload
        await _tell_citizen(d, service, p, "complaints", p.number)

    @hub.consumer("notify-digest", DIGEST_FIRE, raw=True)
    async def digest(d: Delivery) -> None:
        """The daily digest fell due (JetStream cron schedule)."""
        sent = await service.send_digest()
        log.info("notify.digest_sent", mails=sent)

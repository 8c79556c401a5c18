"""The notify module: consumers of notify.requested and routed urgent events, dispatcher, daily digest."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import event

from adapters.notify import mapping
from adapters.notify.config import NotifyConfig
from adapters.notify.service import NotifyService
from hub.errors import PermanentError
from hub.module import Module
from schemas import complaints as _complaints  # noqa: F401  (registers the citizen notices)
from schemas import intake as _intake  # noqa: F401
from schemas.notify import NotifyRequested

if TYPE_CHECKING:
    from fastapi import APIRouter

    from hub.runtime import Delivery, Hub

log = structlog.get_logger(__name__)
DIGEST_SCHEDULE = "sched.lt.notify.digest"
DIGEST_FIRE = "sched.lt.fire.notify.digest"


class NotifyModule(Module):
    """In-app (SSE), e-mail, SMS and Zalo notifications, routed by urgency."""

    name = "notify"

    def __init__(self, config: NotifyConfig | None = None) -> None:
        self.config = config
        self._service: NotifyService | None = None

    @property
    def service(self) -> NotifyService:
        if self._service is None:
            raise RuntimeError("the notify module is not set up yet")
        return self._service

    def router(self) -> APIRouter:
        from adapters.notify.api import build_router

        return build_router(self)

    def setup(self, hub: Hub) -> None:
        service = self._service = NotifyService(hub, self.config or NotifyConfig())

        @hub.consumer("notify-send", "lt.notify.cmd.send", transactional=True)
        async def send(d: Delivery) -> None:
            """Plan deliveries of a notify.requested command."""
            await service.accept(d.session, d.payload)
            kick_after_commit(d, service)

        @hub.consumer(
            "notify-urgent",
            "lt.notify.cmd.urgent",
            transactional=True,
            types=["document.assigned", "task.escalated", "notify.requested"],
        )
        async def urgent(d: Delivery) -> None:
            """Routed copies of urgent events (document.assigned, task.escalated): notify at once."""
            env = d.envelope
            if env.type == "notify.requested":
                notice: NotifyRequested | None = d.payload
            else:
                payload = env.payload
                units = [payload.get("lead_unit_id"), *payload.get("coordinating_unit_ids", [])]
                heads = await service.heads_of(d.session, [u for u in units if u])
                try:
                    notice = mapping.from_routed(env.type, payload, heads)
                except (KeyError, ValueError) as exc:
                    raise PermanentError(f"cannot make a notice of {env.type}: {exc}") from exc
            if notice is None:
                log.warning("notify.no_recipient", type=env.type, issue=env.issue)
                return
            await service.accept(d.session, notice)
            kick_after_commit(d, service)

        for name, subject, source_type, key in (
            ("notify-citizen", "lt.intake.evt.citizen_notification_requested", "intake", "code"),
            ("notify-submitter", "lt.complaint.evt.submitter_notification_requested", "complaints", "number"),
        ):

            @hub.consumer(name, subject, transactional=True)
            async def citizen(d: Delivery, source_type: str = source_type, key: str = key) -> None:
                """Tell a citizen or business (not a staff user) by SMS and e-mail, once per fact."""
                p = d.payload
                reference = getattr(p, key)
                await service.accept_external(
                    d.session,
                    recipient=f"citizen:{p.phone or p.email or reference}",
                    phone=p.phone,
                    email=p.email,
                    title=p.title,
                    body=p.body,
                    dedup_key=p.dedup_key,
                    source_type=source_type,
                    issue=reference,
                )
                kick_after_commit(d, service)

        @hub.consumer("notify-digest", DIGEST_FIRE, raw=True)
        async def digest(d: Delivery) -> None:
            """The daily digest fell due (JetStream cron schedule)."""
            sent = await service.send_digest()
            log.info("notify.digest_sent", mails=sent)

    async def start(self, hub: Hub) -> None:
        service = self.service
        await self._schedule_digest(hub, service.cfg.digest_cron)
        service.start()

    async def _schedule_digest(self, hub: Hub, cron: str) -> None:
        """(Re)define the daily digest schedule: one schedule per subject, so this is idempotent."""
        from schemas.envelope import Envelope

        env = Envelope(type="notify.digest_due", source="notify", subject=DIGEST_FIRE)
        try:
            await hub.publish_raw(
                DIGEST_SCHEDULE,
                env.to_bytes(),
                {
                    "Nats-Schedule": cron,
                    "Nats-Schedule-Target": DIGEST_FIRE,
                    "Lt-Type": env.type,
                    "Nats-Msg-Id": str(uuid.uuid4()),
                },
            )
        except Exception as exc:
            log.error("notify.digest_schedule_failed", cron=cron, error=str(exc))

    async def stop(self) -> None:
        if self._service is not None:
            await self._service.stop()


def kick_after_commit(d: Delivery, service: NotifyService) -> None:
    """Wake the dispatcher once the delivery rows are committed."""
    event.listen(d.session.sync_session, "after_commit", lambda _s: service.kick(), once=True)

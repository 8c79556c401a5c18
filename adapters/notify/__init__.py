"""Notification channels: in-app (server-sent events), e-mail (SMTP/TLS), SMS gateway and Zalo OA.

In development (none of LIENTHONG_NOTIFY_SMTP_HOST, _SMS_URL, _ZALO_URL set) the module serves an SMTP
server and the SMS and Zalo simulators in-process and sends through them; what they receive is kept
in `<data folder>/notify-simulators/` and listed by `GET /api/notify/simulators/messages` (the ops
portal's simulator inbox). A simulator whose port is taken is not started: the one listening is used.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

import schemas.complaints
import schemas.documents
import schemas.intake
import schemas.notify
import schemas.tasks  # noqa: F401  (message types consumed here)
from adapters.notify.settings import SIMULATOR_HOST, NotifySettings
from hub.adapter_health import register
from hub.embedded import port_is_free
from hub.module import Module

if TYPE_CHECKING:
    from fastapi import APIRouter

    from adapters.notify.service import NotifyService
    from adapters.notify.simulator import ChannelSimulator, SmtpSimulator
    from hub.runtime import Hub

log = structlog.get_logger(__name__)

__all__ = ["NotifyModule", "NotifySettings", "module"]
SIMULATORS_FOLDER = "notify-simulators"
HINTS = {
    "mail": "set LIENTHONG_NOTIFY_SMTP_HOST (and _SMTP_PORT, _SMTP_USERNAME, _SMTP_PASSWORD) for the real "
    "mail server",
    "sms": "set LIENTHONG_NOTIFY_SMS_URL and LIENTHONG_NOTIFY_SMS_API_KEY for the real SMS gateway",
    "zalo": "set LIENTHONG_NOTIFY_ZALO_URL and LIENTHONG_NOTIFY_ZALO_ACCESS_TOKEN for the real Zalo OA API",
}


class NotifyModule(Module):
    """In-app (SSE), e-mail, SMS and Zalo notifications, routed by urgency."""

    name = "notify"

    def __init__(self, settings: NotifySettings | None = None) -> None:
        self.settings = settings
        self._service: NotifyService | None = None
        self.simulator_folder: Path | None = None
        """Where the embedded simulators keep what they receive (None: real channels, or none)."""
        self.simulator_addresses: dict[str, str] = {}
        self._smtp: SmtpSimulator | None = None
        self._channels: list[ChannelSimulator] = []

    @property
    def service(self) -> NotifyService:
        if self._service is None:
            raise RuntimeError("the notify module is not set up yet")
        return self._service

    def router(self) -> APIRouter:
        from adapters.notify.api import router

        return router

    def setup(self, hub: Hub) -> None:
        from adapters.notify import consumers
        from adapters.notify.service import NotifyService

        configured = self.settings or NotifySettings()
        effective = configured
        if configured.embeds_simulators:
            effective = configured.with_simulators()
            self.simulator_folder = hub.settings.data_dir / SIMULATORS_FOLDER
            self.simulator_addresses = {
                "mail": f"smtp://{SIMULATOR_HOST}:{effective.smtp_port}",
                "sms": str(effective.sms_url),
                "zalo": str(effective.zalo_url),
            }
        self._service = NotifyService(hub, effective)
        consumers.setup(hub, self._service)

    async def start(self, hub: Hub) -> None:
        service = self.service
        if self.simulator_folder is not None:
            await self._start_simulators(service.settings, self.simulator_folder)
        for name, client in (("mail", service.mailer), ("sms", service.sms), ("zalo", service.zalo)):
            if client is not None:
                await register(hub, name)
        await self._schedule_digest(hub, service.settings.digest_cron)
        service.start()

    async def _start_simulators(self, s: NotifySettings, folder: Path) -> None:
        """Serve the SMTP, SMS and Zalo simulators, each unless something already listens on its port."""
        from adapters.notify.simulator import MAIL_FOLDER, ChannelSimulator, SmtpSimulator

        if self._port_free("mail", s.smtp_port):
            self._smtp = await asyncio.to_thread(
                SmtpSimulator(folder / MAIL_FOLDER, SIMULATOR_HOST, s.smtp_port).start
            )
            self._announce("mail", folder)
        for kind, port, secret in (
            ("sms", s.simulator_sms_port, s.sms_api_key),
            ("zalo", s.simulator_zalo_port, s.zalo_access_token),
        ):
            if self._port_free(kind, port):
                channel = ChannelSimulator(
                    kind, secret.get_secret_value(), SIMULATOR_HOST, port, folder=folder
                )
                self._channels.append(await channel.start())
                self._announce(kind, folder)

    def _port_free(self, channel: str, port: int) -> bool:
        if port_is_free(port, SIMULATOR_HOST):
            return True
        log.info("notify.simulator_already_running", channel=channel, url=self.simulator_addresses[channel])
        return False

    def _announce(self, channel: str, folder: Path) -> None:
        log.warning(
            "notify.embedded_simulator",
            channel=channel,
            url=self.simulator_addresses[channel],
            kept_in=str(folder),
            hint=HINTS[channel],
        )

    async def _schedule_digest(self, hub: Hub, cron: str) -> None:
        """(Re)define the daily digest schedule: one schedule per subject, so this is idempotent."""
        from adapters.notify.consumers import DIGEST_FIRE, DIGEST_SCHEDULE
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
        while self._channels:
            await self._channels.pop().stop()
        if self._smtp is not None:
            await asyncio.to_thread(self._smtp.stop)
            self._smtp = None


module = NotifyModule()

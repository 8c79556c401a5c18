"""Hanoi city axis (LGSP) over SOAP: poll and send through the axis, serve our own push endpoint.

In development (none of LIENTHONG_LGSP_URL, _TOKEN, _INBOUND_ACCOUNTS set) the module serves the LGSP
simulator in-process on the development port, with our agency and the demo city agencies as accounts,
and polls and sends through it (what `make run` relies on); when something already listens there, it
uses that.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import structlog

from adapters.lgsp.settings import LgspSettings
from hub.adapter_health import register
from hub.embedded import port_is_free
from hub.module import Module

if TYPE_CHECKING:
    from pathlib import Path

    from fastapi import APIRouter

    from adapters.lgsp.service import LgspService
    from adapters.lgsp.simulator import SimulatorServer
    from hub.runtime import Hub
    from schemas.edxml.models import Organization

log = structlog.get_logger(__name__)

__all__ = ["LgspModule", "LgspSettings", "module"]


class LgspModule(Module):
    """The city-axis adapter as a hub module.

    Polls and sends through the city axis when LIENTHONG_LGSP_URL is set (in development: through the
    embedded simulator); serves our own inbound SOAP endpoint (public_router(), mounted by the portal
    under /public without the staff login: partners authenticate in the SOAP header) when
    LIENTHONG_LGSP_INBOUND_ACCOUNTS is set.
    """

    name = "lgsp"

    def __init__(self, settings: LgspSettings | None = None) -> None:
        self._settings = settings
        self._service: LgspService | None = None
        self.simulator: SimulatorServer | None = None

    @property
    def settings(self) -> LgspSettings:
        if self._settings is None:
            self._settings = LgspSettings()
        return self._settings

    @property
    def service(self) -> LgspService | None:
        """The adapter at work, once set up (None when neither the axis nor push partners are set)."""
        return self._service

    def setup(self, hub: Hub) -> None:
        from adapters.lgsp import consumers
        from adapters.lgsp.service import LgspService

        s = self.settings.with_simulator() if self.settings.embeds_simulator else self.settings
        if not s.url and not s.accounts():
            log.info(
                "lgsp.disabled",
                reason="neither LIENTHONG_LGSP_URL nor LIENTHONG_LGSP_INBOUND_ACCOUNTS is set",
            )
            return
        self._service = LgspService(hub, s)
        consumers.setup(hub, self._service)

    def router(self) -> APIRouter | None:
        """Nothing behind the staff login: the push endpoint is `public_router()`."""
        return None

    def public_router(self) -> APIRouter | None:
        """Our own LGSP SOAP endpoint for agencies that push to us (when partner accounts are set).

        Mounted by the portal without the staff login (under `/public`, as the modules' public
        routers): partners authenticate with the lgsp:Credentials SOAP header of every request.
        """
        if self._service is None or self._service.push is None:
            return None
        from adapters.lgsp.api import inbound_router

        s = self.settings
        return inbound_router(
            self._service.push, s.inbound_path, max_request_bytes=s.inbound_max_request_bytes
        )

    async def start(self, hub: Hub) -> None:
        if self._service is None:
            return
        if self.settings.embeds_simulator:
            self.simulator = await asyncio.to_thread(
                _embedded_simulator, self.settings, hub.settings.data_dir, self._service.intake.us
            )
        if self._service.client is not None:
            await register(hub, "lgsp")
        await self._service.start()

    async def stop(self) -> None:
        if self._service is not None:
            await self._service.stop()
        if self.simulator is not None:
            await asyncio.to_thread(self.simulator.stop)
            self.simulator = None


def _embedded_simulator(settings: LgspSettings, data_dir: Path, us: Organization) -> SimulatorServer | None:
    """Serve the simulator on the development port unless something already listens there."""
    from adapters.lgsp.simulator import SimulatorServer, development_accounts
    from adapters.lgsp.store import MemoryStore

    if not port_is_free(settings.simulator_port):
        log.info("lgsp.simulator_already_running", url=settings.simulator_url)
        return None
    accounts = development_accounts(us.organ_id, us.organ_name or us.organ_id)
    store = MemoryStore(accounts, data_dir / "lgsp-simulator")
    server = SimulatorServer(store, port=settings.simulator_port).start()
    log.warning(
        "lgsp.embedded_simulator",
        url=server.address,
        agencies=[a.organ_id for a in accounts],
        hint="set LIENTHONG_LGSP_URL and LIENTHONG_LGSP_TOKEN for the real city axis",
    )
    return server


module = LgspModule()

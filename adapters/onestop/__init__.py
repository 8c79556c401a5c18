"""One-stop system adapter: its webhook feeds dossier events to the bus; status goes back to it.

In development (neither LIENTHONG_ONESTOP_SECRET nor _SYSTEM_URL set) the module uses the development
secret and serves the one-stop simulator in-process as the system side: status callbacks go to it,
and a dossier filed on it (`POST /api/dossiers`) is pushed to our webhook. When something already
listens on the simulator's port (or the webhook's, in another process of `make run`), it uses that.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import structlog

import schemas.intake  # noqa: F401  (registers the message types)
from adapters.onestop.settings import OnestopSettings
from hub.adapter_health import register
from hub.embedded import port_is_free
from hub.module import Module

if TYPE_CHECKING:
    from pathlib import Path

    from adapters.onestop.client import OnestopClient
    from adapters.onestop.simulator import SimulatorServer
    from hub.listener import Listener
    from hub.runtime import Hub

log = structlog.get_logger(__name__)

__all__ = ["OnestopModule", "OnestopSettings", "module"]


class OnestopModule(Module):
    """Webhook listener on its own port and the status callback consumer.

    The webhook is not mounted in the portal (`router()` is None): the one-stop system reaches it
    without a staff login, authenticated by HMAC. `settings` are the ones in effect (in development,
    pointed at the embedded simulator); `configured` the ones given.
    """

    name = "onestop"

    def __init__(self, settings: OnestopSettings | None = None) -> None:
        self.configured = settings or OnestopSettings()
        self.embedded = self.configured.embeds_simulator
        self.settings = self.configured.with_simulator() if self.embedded else self.configured
        self._client: OnestopClient | None = None
        self._listener: Listener | None = None
        self.simulator: SimulatorServer | None = None

    @property
    def enabled(self) -> bool:
        return self.settings.secret is not None

    @property
    def port(self) -> int:
        return self._listener.port if self._listener is not None else self.settings.listen_port

    @property
    def webhook_url(self) -> str:
        return f"http://{self.settings.listen_host}:{self.port}/onestop/webhook"

    def setup(self, hub: Hub) -> None:
        from adapters.onestop import consumers
        from adapters.onestop.client import OnestopClient

        if self.enabled and self.settings.system_url:
            self._client = OnestopClient(self.settings)
        consumers.setup(hub, self._client)

    async def start(self, hub: Hub) -> None:
        if not self.enabled:
            reason = "LIENTHONG_ONESTOP_SECRET is not set"
            if self.configured.is_development and self.configured.embed_simulator:
                reason += " (the development secret is used on a loopback listener only)"
            log.info("onestop.disabled", reason=reason)
            return
        from adapters.onestop.api import create_app
        from hub.listener import Listener

        listener = Listener("onestop webhook", self.settings.listen_host, self.settings.listen_port)
        try:
            await listener.start(create_app(hub))
        except RuntimeError:
            if not self.embedded:
                raise
            log.info("onestop.listener_already_running", url=self.webhook_url)  # another `make run` process
        else:
            self._listener = listener
            log.info("onestop.listening", url=self.webhook_url)
        await register(hub, "onestop")
        if self.embedded:
            self.simulator = await asyncio.to_thread(
                _embedded_simulator, self.settings, self.webhook_url, hub.settings.data_dir
            )

    async def stop(self) -> None:
        if self.simulator is not None:
            await asyncio.to_thread(self.simulator.stop)
            self.simulator = None
        if self._listener is not None:
            await self._listener.stop()
            self._listener = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None


def _embedded_simulator(
    settings: OnestopSettings, webhook_url: str, data_dir: Path
) -> SimulatorServer | None:
    """Serve the one-stop simulator on the development port unless something already listens there."""
    from adapters.onestop.simulator import OnestopSimulator, SimulatorServer

    if not port_is_free(settings.simulator_port):
        log.info("onestop.simulator_already_running", url=settings.simulator_url)
        return None
    assert settings.secret is not None
    simulator = OnestopSimulator(
        webhook_url, settings.secret.get_secret_value(), data_file=data_dir / "onestop-simulator.json"
    )
    server = SimulatorServer(simulator, port=settings.simulator_port).start()
    log.warning(
        "onestop.embedded_simulator",
        url=server.url,
        webhook=webhook_url,
        hint="set LIENTHONG_ONESTOP_SECRET and LIENTHONG_ONESTOP_SYSTEM_URL for the real one-stop system",
    )
    return server


module = OnestopModule()

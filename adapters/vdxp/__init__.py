"""National axis (VDXP): the signed-header HTTP client, its simulator, and the adapter on the bus.

The module registers the `vdxp-send` consumer (consumers.py), and on start polls our inbox and the
deliveries of what we sent (service.py). With the development endpoint and credentials untouched it
serves the simulator in-process when nothing listens there yet (what `make run` relies on).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import structlog

from adapters.axis.intake import AxisIntake
from adapters.vdxp.client import VdxpClient
from adapters.vdxp.errors import VdxpCircuitOpenError, VdxpError, VdxpRejectedError, VdxpTransientError
from adapters.vdxp.protocol import Agency, ReceivedItem, SentItem
from adapters.vdxp.service import (
    INBOX_IDS,
    SOURCE,
    DeliveryTracker,
    Poller,
    PollReport,
    Sender,
    conversation_of,
)
from adapters.vdxp.settings import DEV_ENDPOINT, VdxpConfig, VdxpSettings
from hub.adapter_health import observed
from hub.embedded import port_is_free
from hub.module import Module
from kit.tasks import cancel
from schemas.edxml.dsig import TrustConfig
from schemas.edxml.models import Organization

if TYPE_CHECKING:
    from adapters.vdxp.simulator import SimulatorServer
    from hub.runtime import Hub

log = structlog.get_logger(__name__)
CURSORS_BUCKET = "lt-cursors"
HEALTH_BUCKET = "lt-health"

__all__ = [
    "Agency",
    "ReceivedItem",
    "SentItem",
    "VdxpCircuitOpenError",
    "VdxpClient",
    "VdxpConfig",
    "VdxpError",
    "VdxpModule",
    "VdxpRejectedError",
    "VdxpSettings",
    "VdxpTransientError",
    "module",
]


class VdxpModule(Module):
    """Wires the national axis client into the hub."""

    name = "vdxp"

    def __init__(self, settings: VdxpSettings | None = None) -> None:
        self._settings = settings
        self._client: VdxpClient | None = None
        self._sender: Sender | None = None
        self.poller: Poller | None = None
        self.tracker: DeliveryTracker | None = None
        self._task: asyncio.Task[None] | None = None
        self._simulator: SimulatorServer | None = None

    @property
    def settings(self) -> VdxpSettings:
        if self._settings is None:
            self._settings = VdxpSettings()
        return self._settings

    @property
    def client(self) -> VdxpClient:
        if self._client is None:
            self._client = VdxpClient(self.settings.client_config())
        return self._client

    def setup(self, hub: Hub) -> None:
        """Register the send consumer."""
        from adapters.vdxp import consumers

        consumers.setup(hub, self)

    @property
    def sender(self) -> Sender:
        if self._sender is None:
            raise RuntimeError("the vdxp module has not started")
        return self._sender

    async def start(self, hub: Hub) -> None:
        """Create the client and, when enabled, start polling."""
        assert hub.js is not None
        s = self.settings
        us = Organization(
            organ_id=s.agency_code or hub.settings.agency_code,
            organ_name=s.agency_name or hub.settings.agency_name,
        )
        cursors = await hub.js.key_value(CURSORS_BUCKET)
        self._sender = Sender(
            self.client,
            us.organ_id,
            cursors,
            s.signing_key(),
            settle=timedelta(seconds=s.send_settle_seconds),
        )
        trust = TrustConfig(s.trust_ca_files, allow_sha1=s.allow_sha1) if s.trust_ca_files else None
        intake = AxisIntake(
            hub,
            source=SOURCE,
            ids=INBOX_IDS,
            us=us,
            trust=trust,
            correlation=lambda document_id: conversation_of(cursors, document_id),
        )
        self.poller = Poller(self.client, intake, s.systemid)
        self.tracker = DeliveryTracker(hub, self.client, cursors)
        self._health = await hub.js.key_value(HEALTH_BUCKET)
        if s.embed_simulator and s.is_development:
            self._simulator = await asyncio.to_thread(_embedded_simulator, hub.settings.data_dir, us.organ_id)
        if s.poll_enabled:
            self._task = asyncio.create_task(self._loop(), name="vdxp-poll")
        log.info(
            "vdxp.started",
            endpoint=s.endpoint,
            systemid=s.systemid,
            agency=us.organ_id,
            polling=s.poll_enabled,
        )

    async def poll_once(self) -> PollReport:
        """One inbox poll and one delivery sync (the loop's body; tests call it directly)."""
        if self.poller is None or self.tracker is None:
            raise RuntimeError("the vdxp module has not started")
        async with observed(self.poller.intake.hub, "vdxp", circuit=lambda: self.client.breaker.state.value):
            report = await self.poller.poll_once()
            report.outcomes["delivery_changes"] += await self.tracker.sync_once()
        return report

    async def _loop(self) -> None:
        while True:
            try:
                report = await self.poll_once()
                if any(report.outcomes.values()):
                    log.info("vdxp.polled", **dict(report.outcomes))
            except VdxpError as exc:
                log.warning("vdxp.poll_failed", error=str(exc))
            except Exception:
                log.exception("vdxp.poll_crashed")
            await self._publish_health()
            await asyncio.sleep(self.settings.poll_interval)

    async def _publish_health(self) -> None:
        snapshot = asdict(self.client.health())
        snapshot["state"] = str(snapshot["state"])
        try:
            await self._health.put("vdxp", json.dumps(snapshot).encode())
        except Exception as exc:
            log.debug("vdxp.health_not_published", error=str(exc))

    async def stop(self) -> None:
        """Stop polling and close the HTTP client."""
        await cancel(self._task)
        self._task = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self._simulator is not None:
            await asyncio.to_thread(self._simulator.stop)
            self._simulator = None


def _embedded_simulator(data_dir: Path, agency_code: str) -> SimulatorServer | None:
    """Serve the simulator on the development endpoint unless something already listens there."""
    from adapters.vdxp.simulator import SimulatorServer, build_simulator

    url = httpx.URL(DEV_ENDPOINT)
    host, port = url.host, url.port or 80
    if not port_is_free(port, host):
        log.info("vdxp.simulator_already_running", endpoint=DEV_ENDPOINT)
        return None
    simulator = build_simulator(data_dir / "vdxp-simulator", extra_agencies=[agency_code])
    server = SimulatorServer(simulator, host, port).start()
    log.warning(
        "vdxp.embedded_simulator", endpoint=server.url, hint="set LIENTHONG_VDXP_ENDPOINT for the real axis"
    )
    return server


module = VdxpModule()

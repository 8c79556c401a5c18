"""The national axis on the bus: the `vdxp-send` consumer and the background poll of inbox and deliveries."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import structlog
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.vdxp.client import VdxpClient
from adapters.vdxp.config import DEV_ENDPOINT, DEV_SECRET, DEV_SYSTEM_ID, VdxpConfig
from adapters.vdxp.errors import VdxpError
from adapters.vdxp.inbound import InboundPoller, InboundSettings, PollReport
from adapters.vdxp.outbound import DeliveryTracker, Sender
from hub.adapter_health import observed
from hub.embedded import port_is_free
from hub.module import Module
from schemas.edxml.dsig import SigningKey, TrustConfig
from schemas.edxml.models import Organization

if TYPE_CHECKING:
    from adapters.vdxp.simulator import SimulatorServer
    from hub.runtime import Delivery, Hub

log = structlog.get_logger(__name__)
CURSORS_BUCKET = "lt-cursors"
HEALTH_BUCKET = "lt-health"


class VdxpSettings(BaseSettings):
    """National axis settings from LIENTHONG_VDXP_* (defaults talk to the local simulator)."""

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_VDXP_", env_file=".env", extra="ignore")

    endpoint: str = DEV_ENDPOINT
    systemid: str = DEV_SYSTEM_ID
    secret: SecretStr = SecretStr(DEV_SECRET)
    agency_code: str | None = Field(default=None, description="Our OrganId; the hub's agency_code by default")
    agency_name: str | None = None
    poll_enabled: bool = True
    poll_interval: float = Field(default=10.0, gt=0)
    trust_ca_files: list[Path] = Field(default_factory=list, description="CA PEM files for XML-DSig checks")
    allow_sha1: bool = Field(default=False, description="Accept RSA-SHA1 signatures of older senders")
    signing_key_file: Path | None = Field(
        default=None, description="PEM private key that signs outgoing edocs"
    )
    signing_cert_file: Path | None = Field(
        default=None, description="PEM certificate (then chain) of that key"
    )
    signing_key_password: SecretStr | None = None
    read_timeout: float = Field(default=30.0, gt=0)
    retry_attempts: int = Field(default=3, ge=1)
    send_max_deliver: int = Field(
        default=500,
        ge=1,
        description="Deliveries of a send before it is dead-lettered: an axis outage of hours is waited out",
    )
    breaker_open_seconds: float = Field(default=30.0, ge=0)
    embed_simulator: bool = Field(
        default=True,
        description="With the untouched development endpoint and credentials, serve the simulator in-process "
        "when nothing listens there yet (what `make run` relies on)",
    )

    @property
    def is_development(self) -> bool:
        """True when endpoint and credentials are the local simulator's defaults."""
        return self.endpoint == DEV_ENDPOINT and self.systemid == DEV_SYSTEM_ID

    def signing_key(self) -> SigningKey | None:
        """The agency's XML-DSig key, when configured (both files are needed)."""
        if self.signing_key_file is None and self.signing_cert_file is None:
            return None
        if self.signing_key_file is None or self.signing_cert_file is None:
            raise ValueError("set both LIENTHONG_VDXP_SIGNING_KEY_FILE and LIENTHONG_VDXP_SIGNING_CERT_FILE")
        password = (
            self.signing_key_password.get_secret_value().encode() if self.signing_key_password else None
        )
        return SigningKey.from_pem(
            self.signing_key_file.read_bytes(), self.signing_cert_file.read_bytes(), password
        )

    def client_config(self) -> VdxpConfig:
        """The HTTP client configuration."""
        return VdxpConfig(
            endpoint=self.endpoint,
            systemid=self.systemid,
            secret=self.secret,
            read_timeout=self.read_timeout,
            retry_attempts=self.retry_attempts,
            breaker_open_seconds=self.breaker_open_seconds,
        )


class VdxpModule(Module):
    """Wires the national axis client into the hub."""

    name = "vdxp"

    def __init__(self, settings: VdxpSettings | None = None) -> None:
        self._settings = settings
        self._client: VdxpClient | None = None
        self._sender: Sender | None = None
        self.poller: InboundPoller | None = None
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

        @hub.consumer(
            "vdxp-send",
            "lt.axis.cmd.vdxp",
            types=["axis.send"],
            batch=8,
            max_deliver=self.settings.send_max_deliver,
        )
        async def send(d: Delivery) -> None:
            """Send edXML documents and statuses through the national axis."""
            if self._sender is None:
                raise RuntimeError("the vdxp module has not started")
            async with observed(hub, "vdxp", circuit=lambda: self.client.breaker.state.value):
                await self._sender.handle(d)

    async def start(self, hub: Hub) -> None:
        """Create the client and, when enabled, start polling."""
        assert hub.js is not None
        s = self.settings
        us = Organization(
            organ_id=s.agency_code or hub.settings.agency_code,
            organ_name=s.agency_name or hub.settings.agency_name,
        )
        cursors = await hub.js.key_value(CURSORS_BUCKET)
        self._sender = Sender(self.client, us.organ_id, cursors, s.signing_key())
        trust = TrustConfig(s.trust_ca_files, allow_sha1=s.allow_sha1) if s.trust_ca_files else None
        self.poller = InboundPoller(hub, self.client, InboundSettings(s.systemid, us, trust), cursors)
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
        async with observed(self.poller.hub, "vdxp", circuit=lambda: self.client.breaker.state.value):
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
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
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

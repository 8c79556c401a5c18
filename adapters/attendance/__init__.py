"""Attendance devices: an HMAC-authenticated webhook that puts check-ins and check-outs on the bus.

In development (no LIENTHONG_ATTENDANCE_DEVICES) the webhook accepts the simulated device, whose
control API the module serves in-process (`POST /api/punches` makes it punch; see simulator.py).
When something already listens on the webhook's or the device's port (another process of
`make run`), the module uses that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog

import schemas.timekeeping  # noqa: F401  (registers attendance.punched)
from adapters.attendance.settings import DEV_DEVICE_ID, AttendanceSettings
from hub.adapter_health import register
from hub.embedded import port_is_free
from hub.module import Module

if TYPE_CHECKING:
    from hub.listener import Listener
    from hub.runtime import Hub

log = structlog.get_logger(__name__)

__all__ = ["AttendanceModule", "AttendanceSettings", "module"]


class AttendanceModule(Module):
    """HTTP webhook for attendance devices on its own port; each event becomes attendance.punched.

    The webhook is not mounted in the portal (`router()` is None): devices authenticate by HMAC.
    `devices`, `host` and `port` override the settings (tests, scripts). `settings` are the ones in
    effect (in development, with the simulated device); `configured` the ones given.
    """

    name = "attendance"

    def __init__(
        self,
        devices: dict[str, str] | None = None,
        host: str | None = None,
        port: int | None = None,
        settings: AttendanceSettings | None = None,
    ) -> None:
        base = settings or AttendanceSettings()
        overrides = {"devices": devices, "host": host, "port": port}
        self.configured = base.model_copy(update={k: v for k, v in overrides.items() if v is not None})
        self.embedded = self.configured.embeds_simulator
        self.settings = self.configured.with_simulator() if self.embedded else self.configured
        self._listener: Listener | None = None
        self.simulator: Listener | None = None

    @property
    def port(self) -> int:
        return self._listener.port if self._listener is not None else self.settings.port

    @property
    def url(self) -> str:
        return f"http://{self.settings.host}:{self.port}"

    def setup(self, hub: Hub) -> None:
        from adapters.attendance import consumers

        consumers.setup(hub)

    async def start(self, hub: Hub) -> None:
        if not self.settings.devices:
            reason = "no devices configured (LIENTHONG_ATTENDANCE_DEVICES)"
            if self.configured.embed_simulator and not self.configured.loopback:
                reason += "; the simulated device is accepted on a loopback listener only"
            log.info("attendance.disabled", reason=reason)
            return
        from adapters.attendance.api import create_app
        from hub.listener import Listener

        listener = Listener("attendance webhook", self.settings.host, self.settings.port)
        try:
            await listener.start(create_app(hub))
        except RuntimeError:
            if not self.embedded:
                raise
            log.info("attendance.listener_already_running", url=self.url)  # another `make run` process
        else:
            self._listener = listener
            log.info("attendance.listening", url=self.url, devices=sorted(self.settings.devices))
        await register(hub, "attendance")
        if self.embedded:
            self.simulator = await self._embedded_simulator()

    async def _embedded_simulator(self) -> Listener | None:
        """Serve the simulated device's control API on its port unless something already listens there."""
        from adapters.attendance.simulator import DeviceSimulator, create_app
        from hub.listener import Listener

        s = self.settings
        if not port_is_free(s.simulator_port):
            log.info("attendance.simulator_already_running", url=s.simulator_url)
            return None
        device = DeviceSimulator(self.url, DEV_DEVICE_ID, s.devices[DEV_DEVICE_ID])
        server = Listener("attendance device simulator", "127.0.0.1", s.simulator_port)
        await server.start(create_app(device))
        log.warning(
            "attendance.embedded_simulator",
            url=f"http://127.0.0.1:{server.port}",
            device=DEV_DEVICE_ID,
            webhook=device.endpoint,
            hint="set LIENTHONG_ATTENDANCE_DEVICES for the real devices",
        )
        return server

    async def stop(self) -> None:
        if self.simulator is not None:
            await self.simulator.stop()
            self.simulator = None
        if self._listener is not None:
            await self._listener.stop()
            self._listener = None


module = AttendanceModule()

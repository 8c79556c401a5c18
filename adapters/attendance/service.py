"""The attendance adapter as a hub module: serves the device webhook on its own port."""

from __future__ import annotations

import asyncio
import json
import os
import uuid

import structlog
import uvicorn

from adapters.attendance.webhook import create_webhook_app
from hub.module import Module
from hub.runtime import Hub
from schemas.timekeeping import AttendancePunched

log = structlog.get_logger(__name__)


def devices_from_env() -> dict[str, str]:
    """Devices and their shared secrets from LT_ATTENDANCE_DEVICES (JSON object id -> secret)."""
    raw = os.environ.get("LT_ATTENDANCE_DEVICES", "")
    if not raw:
        return {}
    value = json.loads(raw)
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError("LT_ATTENDANCE_DEVICES must be a JSON object of device id -> secret")
    return {str(k): v for k, v in value.items()}


class AttendanceModule(Module):
    """HTTP webhook for attendance devices; each event becomes attendance.punched on the bus."""

    name = "attendance"

    def __init__(
        self, devices: dict[str, str] | None = None, host: str | None = None, port: int | None = None
    ) -> None:
        self.devices = devices
        self.host = host or os.environ.get("LT_ATTENDANCE_HOST", "127.0.0.1")
        self.port = port if port is not None else int(os.environ.get("LT_ATTENDANCE_PORT", "8095"))
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self, hub: Hub) -> None:
        devices = self.devices if self.devices is not None else devices_from_env()
        if not devices:
            log.info("attendance.disabled", reason="no devices configured (LT_ATTENDANCE_DEVICES)")
            return

        async def publish(punch: AttendancePunched, mid: uuid.UUID) -> None:
            await hub.publish(
                "attendance.punched", punch, source="attendance", id=mid, issue=f"punch:{punch.punch_id}"
            )

        app = create_webhook_app(devices, publish)
        config = uvicorn.Config(app, host=self.host, port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._serve(self._server), name="attendance-webhook")
        while not self._server.started:
            if self._task.done():
                self._server = self._task = None
                raise RuntimeError(f"attendance webhook could not listen on {self.host}:{self.port}")
            await asyncio.sleep(0.02)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        log.info("attendance.listening", url=self.url, devices=sorted(devices))

    @staticmethod
    async def _serve(server: uvicorn.Server) -> None:
        try:
            await server.serve()
        except SystemExit as exc:  # uvicorn exits the process when it cannot bind; keep the hub alive
            log.error("attendance.serve_failed", code=exc.code)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
            self._server = self._task = None

"""Settings of the attendance adapter (LIENTHONG_ATTENDANCE_*; the older LT_ATTENDANCE_* still read).

With no DEVICES the adapter is in development: it accepts the development device (its well-known
secret, on a loopback listener only) and serves that device's simulator on SIMULATOR_PORT, which
pushes punches to the webhook on request (what `make run` relies on).
"""

from __future__ import annotations

import ipaddress

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_DEVICE_ID = "may-cham-cong-mo-phong"
DEV_DEVICE_SECRET = "lienthong-dev-attendance"  # noqa: S105 - the simulated device's well-known secret
DEV_PORT = 8096  # where the simulated device takes its orders


class AttendanceSettings(BaseSettings):
    """Which devices may post (id -> shared HMAC secret) and where the webhook listens; no device = off."""

    model_config = SettingsConfigDict(
        env_prefix="LIENTHONG_ATTENDANCE_", env_file=".env", extra="ignore", populate_by_name=True
    )

    devices: dict[str, str] = Field(
        default_factory=dict,
        description="JSON object of device id -> secret",
        validation_alias=AliasChoices("LIENTHONG_ATTENDANCE_DEVICES", "LT_ATTENDANCE_DEVICES", "devices"),
    )
    host: str = Field(
        default="127.0.0.1",
        validation_alias=AliasChoices("LIENTHONG_ATTENDANCE_HOST", "LT_ATTENDANCE_HOST", "host"),
    )
    port: int = Field(
        default=8095,
        ge=0,
        description="Port of the webhook listener (0: any free port)",
        validation_alias=AliasChoices("LIENTHONG_ATTENDANCE_PORT", "LT_ATTENDANCE_PORT", "port"),
    )
    embed_simulator: bool = Field(
        default=True,
        description="In development (no DEVICES) accept the simulated device and serve it in-process",
    )
    simulator_port: int = Field(
        default=DEV_PORT,
        ge=1,
        le=65535,
        description="Port of the simulated device's control API (127.0.0.1)",
    )

    @property
    def is_development(self) -> bool:
        """True when no real device is configured."""
        return not self.devices

    @property
    def loopback(self) -> bool:
        """Whether the webhook listens on the loopback interface only."""
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return self.host == "localhost"

    @property
    def embeds_simulator(self) -> bool:
        """Whether the adapter accepts and serves the simulated device (development, loopback, allowed)."""
        return self.embed_simulator and self.is_development and self.loopback

    @property
    def simulator_url(self) -> str:
        return f"http://127.0.0.1:{self.simulator_port}"

    def with_simulator(self) -> AttendanceSettings:
        """These settings with the simulated device as the one device."""
        return self.model_copy(update={"devices": {DEV_DEVICE_ID: DEV_DEVICE_SECRET}})

"""Settings of the one-stop adapter (LIENTHONG_ONESTOP_*): the shared secret, the listener, the system.

With neither SECRET nor SYSTEM_URL set, the adapter is in development: it uses the development secret
and serves the one-stop simulator in-process on SIMULATOR_PORT as the system side (what `make run`
relies on). The development secret is only ever accepted on a loopback listener.
"""

from __future__ import annotations

import ipaddress

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "lienthong-dev-onestop"  # noqa: S105 - the local simulator's well-known development secret
DEV_PORT = 8620  # where the one-stop simulator listens by default


class OnestopSettings(BaseSettings):
    """Where the one-stop system is and how it authenticates; no secret means the adapter is off."""

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_ONESTOP_", env_file=".env", extra="ignore")

    secret: SecretStr | None = Field(default=None, description="Shared HMAC secret of webhooks and callbacks")
    listen_host: str = "127.0.0.1"
    listen_port: int = Field(
        default=8610, ge=0, description="Port of the webhook listener (0: any free port)"
    )
    system_url: str | None = Field(
        default=None, description="Base URL of the real one-stop system (status calls); unset: none are made"
    )
    timeout_seconds: float = 10.0
    embed_simulator: bool = Field(
        default=True,
        description="In development (no SECRET, no SYSTEM_URL) serve the one-stop simulator in-process",
    )
    simulator_port: int = Field(
        default=DEV_PORT, ge=1, le=65535, description="Port of the embedded simulator (127.0.0.1)"
    )

    @property
    def is_development(self) -> bool:
        """True when nothing points the adapter at a real one-stop system."""
        return self.secret is None and not self.system_url

    @property
    def loopback(self) -> bool:
        """Whether the webhook listens on the loopback interface only."""
        try:
            return ipaddress.ip_address(self.listen_host).is_loopback
        except ValueError:
            return self.listen_host == "localhost"

    @property
    def embeds_simulator(self) -> bool:
        """Whether the adapter serves and uses the local simulator (development, loopback, allowed)."""
        return self.embed_simulator and self.is_development and self.loopback

    @property
    def simulator_url(self) -> str:
        return f"http://127.0.0.1:{self.simulator_port}"

    def with_simulator(self) -> OnestopSettings:
        """These settings pointed at the embedded simulator, with the development secret."""
        return self.model_copy(update={"secret": SecretStr(DEV_SECRET), "system_url": self.simulator_url})

"""Settings of the notification channels (environment LIENTHONG_NOTIFY_*): where SMTP, SMS and Zalo are.

With none of SMTP_HOST, SMS_URL and ZALO_URL set, the adapter is in development: it serves an SMTP
server, the SMS gateway and the Zalo OA API simulators in-process on the SIMULATOR_* ports and sends
through them (what `make run` relies on); what they receive is kept in the data folder and shown to
operators. Setting any one channel turns all three simulators off: a configured installation never
sends a notice to a simulator.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SMTP_PORT = 8025
DEV_SMS_PORT = 8091
DEV_ZALO_PORT = 8092
DEV_SMS_API_KEY = "lienthong-dev-sms"  # the simulators' well-known development credentials
DEV_ZALO_TOKEN = "lienthong-dev-zalo"  # noqa: S105
SIMULATOR_HOST = "127.0.0.1"


class NotifySettings(BaseSettings):
    """Where the SMTP server, SMS gateway and Zalo OA API are, and how hard to retry them."""

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_NOTIFY_", extra="ignore")

    smtp_host: str | None = Field(default=None, description="SMTP server; e-mail is off when unset")
    smtp_port: int = 587
    smtp_tls: Literal["starttls", "tls", "none"] = "starttls"
    smtp_ca_file: Path | None = Field(default=None, description="CA bundle to trust for the SMTP server")
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_sender: str = "Hệ thống Liên thông <lienthong@skhdt.hanoi.gov.vn>"
    smtp_timeout: float = 20.0
    sms_url: str | None = Field(default=None, description="SMS gateway base URL; SMS is off when unset")
    sms_api_key: SecretStr = SecretStr("")
    sms_brandname: str = "SKHDT-HN"
    zalo_url: str | None = Field(default=None, description="Zalo OA API base URL; Zalo is off when unset")
    zalo_access_token: SecretStr = SecretStr("")
    http_timeout: float = 10.0
    poll_seconds: float = Field(default=5.0, description="How often pending deliveries are retried")
    retry_base_seconds: float = 5.0
    retry_max_seconds: float = 600.0
    lease_seconds: float = Field(default=300.0, description="A delivery stuck 'sending' this long is retried")
    digest_cron: str = Field(default="0 0 10 * * *", description="Daily digest (UTC; 17:00 in Hà Nội)")
    portal_url: str = Field(default="http://127.0.0.1:8080", description="Where links in messages point")
    embed_simulators: bool = Field(
        default=True,
        description="In development (no SMTP_HOST, SMS_URL or ZALO_URL) serve the channel simulators",
    )
    simulator_smtp_port: int = Field(default=DEV_SMTP_PORT, ge=1, le=65535)
    simulator_sms_port: int = Field(default=DEV_SMS_PORT, ge=1, le=65535)
    simulator_zalo_port: int = Field(default=DEV_ZALO_PORT, ge=1, le=65535)

    @property
    def is_development(self) -> bool:
        """True when no channel points at a real server."""
        return not (self.smtp_host or self.sms_url or self.zalo_url)

    @property
    def embeds_simulators(self) -> bool:
        """Whether the adapter serves and uses the channel simulators (development, embedding allowed)."""
        return self.embed_simulators and self.is_development

    def with_simulators(self) -> NotifySettings:
        """These settings pointed at the simulators (plain SMTP on loopback, development credentials)."""
        return self.model_copy(
            update={
                "smtp_host": SIMULATOR_HOST,
                "smtp_port": self.simulator_smtp_port,
                "smtp_tls": "none",
                "sms_url": f"http://{SIMULATOR_HOST}:{self.simulator_sms_port}",
                "sms_api_key": SecretStr(DEV_SMS_API_KEY),
                "zalo_url": f"http://{SIMULATOR_HOST}:{self.simulator_zalo_port}",
                "zalo_access_token": SecretStr(DEV_ZALO_TOKEN),
            }
        )

"""Settings of the notification channels (environment LIENTHONG_NOTIFY_*)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class NotifyConfig(BaseSettings):
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
    portal_url: str = "http://localhost:8000"

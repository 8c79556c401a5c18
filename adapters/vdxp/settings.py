"""Settings of the national axis: the adapter's (LIENTHONG_VDXP_*) and the HTTP client's connection.

The defaults talk to the local simulator (`lienthong sim vdxp`, or the one `make run` embeds)."""

from __future__ import annotations

from pathlib import Path

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from kit.resilience import BreakerSettings, RetryPolicy
from schemas.edxml.dsig import SigningKey

DEV_SYSTEM_ID = "lienthong.dev"
DEV_SECRET = "lienthong-dev-secret"  # noqa: S105 - the local simulator's well-known development credential
DEV_PORT = 8801  # where `lienthong sim vdxp` listens by default
DEV_ENDPOINT = f"http://127.0.0.1:{DEV_PORT}"


class VdxpConfig(BaseModel):
    """Everything VdxpClient needs; `systemid` is the centre id ("mã trung tâm"), not an agency code."""

    model_config = ConfigDict(frozen=True)

    endpoint: str = Field(description="Base URL of the axis, e.g. http://vxpdungchung.vnpt.vn")
    systemid: str = Field(min_length=1)
    secret: SecretStr
    service_type: str = "eDoc"
    connect_timeout: float = Field(default=5.0, gt=0)
    read_timeout: float = Field(default=30.0, gt=0)
    write_timeout: float = Field(default=60.0, gt=0)
    pool_timeout: float = Field(default=5.0, gt=0)
    max_connections: int = Field(default=10, ge=1, le=100)
    max_download_bytes: int = Field(default=200 * 1024 * 1024, ge=1024)
    retry_attempts: int = Field(default=3, ge=1, le=10)
    retry_base_delay: float = Field(default=0.5, ge=0)
    retry_max_delay: float = Field(default=10.0, ge=0)
    breaker_window: int = Field(default=20, ge=1)
    breaker_minimum_calls: int = Field(default=5, ge=1)
    breaker_failure_rate: float = Field(default=0.5, gt=0, le=1)
    breaker_open_seconds: float = Field(default=30.0, ge=0)
    breaker_half_open_calls: int = Field(default=1, ge=1)

    @property
    def base_url(self) -> str:
        return self.endpoint.rstrip("/")

    def timeout(self) -> httpx.Timeout:
        """Explicit httpx timeouts for every phase of a call."""
        return httpx.Timeout(
            connect=self.connect_timeout,
            read=self.read_timeout,
            write=self.write_timeout,
            pool=self.pool_timeout,
        )

    def retry_policy(self) -> RetryPolicy:
        """Backoff used for transient failures."""
        return RetryPolicy(
            attempts=self.retry_attempts, base_delay=self.retry_base_delay, max_delay=self.retry_max_delay
        )

    def breaker_settings(self) -> BreakerSettings:
        """Circuit breaker window and open period."""
        return BreakerSettings(
            window_size=self.breaker_window,
            minimum_calls=min(self.breaker_minimum_calls, self.breaker_window),
            failure_rate_threshold=self.breaker_failure_rate,
            open_seconds=self.breaker_open_seconds,
            half_open_calls=self.breaker_half_open_calls,
        )


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
    send_settle_seconds: float = Field(
        default=120.0,
        ge=0,
        description="A send whose reply was lost and that is not on the axis's sent list is sent again only "
        "after this long (the axis may still be storing it)",
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

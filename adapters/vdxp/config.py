"""Connection settings of the national axis client (endpoint, centre credentials, timeouts, resilience)."""

from __future__ import annotations

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from adapters.resilience import BreakerSettings, RetryPolicy

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

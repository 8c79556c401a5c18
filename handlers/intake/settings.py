"""Settings of the intake module (LIENTHONG_INTAKE_*)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class IntakeSettings(BaseSettings):
    """The public look-up's rate limit and the appointment watch's period."""

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_INTAKE_", env_file=".env", extra="ignore")

    lookup_limit: int = Field(
        default=30, ge=1, description="Public look-ups allowed per client IP and window"
    )
    lookup_window: float = Field(default=60.0, gt=0, description="Seconds of the look-up rate-limit window")
    scan_every: float = Field(
        default=3600.0,
        ge=0,
        description="Seconds between two runs of the appointment watch (at risk, overdue); 0 turns it off",
    )

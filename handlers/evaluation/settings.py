"""Settings of the evaluation module (LIENTHONG_EVALUATION_*)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class EvaluationSettings(BaseSettings):
    """The default 'excellent' quota and the heading of the results sheet."""

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_EVALUATION_", env_file=".env", extra="ignore")

    max_excellent_share: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="Largest share of 'excellent' a unit may give, when neither the unit nor '*' has a rule",
    )
    quota_basis: Literal["good_or_better", "all"] = Field(
        default="good_or_better",
        description="What the share is counted on: those rated good or better, or everyone evaluated",
    )
    agency: str = Field(default="SỞ KẾ HOẠCH VÀ ĐẦU TƯ HÀ NỘI", description="First line of the results sheet")

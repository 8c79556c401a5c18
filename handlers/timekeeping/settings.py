"""Settings of the timekeeping module (LIENTHONG_TIMEKEEPING_*)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class TimekeepingSettings(BaseSettings):
    """Who approves a unit head's leave, and the heading of the exported timesheet."""

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_TIMEKEEPING_", env_file=".env", extra="ignore")

    leaders_unit: str = Field(
        default="BGD",
        description="Unit of the agency's leadership (Ban Giám đốc): its head approves the leave of unit "
        "heads and of staff whose unit has no head",
    )
    agency_heading: str = Field(
        default="SỞ KẾ HOẠCH VÀ ĐẦU TƯ HÀ NỘI",
        description="Agency name printed at the top left of the XLSX timesheet (bảng chấm công)",
    )

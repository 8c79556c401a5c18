"""Settings of the meetings module (LIENTHONG_MEETINGS_*)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class MeetingsSettings(BaseSettings):
    """Which unit runs the schedule, and the letterhead of the published schedule."""

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_MEETINGS_", env_file=".env", extra="ignore")

    office_unit: str = Field(
        default="VP",
        description="Unit id of the Văn phòng: its head reviews and publishes the schedule, and is told "
        "when a participant's leave clashes with a meeting",
    )
    agency_parent: str = Field(
        default="UBND THÀNH PHỐ HÀ NỘI", description="Governing body, first line of the letterhead"
    )
    agency: str = Field(default="SỞ KẾ HOẠCH VÀ ĐẦU TƯ", description="The agency, second line (bold)")

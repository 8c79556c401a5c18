"""Settings of the complaints module (LIENTHONG_COMPLAINTS_*)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ComplaintsSettings(BaseSettings):
    """Who decides on acceptance; how often one client may use the public pages and what it may attach."""

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_COMPLAINTS_", env_file=".env", extra="ignore")

    intake_unit: str = Field(
        default="TTr",
        description="Unit that gets the acceptance decision of every new case as a task (the inspectorate)",
    )
    form_limit: int = Field(default=5, ge=1, description="Public web form: cases per client IP per window")
    form_window: float = Field(default=3600.0, gt=0, description="Public web form: the window, in seconds")
    lookup_limit: int = Field(
        default=20,
        ge=1,
        description="Public look-up: look-ups (code + phone or e-mail) per client IP per window",
    )
    lookup_window: float = Field(default=600.0, gt=0, description="Public look-up: the window, in seconds")
    file_max_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, description="Public web form: the largest attached file, in bytes"
    )
    files_max_bytes: int = Field(
        default=25 * 1024 * 1024,
        ge=1024,
        description="Public web form: all files together (the request is cut once past it), in bytes",
    )
    default_signer_profile: str = Field(
        default="leader", description="Signer profile (signing configuration) a conclusion is signed with"
    )
    signer_profiles: dict[str, str] = Field(
        default_factory=dict, description="User id -> signer profile, for those who sign with their own key"
    )
    files_max_count: int = Field(
        default=5, ge=0, le=20, description="Public web form: attached files at most"
    )

    def signer_for(self, user_id: str) -> str:
        """The signer profile a person's conclusions are signed with."""
        return self.signer_profiles.get(user_id, self.default_signer_profile)

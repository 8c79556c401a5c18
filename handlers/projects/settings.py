"""Settings of the projects module (LIENTHONG_PROJECTS_*)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ProjectsSettings(BaseSettings):
    """How the registry imports and exports its Excel files."""

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_PROJECTS_", env_file=".env", extra="ignore")

    import_insert_batch: int = Field(
        default=1000, ge=1, description="New projects inserted per statement when a file is imported"
    )
    units: dict[str, str] = Field(
        default_factory=lambda: {"FDI": "DNDT", "NSNN": "DNDT", "NGOAI_NSNN": "DNDT"},
        description="The unit managing the projects of each funding source (FDI, NSNN, NGOAI_NSNN), as a "
        "JSON object: its officers and head change them, its head imports them",
    )
    export_filename: str = Field(
        default="du-an-dau-tu.xlsx", description="File name the Excel export is offered under"
    )

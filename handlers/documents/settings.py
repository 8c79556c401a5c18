"""Settings of the documents module (LIENTHONG_DOCUMENTS_*)."""

from __future__ import annotations

import os

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# The agencies of the axes' directory known when nothing else is set (codes from docs/domain.md §4).
KNOWN_AGENCIES = {
    "000.00.00.G22": "Văn phòng Chính phủ",
    "000.00.00.H41": "Ủy ban nhân dân tỉnh Nghệ An",
    "000.00.00.H53": "Ủy ban nhân dân tỉnh Tây Ninh",
    "000.00.01.H53": "Văn phòng Ủy ban nhân dân tỉnh Tây Ninh",
}


class DocumentsSettings(BaseSettings):
    """Registers, notation, signing profiles and defaults of the e-office."""

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_DOCUMENTS_", env_file=".env", extra="ignore")

    auto_register: bool = Field(
        default=True,
        description="Enter documents from the axes in the incoming register at once (duplicates wait for "
        "the clerk); when false every axis document waits for the clerk",
    )
    agency_abbreviation: str = Field(default="SKHĐT", description="Chữ viết tắt tên cơ quan in ký hiệu")
    incoming_register: str = "VBDEN"
    outgoing_register: str = "VBDI"
    default_deadline_working_days: int = Field(default=10, ge=1)
    signing_enabled: bool = Field(
        default_factory=lambda: bool(os.environ.get("LIENTHONG_SIGNING_CONFIG")),
        description="Ask the signing service for the approval and issuing signatures; on by default when the "
        "signing service is configured (LIENTHONG_SIGNING_CONFIG), else documents go ahead unsigned",
    )
    signer_profiles: dict[str, str] = Field(
        default_factory=lambda: {"giamdoc": "leader", "phogiamdoc": "deputy"},
        description="User id -> signer profile of the signing configuration (approval signature)",
    )
    default_signer_profile: str = "leader"
    seal_profile: str = Field(default="clerk", description="Signer profile of the organisation's seal")
    approval_box: tuple[int, float, float, float, float] = Field(
        default=(1, 330.0, 330.0, 540.0, 440.0),
        description="Page and rectangle (PDF points, origin bottom-left) of the leader's signature",
    )
    max_upload_mb: int = Field(default=50, ge=1, description="Largest scan or draft file accepted (MB)")
    index_max_mb: int = Field(
        default=20, ge=1, description="Largest PDF whose text is extracted for full-text search (MB)"
    )
    index_seconds: float = Field(
        default=30.0, gt=0, description="Time budget of a document's text extraction (seconds, all its files)"
    )
    agencies: dict[str, str] = Field(
        default_factory=lambda: dict(KNOWN_AGENCIES),
        description="Directory of agencies a draft may be sent to over the axes: mã định danh -> name "
        "(agencies that sent us documents are added to it from the incoming register)",
    )
    issue_box: tuple[int, float, float, float, float] = Field(
        default=(1, 275.0, 350.0, 415.0, 420.0),
        description="Page and rectangle of the seal, over the left third of the leader's signature",
    )

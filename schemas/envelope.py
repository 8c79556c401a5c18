"""The one canonical envelope every message on the bus travels in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


def _now() -> datetime:
    return datetime.now(UTC)


class ClaimCheck(BaseModel):
    """Reference to content kept in the JetStream Object Store instead of inside the message."""

    model_config = ConfigDict(frozen=True)

    bucket: str
    key: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)
    media_type: str = "application/octet-stream"


class Envelope(BaseModel):
    """Canonical message: identity, lineage, business key and a typed payload (or a claim check)."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str = Field(min_length=1, description="Registered message type, e.g. 'document.received'")
    version: int = Field(default=1, ge=1)
    source: str = Field(min_length=1, description="Module or adapter that published the message")
    subject: str = Field(default="", description="NATS subject the message was published on")
    correlation_id: uuid.UUID | None = None
    causation_id: uuid.UUID | None = None
    issue: str | None = Field(default=None, description="Business key: document id, dossier code, task id")
    user_id: str | None = None
    occurred_at: AwareDatetime = Field(default_factory=_now)
    payload: dict[str, Any] = Field(default_factory=dict)
    claim: ClaimCheck | None = Field(default=None, description="Set when the payload is in the Object Store")

    def model_post_init(self, __context: Any) -> None:
        if self.correlation_id is None:
            self.correlation_id = self.id

    def caused(self, type: str, source: str, payload: dict[str, Any] | BaseModel, **kw: Any) -> Envelope:
        """Build a message caused by this one: same conversation and business key."""
        body = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
        fields: dict[str, Any] = {
            "type": type,
            "source": source,
            "payload": body,
            "correlation_id": self.correlation_id,
            "causation_id": self.id,
            "issue": self.issue,
            "user_id": self.user_id,
        }
        fields.update(kw)
        return Envelope(**fields)

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Envelope:
        return cls.model_validate_json(data)

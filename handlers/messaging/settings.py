"""Settings of internal messaging, from the environment (`LIENTHONG_MESSAGING_*`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class MessagingSettings(BaseSettings):
    """How much of a message its in-app notification carries."""

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_MESSAGING_", extra="ignore")

    notify_excerpt_chars: int = Field(
        default=500, ge=0, le=2000, description="Characters of the body copied into the notification"
    )

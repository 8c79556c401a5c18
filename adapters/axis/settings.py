"""Settings shared by both axis adapters (LIENTHONG_AXIS_*): how large an incoming message may be."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas.edxml.content import DEFAULT_MAX_ATTACHMENT_SIZE
from schemas.edxml.parse import ParseOptions
from schemas.edxml.xmlsafe import MAX_XML_BYTES


class AxisSettings(BaseSettings):
    """One limit for every axis: a message refused by one is refused by the other."""

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_AXIS_", env_file=".env", extra="ignore")

    max_message_bytes: int = Field(
        default=MAX_XML_BYTES, ge=1024, description="Largest incoming edXML, attachments included"
    )
    max_attachment_bytes: int = Field(
        default=DEFAULT_MAX_ATTACHMENT_SIZE, ge=1024, description="Largest single decoded attachment"
    )

    def parse_options(self) -> ParseOptions:
        """The edXML parser's limits."""
        return ParseOptions(max_size=self.max_message_bytes, max_attachment_size=self.max_attachment_bytes)

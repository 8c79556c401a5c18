"""The signing service on the bus: `sign.pdf.requested` and `sign.validate.requested` commands.

Documents travel as claim checks; signing and validation run in the engine's worker processes, so the
hub's event loop never blocks. Outcomes are events caused by the command (same correlation id and
business key): `sign.pdf.signed` or `sign.pdf.refused`, `sign.validate.completed` or
`sign.validate.failed`. A key that cannot be opened (missing token, wrong PIN) is a transient error:
the command is retried and, when deliveries run out, dead-lettered with a reason that names the key
source, never the secret.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import structlog
import yaml
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.signing.config import KeySourceError, SigningConfig
from adapters.signing.edxml import NotEdxml
from adapters.signing.engine import SigningEngine
from adapters.signing.sign import SigningRefused
from adapters.signing.validate import NotAPdf
from hub.errors import TransientError
from hub.module import Module
from schemas.signing import (
    DocumentValidated,
    PdfSigned,
    PdfSignRefused,
    SignPdfRequested,
    ValidateRequested,
    ValidationFailed,
)

if TYPE_CHECKING:
    from hub.runtime import Delivery, Hub

log = structlog.get_logger(__name__)
PDF = "application/pdf"


class SigningSettings(BaseSettings):
    """Where the signing configuration lives (LIENTHONG_SIGNING_CONFIG); absent means the module is off."""

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_SIGNING_", env_file=".env", extra="ignore")

    config: Path | None = Field(default=None, description="YAML or JSON file holding a SigningConfig")
    ack_wait_seconds: float = Field(default=120.0, gt=0, description="Time allowed for one signature")


def load_config(path: Path) -> SigningConfig:
    """Read a SigningConfig from YAML or JSON; the error names the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"signing configuration {path} cannot be read: {exc}") from None
    return SigningConfig.model_validate(data)


async def _health(hub: Hub, ok: bool, started: float, error: str | None = None) -> None:
    """Report the signing engine's health to the portal (hub/adapter_health.py), when that exists."""
    try:
        from hub.adapter_health import record_call
    except ImportError:  # the health registry is optional
        return
    await record_call(hub, "signing", ok, (time.perf_counter() - started) * 1000, error=error)


def is_xml(data: bytes) -> bool:
    """Tell an XML (edXML) document from a PDF by its first bytes."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


class SigningModule(Module):
    """Hub module that signs and validates PDFs through a SigningEngine."""

    name = "signing"

    def __init__(self, config: SigningConfig | None = None, settings: SigningSettings | None = None) -> None:
        self.settings = settings or SigningSettings()
        if config is None and self.settings.config is not None:
            config = load_config(self.settings.config)
        self.config = config
        self._engine: SigningEngine | None = None

    @property
    def engine(self) -> SigningEngine:
        if self._engine is None:
            if self.config is None:
                raise RuntimeError("the signing module has no configuration")
            self._engine = SigningEngine(self.config)
        return self._engine

    def setup(self, hub: Hub) -> None:
        if self.config is None:
            log.info("signing.disabled", reason="LIENTHONG_SIGNING_CONFIG is not set")
            return
        wait = self.settings.ack_wait_seconds

        @hub.consumer("signing-pdf", "lt.sign.cmd.pdf", ack_wait=wait)
        async def sign(d: Delivery) -> None:
            """Sign a claim-checked PDF and publish the signed revision, or the refusal."""
            cmd: SignPdfRequested = d.payload
            data = await d.hub.claims.get(cmd.document)
            started = time.perf_counter()
            try:
                signed, result = await self.engine.sign_pdf(data, cmd.request)
            except SigningRefused as exc:
                await _health(d.hub, True, started)  # the keys and workers are fine: a business refusal
                log.info("signing.refused", signer=cmd.request.signer, reason=exc.en)
                refusal = PdfSignRefused(
                    original=cmd.document, request=cmd.request, reason_vi=exc.vi, reason_en=exc.en
                )
                await d.emit("sign.pdf.refused", refusal)
                return
            except KeySourceError as exc:
                await _health(d.hub, False, started, error=str(exc))
                raise TransientError(str(exc)) from None
            await _health(d.hub, True, started)
            claim = await d.hub.claims.put(signed, media_type=PDF)
            await d.emit("sign.pdf.signed", PdfSigned(original=cmd.document, signed=claim, result=result))

        @hub.consumer("signing-validate", "lt.sign.cmd.validate", ack_wait=wait)
        async def validate(d: Delivery) -> None:
            """Validate every signature of a claim-checked PDF and publish the report."""
            cmd: ValidateRequested = d.payload
            data = await d.hub.claims.get(cmd.document)
            try:
                if is_xml(data):
                    report = await self.engine.validate_edxml(data)
                else:
                    report = await self.engine.validate_pdf(data, cmd.request)
            except (NotAPdf, NotEdxml) as exc:
                failure = ValidationFailed(
                    document=cmd.document,
                    reason_vi="tệp không phải PDF hay edXML đọc được, không kiểm tra được chữ ký",
                    reason_en=str(exc),
                )
                await d.emit("sign.validate.failed", failure)
                return
            await d.emit("sign.validate.completed", DocumentValidated(document=cmd.document, report=report))

    async def stop(self) -> None:
        if self._engine is not None:
            await self._engine.aclose()
            self._engine = None

"""Signing configuration: signer profiles, key sources, trust anchors; secrets only by reference."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

DEFAULT_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DEFAULT_BOLD_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


class SecretRef(BaseModel):
    """Where a PIN or passphrase is read from: an environment variable or a file. Never the value."""

    model_config = ConfigDict(frozen=True)

    env: str | None = Field(default=None, description="Environment variable holding the secret")
    file: Path | None = Field(default=None, description="File whose content (stripped) is the secret")

    @model_validator(mode="after")
    def _one_source(self) -> SecretRef:
        if (self.env is None) == (self.file is None):
            raise ValueError("a secret reference names exactly one of env or file")
        return self

    def describe(self) -> str:
        """Name the source of the secret, never its value."""
        return f"environment variable {self.env}" if self.env else f"file {self.file}"

    def read(self) -> str:
        """Return the secret; the error names the source and never a value."""
        if self.env is not None:
            value = os.environ.get(self.env)
            if not value:
                raise KeySourceError(f"secret not found: {self.describe()} is not set")
            return value
        assert self.file is not None
        try:
            return self.file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise KeySourceError(f"secret not readable from {self.describe()}: {exc.strerror}") from None


class KeySourceError(RuntimeError):
    """A key or its PIN could not be loaded; the message never contains secret material."""


class Pkcs12Key(BaseModel):
    """A PKCS#12 (.p12/.pfx) file holding the signer's key, certificate and chain."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["pkcs12"] = "pkcs12"
    path: Path
    passphrase: SecretRef | None = None


class Pkcs11Key(BaseModel):
    """A key on a PKCS#11 token (USB token or HSM) selected by token label and key label."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["pkcs11"] = "pkcs11"
    module: Path = Field(description="PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so")
    token_label: str
    key_label: str
    cert_label: str | None = Field(default=None, description="Defaults to key_label")
    pin: SecretRef | None = None


KeySource = Annotated[Pkcs12Key | Pkcs11Key, Field(discriminator="kind")]


class SignerProfile(BaseModel):
    """A person or organisation allowed to sign, with what their stamp shows."""

    model_config = ConfigDict(frozen=True)

    key: KeySource
    full_name: str = Field(description="Họ và tên as printed under the signature")
    position: str = Field(
        description='Chức vụ; authority prefix on its own line, e.g. "KT. GIÁM ĐỐC\\nPHÓ GIÁM ĐỐC"'
    )
    organisation: str | None = Field(default=None, description="Tên cơ quan, for the issuing stamp")
    signature_image: Path | None = Field(default=None, description="Blue transparent PNG of the signature")
    seal_image: Path | None = Field(default=None, description="Red transparent PNG of the seal")


class SigningConfig(BaseModel):
    """Everything the signing engine needs; safe to log (holds no secret values)."""

    model_config = ConfigDict(frozen=True)

    signers: dict[str, SignerProfile]
    trust_anchors: list[Path] = Field(description="PEM/DER root certificates trusted for validation")
    extra_certs: list[Path] = Field(default_factory=list, description="Intermediates to help path building")
    crl_files: list[Path] = Field(
        default_factory=list, description="CRLs synchronised onto a closed network, used in validation"
    )
    fetch_revocation_online: bool = Field(
        default=False, description="Let validation fetch OCSP/CRL online; off for closed networks"
    )
    tsa_url: str | None = Field(default=None, description="RFC 3161 timestamp authority for B-T and B-LT")
    font: Path = DEFAULT_FONT
    bold_font: Path = DEFAULT_BOLD_FONT
    workers: int | None = Field(
        default=None, ge=1, description="Worker processes; the core count when absent"
    )
    timezone: str = "Asia/Ho_Chi_Minh"

    @model_validator(mode="after")
    def _fonts_exist(self) -> SigningConfig:
        for font in (self.font, self.bold_font):
            if not font.is_file():
                raise ValueError(f"font {font} does not exist; install fonts-dejavu-core or configure font")
        return self

    def profile(self, name: str) -> SignerProfile:
        try:
            return self.signers[name]
        except KeyError:
            known = ", ".join(sorted(self.signers)) or "none"
            raise KeySourceError(f"unknown signer profile {name!r} (configured: {known})") from None

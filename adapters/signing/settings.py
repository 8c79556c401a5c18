"""Signing settings: where the configuration is (environment), and the configuration itself (YAML/JSON).

`SigningSettings` (LIENTHONG_SIGNING_*) names the configuration file; `SigningConfig` is that file:
signer profiles, key sources, trust anchors, the timestamp authority. Secrets only by reference.
Without a configuration file, `lienthong up` generates a development PKI into the data folder and
signs with it (`development_config`); a real configuration replaces it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DEFAULT_BOLD_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
DEV_PKI_FOLDER = "devpki"  # inside the data folder
DEV_CONFIG_FILE = "signing.yaml"  # inside that folder


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
    development: bool = Field(
        default=False,
        description="Keys of the generated development PKI: signatures without legal value (portal warns)",
    )

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


class SigningSettings(BaseSettings):
    """Where the signing configuration lives (LIENTHONG_SIGNING_CONFIG); absent means server keys are off."""

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_SIGNING_", env_file=".env", extra="ignore")

    config: Path | None = Field(default=None, description="YAML or JSON file holding a SigningConfig")
    dev_pki: bool = Field(
        default=True,
        description="Without `config`, generate a development PKI into the data folder and sign with it "
        "(signatures without legal value; the portal shows a warning); false: no server keys",
    )
    dev_pki_port: int = Field(
        default=8809,
        ge=1,
        le=65535,
        description="Port on 127.0.0.1 of the development timestamp authority, OCSP responder and CRLs; "
        "written into the development certificates when they are generated",
    )
    ack_wait_seconds: float = Field(default=120.0, gt=0, description="Time allowed for one signature")
    token_session_seconds: float = Field(
        default=600.0, gt=0, description="How long a token signing preparation waits for the token"
    )
    token_files_kept: int = Field(
        default=50, ge=1, description="Token-signed files whose download link is remembered (newest)"
    )

    # -- Signing authority (issue 15): who may use which key, which token certificate is whose. --------
    # Kept in one block at the end of the class, apart from the development-PKI defaults above.
    key_holders: dict[str, str] = Field(
        default_factory=lambda: {"leader": "giamdoc", "deputy": "phogiamdoc"},
        description="Signer profile of a person's key -> the user id holding it (an active delegate of that "
        "person may use it during the delegation); JSON in LIENTHONG_SIGNING_KEY_HOLDERS",
    )
    seal_holders: dict[str, str] = Field(
        default_factory=lambda: {"clerk": "VP"},
        description="Signer profile of an organisation seal -> the unit whose clerks apply it",
    )
    token_certificates: dict[str, list[str]] = Field(
        default_factory=dict,
        description="User id -> SHA-256 fingerprints (hex) of the USB token certificates bound to them; "
        "a token signature by any other certificate is refused",
    )
    revocation_timeout_seconds: float = Field(
        default=5.0, gt=0, description="Time allowed to each OCSP/CRL request of the pre-signing check"
    )

    def development_config(self, data_dir: Path) -> Path | None:
        """Where the generated development configuration lives, when it is the one to use.

        None when a real configuration is given (`config`) or the development PKI is switched off.
        """
        if self.config is not None or not self.dev_pki:
            return None
        return data_dir / DEV_PKI_FOLDER / DEV_CONFIG_FILE


def load_config(path: Path) -> SigningConfig:
    """Read a SigningConfig from YAML or JSON; the error names the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"signing configuration {path} cannot be read: {exc}") from None
    return SigningConfig.model_validate(data)

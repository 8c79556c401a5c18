"""Settings of the city-axis adapter (LIENTHONG_LGSP_*): the axis, our code on it, our push endpoint.

With none of URL, TOKEN and INBOUND_ACCOUNTS set, the adapter is in development: it serves the LGSP
simulator in-process on SIMULATOR_PORT (what `make run` relies on) and polls and sends through it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.lgsp.store import OrganizationAccount
from schemas.edxml.xmlsafe import MAX_XML_BYTES

if TYPE_CHECKING:
    from schemas.edxml.dsig import TrustConfig

DEV_PORT = 8802  # where `lienthong sim lgsp` listens by default, and the embedded simulator
DEV_TOKEN = "lienthong-dev-lgsp"  # noqa: S105 - our well-known token on the local simulator
# Demo city agencies on the local simulator (codes in Hanoi's H26 pattern, not verified as real ones);
# their tokens are well known so a demo or a developer can send to us as them.
DEV_CITY_AGENCIES = (
    OrganizationAccount(
        organ_id="000.00.01.H26",
        token="lienthong-dev-vp-ubnd",  # noqa: S106
        name="Văn phòng Ủy ban nhân dân thành phố Hà Nội",
    ),
    OrganizationAccount(
        organ_id="000.00.02.H26",
        token="lienthong-dev-so-tai-chinh",  # noqa: S106
        name="Sở Tài chính thành phố Hà Nội",
    ),
    OrganizationAccount(
        organ_id="000.00.03.H26",
        token="lienthong-dev-so-xay-dung",  # noqa: S106
        name="Sở Xây dựng thành phố Hà Nội",
    ),
)


class LgspSettings(BaseSettings):
    """City axis and inbound endpoint settings, from LIENTHONG_LGSP_* variables."""

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_LGSP_", env_file=".env", extra="ignore")

    url: str | None = Field(default=None, description="SOAP address of the city axis, e.g. https://.../lgsp")
    organ_id: str | None = Field(
        default=None, description="Our code on the axis; LIENTHONG_AGENCY_CODE by default"
    )
    token: SecretStr | None = None
    poll_seconds: float = Field(default=30.0, gt=0)
    members: str = Field(
        default="", description="Comma-separated city-axis codes; empty asks GetOrganizations"
    )
    directory_ttl_seconds: float = Field(default=3600.0, gt=0)
    send_max_deliver: int = Field(
        default=500,
        ge=1,
        description="Deliveries of a send before it is dead-lettered: an axis outage of hours is waited out",
    )
    connect_timeout: float = Field(default=5.0, gt=0)
    operation_timeout: float = Field(default=60.0, gt=0)
    trust_ca_files: str = Field(default="", description="Comma-separated CA PEM files to verify signatures")
    allow_sha1: bool = False
    inbound_accounts: SecretStr | None = Field(
        default=None,
        description="Agencies that push to our own endpoint: ORGAN_ID:TOKEN[:NAME] separated by ';'",
    )
    inbound_path: str = "/lgsp"
    inbound_max_request_bytes: int = Field(default=MAX_XML_BYTES, ge=1024)
    embed_simulator: bool = Field(
        default=True,
        description="In development (no URL, TOKEN or INBOUND_ACCOUNTS) serve the LGSP simulator in-process",
    )
    simulator_port: int = Field(
        default=DEV_PORT, ge=1, le=65535, description="Port of the embedded simulator (127.0.0.1)"
    )

    @property
    def enabled(self) -> bool:
        """Whether we poll and send through the city axis."""
        return bool(self.url)

    @property
    def is_development(self) -> bool:
        """True when nothing points the adapter at a real city axis or real push partners."""
        return not self.url and self.token is None and self.inbound_accounts is None

    @property
    def embeds_simulator(self) -> bool:
        """Whether the adapter serves and uses the local simulator (development, embedding allowed)."""
        return self.embed_simulator and self.is_development

    @property
    def simulator_url(self) -> str:
        """The SOAP address of the embedded simulator."""
        return f"http://127.0.0.1:{self.simulator_port}/lgsp"

    def with_simulator(self) -> LgspSettings:
        """These settings pointed at the embedded simulator, with our development token."""
        return self.model_copy(update={"url": self.simulator_url, "token": SecretStr(DEV_TOKEN)})

    def member_codes(self) -> frozenset[str]:
        """The configured city-axis members (empty: ask the axis with GetOrganizations)."""
        return frozenset(m.strip() for m in self.members.split(",") if m.strip())

    def accounts(self) -> list[OrganizationAccount]:
        """Parse the inbound partner accounts."""
        raw = self.inbound_accounts.get_secret_value() if self.inbound_accounts else ""
        result = []
        for spec in (part.strip() for part in raw.split(";")):
            if not spec:
                continue
            organ_id, _, rest = spec.partition(":")
            token, _, name = rest.partition(":")
            if not organ_id or not token:
                raise ValueError(
                    f"LIENTHONG_LGSP_INBOUND_ACCOUNTS entry for {organ_id!r}: expected ID:TOKEN[:NAME]"
                )
            result.append(OrganizationAccount(organ_id=organ_id, token=token, name=name or organ_id))
        return result

    def trust(self) -> TrustConfig | None:
        """The trust anchors signatures are verified against (none: signatures are not checked)."""
        from schemas.edxml.dsig import TrustConfig

        files = [Path(p.strip()) for p in self.trust_ca_files.split(",") if p.strip()]
        return TrustConfig(ca_pem_files=files, allow_sha1=self.allow_sha1) if files else None

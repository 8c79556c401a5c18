"""Settings from environment variables (prefix LIENTHONG_), never from code."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MODULES = (
    "handlers.documents",
    "handlers.tasks",
    "handlers.messaging",
    "handlers.meetings",
    "handlers.timekeeping",
    "handlers.evaluation",
    "handlers.intake",
    "handlers.complaints",
    "handlers.projects",
    "adapters.vdxp",
    "adapters.lgsp",
    "adapters.signing",
    "adapters.notify",
    "adapters.onestop",
)


class Settings(BaseSettings):
    """Everything the hub reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Embedded NATS store, SQLite file, keys")
    nats_url: str | None = Field(
        default=None,
        description="nats://host:port, comma-separated for a cluster; credentials in the URL or NATS_CREDS",
    )
    nats_creds: Path | None = Field(default=None, description="NATS credentials file (.creds)")
    nats_user: str | None = None
    nats_password: SecretStr | None = None
    nats_port: int = Field(default=4222, description="First port tried by the embedded nats-server")
    stop_timeout_seconds: float = Field(
        default=20.0,
        gt=0,
        description="A stop (SIGTERM, Ctrl-C) waits this long for handlers in flight, then cancels them",
    )
    migrate_on_start: bool = Field(
        default=True,
        description="Apply pending migrations when a process starts; false where one `lienthong db upgrade` "
        "runs before every other process (the production topology)",
    )
    db_url: str | None = Field(
        default=None, description="sqlite+aiosqlite:///... or postgresql+asyncpg://..."
    )
    modules: str = Field(default="", description="Comma-separated module packages; empty loads every module")
    routes_file: Path | None = Field(default=None, description="Routing table; the packaged one by default")
    stream_replicas: int = Field(default=1, ge=1, le=5)
    claim_threshold_bytes: int = Field(default=256 * 1024, ge=1024)
    max_deliver: int = Field(default=6, ge=1)
    ack_wait_seconds: float = Field(default=30.0, gt=0)
    retry_base_seconds: float = Field(default=1.0, gt=0)
    retry_max_seconds: float = Field(default=300.0, gt=0)
    fetch_batch: int = Field(default=64, ge=1)
    retention_journal_days: int = Field(default=90, ge=1, description="Message journal and its minute counts")
    retention_inbox_days: int = Field(
        default=30,
        ge=1,
        description="Processed-message records of the consumers (never below the stream's duplicate window "
        "plus the longest redelivery: a message seen again after that would be applied twice)",
    )
    retention_dead_letter_days: int = Field(
        default=180, ge=1, description="Replayed or discarded dead letters (open ones are kept until handled)"
    )
    retention_audit_days: int = Field(
        default=3650, ge=365, description="Audit trail of who did what (kept ten years by default)"
    )
    portal_host: str = "127.0.0.1"
    portal_port: int = 8080
    agency_code: str = Field(default="000.00.00.H26", description="QCVN 102 code of this agency")
    agency_name: str = "Sở Kế hoạch và Đầu tư thành phố Hà Nội"
    secret_key: SecretStr | None = Field(default=None, description="Session signing key; generated if unset")
    secure_cookies: bool | None = Field(
        default=None,
        description="Mark cookies Secure (behind HTTPS); unset: Secure unless in development mode (the "
        "portal on a loopback address with no trusted proxy, as `make run`), where http://127.0.0.1 is used",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks of the reverse proxies whose X-Forwarded-For / "
        "Forwarded headers name the client; empty: none, the peer address is the client",
    )
    max_upload_mb: int = Field(
        default=50, ge=1, description="Largest file one upload may carry (MB), counted while it streams"
    )
    upload_max_bytes: int = Field(
        default=50 * 1024 * 1024, ge=1024, description="Largest request body of the upload routes"
    )
    demo: bool = Field(
        default=True,
        description="On a fresh data folder, play a first minute of demo traffic through the simulators "
        "(documents over both axes, one-stop dossiers, attendance punches, projects); false: none",
    )
    demo_seed: bool = Field(
        default=True, description="Create the demo organisation chart on an empty database"
    )
    demo_password: SecretStr | None = Field(default=None, description="Password of the demo accounts")
    log_level: str = "INFO"
    log_json: bool = True

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @property
    def embedded_nats(self) -> bool:
        return not self.nats_url

    @property
    def nats_servers(self) -> list[str]:
        return [u.strip() for u in (self.nats_url or "").split(",") if u.strip()]

    @property
    def development(self) -> bool:
        """Development mode: the portal listens on loopback only and no proxy stands in front of it."""
        return self.portal_host in ("127.0.0.1", "::1", "localhost") and not self.trusted_proxies.strip()

    @property
    def cookies_secure(self) -> bool:
        """Whether session cookies carry `Secure`: as configured, else everywhere but development mode."""
        return self.secure_cookies if self.secure_cookies is not None else not self.development

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite+aiosqlite:///{self.data_dir / 'lienthong.db'}"

    @property
    def module_names(self) -> list[str]:
        if not self.modules.strip():
            return list(DEFAULT_MODULES)
        return [m.strip() for m in self.modules.split(",") if m.strip()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process, read once."""
    return Settings()

"""The one-stop adapter module: serves the webhook on its own port and calls status back."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from typing import TYPE_CHECKING

import httpx
import structlog
import uvicorn
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

import schemas.intake  # noqa: F401  (registers the message types)
from adapters.onestop.signature import signed_headers
from adapters.onestop.webhook import build_webhook_app
from hub.adapter_health import observed
from hub.errors import PermanentError, TransientError
from hub.module import Module

if TYPE_CHECKING:
    from hub.runtime import Delivery, Hub

log = structlog.get_logger(__name__)


class OnestopSettings(BaseSettings):
    """Where the one-stop system is and how it authenticates (LIENTHONG_ONESTOP_*); no secret = off."""

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_ONESTOP_", env_file=".env", extra="ignore")

    secret: SecretStr | None = Field(default=None, description="Shared HMAC secret of webhooks and callbacks")
    listen_host: str = "127.0.0.1"
    listen_port: int = Field(
        default=8610, ge=0, description="Port of the webhook listener (0: any free port)"
    )
    system_url: str | None = Field(default=None, description="Base URL of the one-stop system (status calls)")
    timeout_seconds: float = 10.0


class OnestopModule(Module):
    """Webhook listener and status callback consumer."""

    name = "onestop"

    def __init__(self, settings: OnestopSettings | None = None) -> None:
        self.settings = settings or OnestopSettings()
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.port: int | None = None
        self._http: httpx.AsyncClient | None = None

    @property
    def enabled(self) -> bool:
        return self.settings.secret is not None

    @property
    def webhook_url(self) -> str:
        return f"http://{self.settings.listen_host}:{self.port}/onestop/webhook"

    def setup(self, hub: Hub) -> None:
        if not self.enabled or not self.settings.system_url:
            return

        @hub.consumer("onestop-status", "lt.intake.evt.>", transactional=False)
        async def status_back(d: Delivery) -> None:
            """Tell the one-stop system the dossier's code, status and appointment."""
            p = d.envelope.payload
            external = p.get("external_id")
            if not external or "status" not in p:
                return
            async with observed(hub, "onestop"):
                await self.call_back(external, p, str(d.envelope.id))

    async def call_back(self, external_id: str, facts: dict[str, object], delivery: str) -> None:
        assert self.settings.secret is not None
        assert self.settings.system_url
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self.settings.timeout_seconds)
        body = json.dumps(
            {k: facts.get(k) for k in ("code", "status", "received_on", "due_date", "unit_id", "note")},
            ensure_ascii=False,
        ).encode()
        headers = signed_headers(self.settings.secret.get_secret_value(), body, delivery)
        url = f"{self.settings.system_url.rstrip('/')}/api/dossiers/{external_id}/status"
        try:
            r = await self._http.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise TransientError(f"one-stop system unreachable at {url}: {exc}") from exc
        if r.status_code >= 500 or r.status_code == 429:
            raise TransientError(f"one-stop system answered {r.status_code} for {url}")
        if r.status_code >= 400:
            raise PermanentError(
                f"one-stop system refused the status of {external_id}: {r.status_code} {r.text}"
            )

    async def start(self, hub: Hub) -> None:
        if not self.enabled:
            log.info("onestop.disabled", reason="LIENTHONG_ONESTOP_SECRET is not set")
            return
        assert self.settings.secret is not None
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.settings.listen_host, self.settings.listen_port))
        self.port = int(sock.getsockname()[1])
        app = build_webhook_app(hub, self.settings.secret.get_secret_value())
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="onestop-webhook")
        for _ in range(200):
            if self._server.started or self._task.done():
                break
            await asyncio.sleep(0.05)
        log.info("onestop.listening", url=self.webhook_url)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await asyncio.wait({self._task}, timeout=10)
        self._server = None
        self._task = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None


def delivery_id() -> str:
    return str(uuid.uuid4())

"""Test harness for the notify adapter: TLS SMTP server (aiosmtpd), hubs with module migrations, portal."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import ipaddress
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from hub.embedded import free_port
from hub.migrate import aupgrade
from hub.module import Module
from hub.runtime import Hub
from lienthong.seed import seed_demo
from lienthong.web import create_app
from tests.hub.conftest import make_settings

PASSWORD = "mat-khau-thu-nghiem"


def make_tls_pair(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 / localhost, generated per test (never committed)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "smtp.test.local")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "smtp.crt", folder / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


class Mailbox:
    """aiosmtpd handler keeping every accepted mail; can stop its server after N mails."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.stop_after: int | None = None
        self.server: SmtpServer | None = None
        self.stopping = threading.Event()
        self.tls_seen: list[bool] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.stopping.is_set():
            return "421 4.3.0 Service shutting down"
        self.tls_seen.append(session.ssl is not None)
        mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(mail, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), mail))
        if self.stop_after is not None and len(self.messages) >= self.stop_after and self.server is not None:
            self.stopping.set()  # new mails are refused (421) from now on
            threading.Thread(target=self._stop_soon, args=(self.server,), daemon=True).start()
        return "250 2.0.0 Message accepted"

    @staticmethod
    def _stop_soon(server: SmtpServer) -> None:
        time.sleep(0.3)  # let this mail's "250" reach the client, then the server goes away
        server.stop()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpts, m in self.messages if address in rcpts]


class SmtpServer:
    """A STARTTLS-only SMTP server on a fixed port that can be stopped and started again."""

    def __init__(self, mailbox: Mailbox, cert: Path, key: Path) -> None:
        import ssl

        self.mailbox = mailbox
        self.port = free_port()
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert, key)
        self.controller: Controller | None = None
        self.stopped = threading.Event()
        mailbox.server = self

    def start(self) -> None:
        self.stopped.clear()
        self.mailbox.stopping.clear()
        self.controller = Controller(
            self.mailbox,
            hostname="127.0.0.1",
            port=self.port,
            tls_context=self.context,
            require_starttls=True,
            ready_timeout=20,
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
        self.stopped.set()


HubStarter = Callable[..., Any]


@asynccontextmanager
async def hubs(nats_url: str, tmp_path: Path, db_url: str | None = None) -> AsyncIterator[Callable[..., Any]]:
    """Start hubs with their modules' migrations on one database; all stopped at the end."""
    started: list[Hub] = []
    url = db_url or f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"

    async def start(modules: list[Module], packages: list[str], **kw: Any) -> Hub:
        await aupgrade(url, packages)
        hub = Hub(make_settings(tmp_path, url, **kw), modules=modules)
        await seed_demo(hub.db, PASSWORD)
        await hub.start([nats_url])
        started.append(hub)
        return hub

    async def stop(hub: Hub) -> None:
        started.remove(hub)
        await hub.stop()

    start.stop = stop  # type: ignore[attr-defined]
    try:
        yield start
    finally:
        for hub in reversed(started):
            await hub.stop()


@asynccontextmanager
async def portal(hub: Hub) -> AsyncIterator[str]:
    """The portal on a real socket (uvicorn in this loop), for server-sent events."""
    port = free_port()
    config = uvicorn.Config(
        create_app(hub),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(400):
        if server.started:
            break
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=20)


async def login(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    r = await client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['token']}"}

"""A real hub with the citizen-facing modules (complaints, one-stop intake, projects) and signing, the
portal app with the staff pages and the public pages; fixtures and helpers of the tests that use it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from adapters.signing import SigningConfig, SigningModule
from handlers.complaints import ComplaintsModule
from handlers.documents import DocumentsModule
from handlers.documents.settings import DocumentsSettings
from handlers.intake import IntakeModule
from handlers.projects import ProjectsModule
from hub.core import module as core
from hub.embedded import NatsServer
from hub.migrate import aupgrade
from hub.runtime import Hub
from lienthong.seed import seed_demo
from tests.hub.conftest import make_settings
from tests.portal.staff.conftest import staff_app

PASSWORD = "mat-khau-demo-2"
PACKAGES = [
    "handlers.complaints",
    "handlers.intake",
    "handlers.projects",
    "adapters.signing",
    "handlers.documents",
]
RECEIPT = re.compile(r'id="ma-tiep-nhan">([^<]+)<')


@dataclass
class Citizens:
    """The office the tests run: its hub, the portal app, and the modules (their clocks settable)."""

    hub: Hub
    app: FastAPI
    complaints: ComplaintsModule
    intake: IntakeModule


async def start_office(
    nats: NatsServer,
    tmp_path: Path,
    signing: SigningConfig | None,
    clock: Callable[[], datetime] | None = None,
    db_name: str = "citizens.db",
    **complaints_kw: Any,
) -> Citizens:
    """Migrations, the demo chart, the hub started on the shared nats-server, the app built."""
    url = f"sqlite+aiosqlite:///{tmp_path / db_name}"
    await aupgrade(url, PACKAGES)
    kw: dict[str, Any] = {"clock": clock} if clock else {}
    complaints = ComplaintsModule(**kw, **complaints_kw)
    intake = IntakeModule(**kw, scan_every=0)
    modules = [core, complaints, intake, ProjectsModule(**kw)]
    if signing is not None:  # a signed conclusion is numbered, sealed and issued by the documents module
        modules += [SigningModule(signing), DocumentsModule(DocumentsSettings(signing_enabled=True))]
    hub = Hub(make_settings(tmp_path, url, secret_key="c" * 40), modules=modules)
    await seed_demo(hub.db, PASSWORD)
    await hub.start([nats.url])
    return Citizens(hub, staff_app(hub), complaints, intake)


@pytest.fixture
async def citizens(nats: NatsServer, tmp_path: Path) -> AsyncIterator[Citizens]:
    office = await start_office(nats, tmp_path, None)
    try:
        yield office
    finally:
        await office.hub.stop()


def client_of(app: FastAPI, ip: str = "198.51.100.20") -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(ip, 40000)), base_url="http://test", timeout=60
    )


async def login(client: httpx.AsyncClient, username: str) -> None:
    """Log in as the staff pages do (cookie and CSRF token)."""
    answer = await client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    client.headers["X-CSRF-Token"] = answer.json()["csrf"]


def form_post(csrf_client: httpx.AsyncClient, url: str, data: dict[str, Any], **kw: Any) -> Any:
    """POST a staff form with its CSRF token field, without following the redirect."""
    token = csrf_client.headers.get("X-CSRF-Token", "")
    return csrf_client.post(url, data={**data, "csrf_token": token}, **kw)


def png(size: int = 200) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00" * max(0, size - 8)


def pdf(text: str = "don") -> bytes:
    return b"%PDF-1.4\n% " + text.encode() + b"\n%%EOF\n"

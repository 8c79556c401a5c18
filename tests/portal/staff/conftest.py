"""A real hub with documents and tasks, the portal app with the staff router, served by uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from handlers.documents import DocumentsModule
from handlers.documents.settings import DocumentsSettings
from hub.core import module as core
from hub.embedded import NatsServer
from hub.migrate import aupgrade
from hub.runtime import Hub
from lienthong.seed import seed_demo
from lienthong.web import create_app
from portal.staff import router as staff_router
from tests.hub.conftest import make_settings, nats  # noqa: F401
from tests.portal.staff.agent import TestPki

PASSWORD = "mat-khau-demo-1"
MODULES = ["handlers.documents", "handlers.tasks", "adapters.notify", "adapters.signing"]


@dataclass
class Office:
    hub: Hub
    app: FastAPI


def staff_app(hub: Hub) -> FastAPI:
    """The portal's app, with the staff router included once (lienthong/web.py may already include it)."""
    app = create_app(hub)
    if not any(getattr(r, "path", "").startswith("/staff") for r in app.routes):
        app.include_router(staff_router())
    return app


@pytest.fixture
async def office(nats: NatsServer, tmp_path: Path) -> AsyncIterator[Office]:
    """Documents (axis documents wait for the clerk; server signing disabled), tasks, notifications."""
    from adapters.notify import module as notify
    from adapters.signing import SigningModule, SigningSettings
    from handlers.tasks import module as tasks

    url = f"sqlite+aiosqlite:///{tmp_path / 'staff.db'}"
    await aupgrade(url, MODULES)
    documents = DocumentsModule(DocumentsSettings(auto_register=False, signing_enabled=False))
    signing = SigningModule(settings=SigningSettings(config=None))  # the token API the signing page calls
    hub = Hub(
        make_settings(tmp_path, url, secret_key="s" * 40), modules=[core, documents, tasks, notify, signing]
    )
    await seed_demo(hub.db, PASSWORD)
    await hub.start([nats.url])
    try:
        yield Office(hub, staff_app(hub))
    finally:
        await hub.stop()


async def login(client: httpx.AsyncClient, username: str) -> str:
    answer = await client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    csrf: str = answer.json()["csrf"]
    client.headers["X-CSRF-Token"] = csrf
    return csrf


def client_of(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=60)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """Serve an ASGI app with uvicorn on a free port in this event loop."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    for _ in range(400):
        if server.started:
            break
        await asyncio.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(task, 15)


def bind_token(hub: Hub, user_id: str, pki: TestPki) -> None:
    """Bind the token's certificate to the person, as an administrator does in the signing settings."""
    from adapters.signing import SigningModule

    signing = hub.module("signing")
    assert isinstance(signing, SigningModule)
    signing.settings.token_certificates[user_id] = [pki.fingerprint]


def pdf_bytes(title: str) -> bytes:
    """A one-page PDF with Vietnamese text (fpdf2 and a system TrueType font when present)."""
    from fpdf import FPDF

    doc = FPDF()
    doc.add_page()
    font = next(
        (
            p
            for p in (
                Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
                Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
            )
            if p.exists()
        ),
        None,
    )
    if font is not None:
        doc.add_font("vn", fname=str(font))
        doc.set_font("vn", size=14)
        doc.multi_cell(0, 10, title)
    else:
        doc.set_font("helvetica", size=14)
        doc.multi_cell(0, 10, title.encode("ascii", "replace").decode("ascii"))
    return bytes(doc.output())

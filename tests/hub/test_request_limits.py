"""Over real HTTP (uvicorn as `lienthong up` serves it): bodies refused before they are read, the
client's address taken from trusted proxies only, and no credentials in /healthz."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from handlers.complaints import ComplaintsModule
from hub.embedded import NatsServer, free_port
from hub.migrate import aupgrade
from hub.runtime import Hub
from lienthong.run import serve_portal
from lienthong.web import create_app
from tests.handlers.intake.harness import VN, Clock, StartHub, module_hub  # noqa: F401
from tests.hub.conftest import make_settings

MB = 1024 * 1024


@contextlib.asynccontextmanager
async def portal(hub: Hub) -> AsyncIterator[str]:
    """The portal served by uvicorn on a free loopback port, as `lienthong up` serves it."""
    port = free_port()
    task, server = await serve_portal(hub, "127.0.0.1", port)
    for _ in range(200):
        if getattr(server, "started", False):
            break
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True  # type: ignore[attr-defined]
        await asyncio.wait({task}, timeout=10)


class Stream:
    """A body of `total` bytes sent in 1 MB chunks, counting what the server let through."""

    def __init__(self, total: int, head: bytes = b"") -> None:
        self.total = total
        self.head = head
        self.sent = 0

    async def chunks(self) -> AsyncIterator[bytes]:
        chunk = b" " * MB
        if self.head:
            self.sent += len(self.head)
            yield self.head
        while self.sent < self.total:
            self.sent += len(chunk)
            yield chunk


async def post_stream(url: str, body: Stream, **kw: Any) -> int | None:
    """POST a streamed body; the status, or None when the server cut the connection first."""
    async with httpx.AsyncClient(timeout=60) as client:
        try:
            r = await client.post(url, content=body.chunks(), **kw)
        except httpx.TransportError:
            return None
        assert r.status_code != 413 or "quá lớn" in r.text
        return r.status_code


async def declare(base: str, path: str, length: int, kind: str, accept: str = "*/*") -> str:
    """Send only the head of a request declaring a `length`-byte body; the server's whole answer."""
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {kind}\r\nAccept: {accept}\r\n"
        f"Content-Length: {length}\r\n\r\n"
    )
    writer.write(head.encode())
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=30)  # the server closes after answering
    writer.close()
    return answer.decode("utf-8", "replace")


def rss() -> int:
    """This process's resident memory, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


async def complaints_hub(module_hub: StartHub, **kw: Any) -> Hub:
    clock = Clock(datetime(2026, 7, 1, 9, tzinfo=VN))
    hub: Hub = await module_hub([ComplaintsModule(clock=clock, form_limit=2)], ["handlers.complaints"], **kw)
    return hub


def case(n: int) -> dict[str, Any]:
    return {
        "subject": f"Phản ánh số {n} về thủ tục đăng ký",
        "content": f"Nội dung phản ánh thứ {n}, đủ dài để được tiếp nhận.",
        "submitter": {"name": "Phạm Thu Trang", "email": f"trang{n}@example.vn"},
    }


async def test_large_bodies_are_refused_before_they_are_read(module_hub: StartHub) -> None:
    hub = await complaints_hub(module_hub)
    async with portal(hub) as base:
        before = rss()
        # streamed (no length declared): the server stops reading after its limit
        login = Stream(50 * MB, b'{"username": "vanthu", "password": "')
        assert await post_stream(
            f"{base}/api/auth/login", login, headers={"Content-Type": "application/json"}
        ) in (
            413,
            None,
        )
        form = Stream(50 * MB, b'{"subject": "')
        status = await post_stream(
            f"{base}/public/complaints/web-form", form, headers={"Content-Type": "application/json"}
        )
        assert status in (413, None)
        assert login.sent < 16 * MB and form.sent < 16 * MB, (login.sent, form.sent)
        assert rss() - before < 40 * MB
        # declared too large: answered at once (no byte of the body sent), in Vietnamese
        answer = await declare(base, "/api/auth/login", 50 * MB, "application/json")
        assert answer.startswith("HTTP/1.1 413") and "quá lớn" in answer
        answer = await declare(base, "/login", 50 * MB, "application/x-www-form-urlencoded", "text/html")
        assert answer.startswith("HTTP/1.1 413") and "Dữ liệu gửi lên quá lớn" in answer
        answer = await declare(base, "/public/gui-don", 60 * MB, "multipart/form-data; boundary=x")
        assert answer.startswith("HTTP/1.1 413")
        async with httpx.AsyncClient(timeout=60) as client:
            # nothing was filed, and a normal case still is
            r = await client.post(f"{base}/public/complaints/web-form", json=case(1))
            assert r.status_code == 201, r.text
            assert r.json()["number"] == "00001/2026"


async def test_a_spoofed_forwarded_address_does_not_escape_the_rate_limit(module_hub: StartHub) -> None:
    hub = await complaints_hub(module_hub)
    async with portal(hub) as base, httpx.AsyncClient(timeout=60) as client:
        statuses = []
        for n in range(3):
            spoof = {"X-Forwarded-For": f"198.51.100.{n}", "Forwarded": f"for=198.51.100.{n}"}
            r = await client.post(f"{base}/public/complaints/web-form", json=case(n), headers=spoof)
            statuses.append(r.status_code)
        assert statuses == [201, 201, 429]


async def test_a_trusted_proxys_forwarded_address_counts(module_hub: StartHub) -> None:
    hub = await complaints_hub(module_hub, trusted_proxies="127.0.0.1")
    assert hub.settings.cookies_secure  # behind a proxy: not development, cookies are Secure
    async with portal(hub) as base, httpx.AsyncClient(timeout=60) as client:
        citizens = []
        for n in range(3):  # three citizens behind the proxy: each has their own allowance
            forwarded = {"X-Forwarded-For": f"203.0.113.99, 198.51.100.{n}"}
            r = await client.post(f"{base}/public/complaints/web-form", json=case(n), headers=forwarded)
            citizens.append(r.status_code)
        assert citizens == [201, 201, 201]
        same = {"X-Forwarded-For": "198.51.100.0"}  # the first citizen again: their second, then refused
        assert (
            await client.post(f"{base}/public/complaints/web-form", json=case(7), headers=same)
        ).status_code == 201
        assert (
            await client.post(f"{base}/public/complaints/web-form", json=case(8), headers=same)
        ).status_code == 429


async def test_healthz_never_shows_the_nats_password(tmp_path: Path) -> None:
    secret = "Mat-Khau-NATS-9f3k"
    server = NatsServer(
        store_dir=tmp_path / "nats", name="lt-authtest", extra_args=["--user", "hub", "--pass", secret]
    ).start()
    url = f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
    await aupgrade(url, [])
    hub = Hub(make_settings(tmp_path, url), modules=[])
    try:
        await hub.start([f"nats://hub:{secret}@127.0.0.1:{server.port}"])
        app = create_app(hub)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://lt") as client:
            r = await client.get("/healthz")
        assert r.status_code == 200, r.text
        assert secret not in r.text
        assert r.json()["checks"]["nats"]["server"].endswith(f"127.0.0.1:{server.port}")
    finally:
        await hub.stop()
        server.stop()


@pytest.mark.parametrize(
    ("host", "proxies", "configured", "secure"),
    [
        ("127.0.0.1", "", None, False),  # `make run`: development on http://127.0.0.1
        ("0.0.0.0", "", None, True),
        ("127.0.0.1", "10.0.0.2", None, True),  # behind a reverse proxy
        ("127.0.0.1", "", True, True),
        ("0.0.0.0", "", False, False),
    ],
)
def test_cookies_are_secure_outside_development(
    tmp_path: Path, host: str, proxies: str, configured: bool | None, secure: bool
) -> None:
    settings = make_settings(
        tmp_path, "sqlite+aiosqlite://", portal_host=host, trusted_proxies=proxies, secure_cookies=configured
    )
    assert settings.cookies_secure is secure

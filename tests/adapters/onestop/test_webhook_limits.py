"""The webhook over real HTTP: a large body is refused before it is read, signed or not, and the
signature is checked on a bounded read."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
from pydantic import SecretStr

from adapters.onestop import OnestopModule, OnestopSettings
from adapters.onestop.hmac_auth import hmac_headers
from tests.handlers.intake.harness import StartHub

SECRET = "bi-mat-chung-mot-cua"
MB = 1024 * 1024


class Stream:
    """`total` bytes in 1 MB chunks, counting what the server let through."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.sent = 0

    async def chunks(self) -> AsyncIterator[bytes]:
        chunk = b"x" * MB
        while self.sent < self.total:
            self.sent += len(chunk)
            yield chunk


async def post(url: str, content: object, headers: dict[str, str]) -> int | None:
    """The status, or None when the server closed the connection before the body was sent."""
    async with httpx.AsyncClient(timeout=60) as client:
        try:
            return (await client.post(url, content=content, headers=headers)).status_code  # type: ignore[arg-type]
        except httpx.TransportError:
            return None


async def started(module_hub: StartHub) -> OnestopModule:
    onestop = OnestopModule(
        OnestopSettings(secret=SecretStr(SECRET), listen_port=0, system_url="http://127.0.0.1:9")
    )
    await module_hub([onestop], [])
    return onestop


async def test_a_200_mb_body_is_refused_without_being_read(module_hub: StartHub) -> None:
    onestop = await started(module_hub)
    url = onestop.webhook_url
    unsigned = Stream(200 * MB)
    assert await post(url, unsigned.chunks(), {"Content-Type": "application/json"}) in (401, None)
    # signature headers present (a stranger can copy their shape): still cut after the limit
    forged = Stream(200 * MB)
    headers = hmac_headers("not-the-secret", b"", "delivery-1")
    assert await post(url, forged.chunks(), headers) in (413, None)
    assert unsigned.sent < 16 * MB and forged.sent < 16 * MB, (unsigned.sent, forged.sent)
    # declared too large: answered 413 at once
    host, port = url.removeprefix("http://").split("/", 1)[0].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        f"POST /onestop/webhook HTTP/1.1\r\nHost: {host}\r\nContent-Length: {200 * MB}\r\n\r\n".encode()
    )
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=30)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 413") and "quá lớn".encode() in answer


async def test_small_bodies_still_reach_the_signature_check(module_hub: StartHub) -> None:
    onestop = await started(module_hub)
    body = json.dumps({"event": "khong-ro"}).encode()
    forged = hmac_headers("not-the-secret", body, "delivery-2")
    assert await post(onestop.webhook_url, body, forged) == 401
    assert await post(onestop.webhook_url, body, {"Content-Type": "application/json"}) == 401
    signed = hmac_headers(SECRET, body, "delivery-3")
    status = await post(onestop.webhook_url, body, signed)
    assert status not in (401, 413, None)  # authenticated: the contract decides (422 for this body)

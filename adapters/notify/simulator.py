"""Real HTTP simulators of the SMS gateway and the Zalo OA API (aiohttp), with an outage switch.

Run one by hand: `python -m adapters.notify.simulator sms --port 8091` (or `zalo`). Admin endpoints:
`POST /_admin/outage {"down": true}` makes the service answer 503 until switched back;
`GET /_admin/messages` lists what was received.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from hub.embedded import free_port

API_KEY = "sms-test-key"
ACCESS_TOKEN = "zalo-test-token"  # noqa: S105 - the simulator's own test token


@dataclass
class ChannelSimulator:
    """One simulated service on a real socket in the current event loop."""

    kind: str  # "sms" or "zalo"
    secret: str = ""
    host: str = "127.0.0.1"
    port: int = 0
    down: bool = False
    received: list[dict[str, Any]] = field(default_factory=list)
    _runner: web.AppRunner | None = None
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        if self.kind not in ("sms", "zalo"):
            raise ValueError(f"unknown simulator kind {self.kind!r} (sms or zalo)")
        self.secret = self.secret or (API_KEY if self.kind == "sms" else ACCESS_TOKEN)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def app(self) -> web.Application:
        app = web.Application()
        if self.kind == "sms":
            app.router.add_post("/api/v1/sms", self._sms)
        else:
            app.router.add_post("/v3.0/oa/message/cs", self._zalo)
        app.router.add_post("/_admin/outage", self._outage)
        app.router.add_get("/_admin/messages", self._messages)
        return app

    async def start(self) -> ChannelSimulator:
        self.port = self.port or free_port()
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port, reuse_address=True).start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def texts_to(self, address: str) -> list[str]:
        key = "to" if self.kind == "sms" else "user_id"
        return [m["text"] for m in self.received if m[key] == address]

    async def _outage(self, request: web.Request) -> web.Response:
        data = await request.json()
        self.down = bool(data.get("down"))
        return web.json_response({"down": self.down})

    async def _messages(self, request: web.Request) -> web.Response:
        return web.json_response(self.received)

    async def _sms(self, request: web.Request) -> web.Response:
        if self.down:
            return web.json_response({"error": "Dịch vụ tạm ngừng"}, status=503)
        if request.headers.get("X-Api-Key") != self.secret:
            return web.json_response({"error": "Sai khóa API (X-Api-Key)"}, status=401)
        data = await request.json()
        to, text = str(data.get("to", "")), str(data.get("text", ""))
        if not to.isdigit() or not to.startswith("84") or len(to) != 11:
            return web.json_response({"error": f"Số điện thoại không hợp lệ: {to!r}"}, status=400)
        if not text:
            return web.json_response({"error": "Nội dung tin nhắn trống"}, status=400)
        ref = data.get("client_ref")
        for m in self.received:  # the gateway de-duplicates on the client's reference
            if ref and m.get("client_ref") == ref:
                return web.json_response({"message_id": m["message_id"], "duplicate": True})
        mid = f"SMS{next(self._ids):06d}"
        self.received.append({"to": to, "text": text, "client_ref": ref, "message_id": mid})
        return web.json_response({"message_id": mid, "parts": 1 + len(text) // 67})

    async def _zalo(self, request: web.Request) -> web.Response:
        if self.down:
            return web.Response(status=503, text="Service Unavailable")
        if request.headers.get("access_token") != self.secret:
            return web.json_response({"error": -216, "message": "Access token is invalid"})
        data = await request.json()
        user_id = str((data.get("recipient") or {}).get("user_id", ""))
        text = str((data.get("message") or {}).get("text", ""))
        if not user_id.isdigit():
            return web.json_response({"error": -201, "message": "user_id is invalid"})
        ref = data.get("tracking_id")
        for m in self.received:
            if ref and m.get("tracking_id") == ref:
                return web.json_response(
                    {"error": 0, "message": "Success", "data": {"message_id": m["message_id"]}}
                )
        mid = f"zmsg{next(self._ids):08d}"
        self.received.append({"user_id": user_id, "text": text, "tracking_id": ref, "message_id": mid})
        return web.json_response(
            {"error": 0, "message": "Success", "data": {"message_id": mid, "user_id": user_id}}
        )


async def _serve(kind: str, host: str, port: int) -> None:
    sim = await ChannelSimulator(kind, host=host, port=port).start()
    print(f"{kind} simulator on {sim.url} (secret {sim.secret})", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description="SMS gateway / Zalo OA simulator")
    parser.add_argument("kind", choices=["sms", "zalo"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    asyncio.run(_serve(args.kind, args.host, args.port))


if __name__ == "__main__":
    main()

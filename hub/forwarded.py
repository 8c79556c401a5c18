"""The client's address behind trusted reverse proxies, as a pure ASGI middleware.

`scope["client"]` becomes the address the forwarded headers name only when the peer is one of the
configured proxies (`LIENTHONG_TRUSTED_PROXIES`, default none); from anyone else the headers are ignored,
so the public rate limits and the login throttle, which key on `request.client`, cannot be dodged by
sending `X-Forwarded-For` oneself. The server must not rewrite the client itself (uvicorn:
`proxy_headers=False`).
"""

from __future__ import annotations

from typing import Any

from kit.ratelimit import Network, client_address

Scope = dict[str, Any]
Receive = Any
Send = Any


class TrustedProxies:
    """Set the client of each request from the forwarded headers of a trusted proxy."""

    def __init__(self, app: Any, proxies: tuple[Network, ...]) -> None:
        self.app = app
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.proxies:
            peer = scope.get("client")
            if peer:
                headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
                address = client_address(peer[0], headers, self.proxies)
                if address != peer[0]:
                    scope = {**scope, "client": (address, 0)}
        await self.app(scope, receive, send)

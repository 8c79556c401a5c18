"""Call the modules' REST APIs in-process as the logged-in person (same cookie, same CSRF token)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx
import structlog
from fastapi import Request

from hub.auth import CSRF_HEADER, SESSION_COOKIE, Authenticator

log = structlog.get_logger(__name__)


@dataclass
class Answer:
    """What an API call returned: status, JSON (or None) and a Vietnamese error text when it failed."""

    status: int
    data: Any
    content: bytes = b""
    media_type: str = ""
    path: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def missing(self) -> bool:
        """The endpoint does not exist (module not loaded or API not built yet)."""
        return (
            self.status in (404, 405)
            and isinstance(self.data, dict)
            and self.data.get("detail") == "Not Found"
        )

    @property
    def error(self) -> str:
        if self.ok:
            return ""
        detail = self.data.get("detail") if isinstance(self.data, dict) else None
        if isinstance(detail, list):
            return "; ".join(
                f"{'.'.join(str(p) for p in d.get('loc', [])[1:])}: {d.get('msg', '')}" for d in detail
            )
        return str(detail or f"Lỗi {self.status}")

    @property
    def items(self) -> list[dict[str, Any]]:
        """The rows of a list answer, which every module API sends as a page (hub.web.Page).

        A page is `{"items": [...], "total": n, "limit": l, "offset": o}`; a failed call has no rows,
        and an answer of another shape is logged and shows none.
        """
        page = self._page()
        if page is None:
            return []
        return [row for row in page["items"] if isinstance(row, dict)]

    @property
    def total(self) -> int:
        """How many rows the list holds in all (the page's `total`), 0 when the call failed."""
        page = self._page()
        total = page.get("total") if page is not None else None
        return total if isinstance(total, int) else 0

    def _page(self) -> dict[str, Any] | None:
        if not self.ok:
            return None
        if isinstance(self.data, dict) and isinstance(self.data.get("items"), list):
            return self.data
        log.warning("staff.not_a_page", path=self.path, kind=type(self.data).__name__)
        return None


class Api:
    """An in-process HTTP client of the app, carrying the caller's session and CSRF token."""

    def __init__(self, request: Request) -> None:
        token = request.cookies.get(SESSION_COOKIE, "")
        auth: Authenticator = request.app.state.authenticator
        data = auth.read(token) if token else None
        headers = {"Accept": "application/json"}
        if data:
            headers[CSRF_HEADER] = str(data.get("csrf", ""))
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=request.app),
            base_url="http://staff.internal",
            cookies={SESSION_COOKIE: token},
            headers=headers,
            timeout=60,
        )

    async def __aenter__(self) -> Api:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.aclose()

    async def call(self, method: str, path: str, **kw: Any) -> Answer:
        """One call; never raises on an HTTP error status."""
        response = await self._client.request(method, "/api" + path, **kw)
        media = response.headers.get("content-type", "")
        data: Any = None
        if media.startswith("application/json"):
            data = response.json()
        return Answer(response.status_code, data, response.content, media, path)

    async def get(self, path: str, **params: Any) -> Answer:
        clean = {k: v for k, v in params.items() if v not in (None, "")}
        if clean:  # an explicit params argument would replace a query string written in the path
            return await self.call("GET", path, params=clean)
        return await self.call("GET", path)

    async def post(self, path: str, json: Any = None, **kw: Any) -> Answer:
        return await self.call("POST", path, json=json, **kw)

    async def many(self, *paths: str) -> list[Answer]:
        """GET several endpoints concurrently (one page, one request from the browser)."""
        return list(await asyncio.gather(*(self.get(p) for p in paths)))

"""What calls the real one-stop system: the dossier status callback, HMAC-authenticated."""

from __future__ import annotations

import httpx

from adapters.onestop.hmac_auth import hmac_headers
from adapters.onestop.settings import OnestopSettings
from hub.errors import PermanentError, TransientError


class OnestopClient:
    """HTTP client of the one-stop system (`system_url`); 5xx and 429 are retried, other 4xx are not."""

    def __init__(self, settings: OnestopSettings, http: httpx.AsyncClient | None = None) -> None:
        if settings.secret is None or not settings.system_url:
            raise ValueError("the one-stop client needs a secret and system_url")
        self.secret = settings.secret.get_secret_value()
        self.base_url = settings.system_url.rstrip("/")
        self.http = http or httpx.AsyncClient(timeout=settings.timeout_seconds)

    async def post_status(self, external_id: str, body: bytes, delivery: str) -> None:
        """Tell the system a dossier's code, status and appointment (`POST /api/dossiers/{id}/status`)."""
        url = f"{self.base_url}/api/dossiers/{external_id}/status"
        try:
            r = await self.http.post(url, content=body, headers=hmac_headers(self.secret, body, delivery))
        except httpx.HTTPError as exc:
            raise TransientError(f"one-stop system unreachable at {url}: {exc}") from exc
        if r.status_code >= 500 or r.status_code == 429:
            raise TransientError(f"one-stop system answered {r.status_code} for {url}")
        if r.status_code >= 400:
            raise PermanentError(
                f"one-stop system refused the status of {external_id}: {r.status_code} {r.text}"
            )

    async def aclose(self) -> None:
        await self.http.aclose()

"""Channel clients: SMTP with TLS (aiosmtplib), an HTTP SMS gateway and the Zalo Official Account API."""

from __future__ import annotations

import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import aiosmtplib
import httpx

from adapters.notify.settings import NotifySettings


class ChannelError(Exception):
    """A delivery failed; `permanent` ones are not retried (bad address), the rest wait and retry."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class SmtpMailer:
    """Sends mail over SMTP with STARTTLS or implicit TLS."""

    def __init__(self, cfg: NotifySettings) -> None:
        if not cfg.smtp_host:
            raise ValueError("smtp_host is not configured")
        self.cfg = cfg
        self.tls_context = ssl.create_default_context(
            cafile=str(cfg.smtp_ca_file) if cfg.smtp_ca_file else None
        )

    async def send(self, to: str, subject: str, text: str, message_key: str) -> str:
        """Send one plain-text mail; returns its Message-ID (derived from message_key)."""
        cfg = self.cfg
        msg = EmailMessage()
        msg["From"] = cfg.smtp_sender
        msg["To"] = to
        msg["Subject"] = subject
        msg["Message-ID"] = make_msgid(idstring=message_key.replace(":", ".")[:60], domain="lienthong.local")
        msg["X-Lienthong-Key"] = message_key
        msg.set_content(text)
        try:
            await aiosmtplib.send(
                msg,
                hostname=cfg.smtp_host,
                port=cfg.smtp_port,
                start_tls=cfg.smtp_tls == "starttls",
                use_tls=cfg.smtp_tls == "tls",
                tls_context=self.tls_context if cfg.smtp_tls != "none" else None,
                username=cfg.smtp_username,
                password=cfg.smtp_password.get_secret_value() if cfg.smtp_password else None,
                timeout=cfg.smtp_timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise ChannelError(f"SMTP refused recipient {to}: {exc}", permanent=True) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise ChannelError(f"SMTP {cfg.smtp_host}:{cfg.smtp_port} unavailable: {exc}") from exc
        return str(msg["Message-ID"])


def _http_error(service: str, response: httpx.Response) -> ChannelError:
    permanent = 400 <= response.status_code < 500 and response.status_code not in (408, 429)
    return ChannelError(f"{service} answered HTTP {response.status_code}: {response.text[:300]}", permanent)


class SmsGateway:
    """HTTP SMS gateway (brandname SMS): POST /api/v1/sms with an API key; client_ref de-duplicates."""

    def __init__(self, cfg: NotifySettings, client: httpx.AsyncClient | None = None) -> None:
        if not cfg.sms_url:
            raise ValueError("sms_url is not configured")
        self.cfg = cfg
        self.http = client or httpx.AsyncClient(timeout=cfg.http_timeout)

    async def send(self, phone: str, text: str, client_ref: str) -> str:
        """Send one SMS; returns the gateway's message id."""
        assert self.cfg.sms_url
        body = {"to": phone, "text": text, "brandname": self.cfg.sms_brandname, "client_ref": client_ref}
        try:
            r = await self.http.post(
                f"{self.cfg.sms_url.rstrip('/')}/api/v1/sms",
                json=body,
                headers={"X-Api-Key": self.cfg.sms_api_key.get_secret_value()},
            )
        except httpx.HTTPError as exc:
            raise ChannelError(f"SMS gateway unreachable: {exc!r}") from exc
        if r.status_code >= 300:
            raise _http_error("SMS gateway", r)
        data: dict[str, Any] = r.json()
        return str(data.get("message_id", ""))

    async def aclose(self) -> None:
        await self.http.aclose()


class ZaloOA:
    """Zalo Official Account: consultation message to a follower (POST /v3.0/oa/message/cs)."""

    # Zalo error codes that retrying will not fix: user not a follower / blocked the OA, bad user id.
    PERMANENT_CODES = frozenset({-213, -201, -230})

    def __init__(self, cfg: NotifySettings, client: httpx.AsyncClient | None = None) -> None:
        if not cfg.zalo_url:
            raise ValueError("zalo_url is not configured")
        self.cfg = cfg
        self.http = client or httpx.AsyncClient(timeout=cfg.http_timeout)

    async def send(self, zalo_user_id: str, text: str, tracking_id: str) -> str:
        """Send a text message; returns Zalo's message id."""
        assert self.cfg.zalo_url
        body = {
            "recipient": {"user_id": zalo_user_id},
            "message": {"text": text[:2000]},
            "tracking_id": tracking_id,
        }
        try:
            r = await self.http.post(
                f"{self.cfg.zalo_url.rstrip('/')}/v3.0/oa/message/cs",
                json=body,
                headers={"access_token": self.cfg.zalo_access_token.get_secret_value()},
            )
        except httpx.HTTPError as exc:
            raise ChannelError(f"Zalo OA API unreachable: {exc!r}") from exc
        if r.status_code >= 300:
            raise _http_error("Zalo OA API", r)
        data: dict[str, Any] = r.json()
        code = int(data.get("error", -1))
        if code != 0:
            raise ChannelError(
                f"Zalo OA error {code}: {data.get('message', '')}", permanent=code in self.PERMANENT_CODES
            )
        return str((data.get("data") or {}).get("message_id", ""))

    async def aclose(self) -> None:
        await self.http.aclose()

"""HMAC-SHA256 authentication of the bodies the one-stop system and the hub send each other.

The MAC covers `<timestamp>.<body>` with the shared secret; requests older than five minutes are refused,
and the delivery id lets the receiver drop a repeated request.
"""

from __future__ import annotations

import hashlib
import hmac
import time

MAC_HEADER = "X-Onestop-Signature"  # the header's name in the one-stop protocol; the value is an HMAC
TIMESTAMP_HEADER = "X-Onestop-Timestamp"
DELIVERY_HEADER = "X-Onestop-Delivery"
MAX_SKEW_SECONDS = 300


class HmacRefused(ValueError):
    """The request was not made by a holder of the shared secret, or is too old."""


def body_mac(secret: str, timestamp: str, body: bytes) -> str:
    """The header value authenticating a body sent at a timestamp."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def hmac_headers(secret: str, body: bytes, delivery: str) -> dict[str, str]:
    """Headers of an authenticated request."""
    ts = str(int(time.time()))
    return {
        MAC_HEADER: body_mac(secret, ts, body),
        TIMESTAMP_HEADER: ts,
        DELIVERY_HEADER: delivery,
        "Content-Type": "application/json",
    }


def verify(secret: str, headers: dict[str, str], body: bytes, now: float | None = None) -> None:
    """Raise HmacRefused naming what is wrong (headers are looked up lower-case)."""
    ts = headers.get(TIMESTAMP_HEADER.lower(), "")
    got = headers.get(MAC_HEADER.lower(), "")
    if not ts or not got:
        raise HmacRefused(f"missing {MAC_HEADER} or {TIMESTAMP_HEADER} header")
    try:
        age = abs((now or time.time()) - int(ts))
    except ValueError:
        raise HmacRefused(f"{TIMESTAMP_HEADER} is not a Unix timestamp: {ts!r}") from None
    if age > MAX_SKEW_SECONDS:
        raise HmacRefused(f"{TIMESTAMP_HEADER} is {int(age)} s away from now (max {MAX_SKEW_SECONDS})")
    if not hmac.compare_digest(body_mac(secret, ts, body), got):
        raise HmacRefused("signature does not match the body")

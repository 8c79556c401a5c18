"""HMAC-SHA256 signatures of webhook and callback bodies shared by the one-stop system and the hub."""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Onestop-Signature"
TIMESTAMP_HEADER = "X-Onestop-Timestamp"
DELIVERY_HEADER = "X-Onestop-Delivery"
MAX_SKEW_SECONDS = 300


class SignatureError(ValueError):
    """The request is not signed by a holder of the shared secret, or is too old."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signed_headers(secret: str, body: bytes, delivery: str) -> dict[str, str]:
    """Headers of a signed request."""
    ts = str(int(time.time()))
    return {
        SIGNATURE_HEADER: sign(secret, ts, body),
        TIMESTAMP_HEADER: ts,
        DELIVERY_HEADER: delivery,
        "Content-Type": "application/json",
    }


def verify(secret: str, headers: dict[str, str], body: bytes, now: float | None = None) -> None:
    """Raise SignatureError naming what is wrong."""
    ts = headers.get(TIMESTAMP_HEADER.lower(), "")
    got = headers.get(SIGNATURE_HEADER.lower(), "")
    if not ts or not got:
        raise SignatureError(f"missing {SIGNATURE_HEADER} or {TIMESTAMP_HEADER} header")
    try:
        age = abs((now or time.time()) - int(ts))
    except ValueError:
        raise SignatureError(f"{TIMESTAMP_HEADER} is not a Unix timestamp: {ts!r}") from None
    if age > MAX_SKEW_SECONDS:
        raise SignatureError(f"{TIMESTAMP_HEADER} is {int(age)} s away from now (max {MAX_SKEW_SECONDS})")
    if not hmac.compare_digest(sign(secret, ts, body), got):
        raise SignatureError("signature does not match the body")

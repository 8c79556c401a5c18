"""One-time codes (TOTP, RFC 6238, HMAC-SHA1, 30 s, 6 digits) with a secret per user."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote

STEP = 30
DIGITS = 6
WINDOW = 1  # accept one step either side for clock drift


def new_secret() -> str:
    """A random 160-bit secret, base32 without padding (what authenticator apps expect)."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii").rstrip("=")


def _key(secret: str) -> bytes:
    clean = secret.replace(" ", "").upper()
    return base64.b32decode(clean + "=" * (-len(clean) % 8))


def hotp(secret: str, counter: int, digits: int = DIGITS) -> str:
    """RFC 4226 HOTP value of a counter."""
    mac = hmac.new(_key(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def counter_at(moment: float | None = None) -> int:
    return int((time.time() if moment is None else moment) // STEP)


def code_at(secret: str, moment: float | None = None) -> str:
    """The TOTP code at a moment (now by default)."""
    return hotp(secret, counter_at(moment))


def verify(secret: str, code: str, last_counter: int = -1, moment: float | None = None) -> int | None:
    """The counter the code matches (newer than `last_counter`, so a code is used once), else None."""
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != DIGITS:
        return None
    now = counter_at(moment)
    for counter in range(now - WINDOW, now + WINDOW + 1):
        if counter > last_counter and hmac.compare_digest(hotp(secret, counter), code):
            return counter
    return None


def provisioning_uri(secret: str, account: str, issuer: str = "Lienthong") -> str:
    """otpauth:// URI for an authenticator app."""
    return (
        f"otpauth://totp/{quote(issuer)}:{quote(account)}?secret={secret}&issuer={quote(issuer)}"
        f"&algorithm=SHA1&digits={DIGITS}&period={STEP}"
    )

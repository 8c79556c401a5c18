"""One-time codes (TOTP, RFC 6238: HMAC-SHA1, 30 s, 6 digits) of the people who sign.

A person's signature by a key the server holds (a leader's final approval, a complaint's conclusion)
needs a code from their authenticator app. `enrol` makes a secret, `activate` turns it on with a first
code, `verify_once` accepts a code once: its time step must be newer than the last one used.

The secret is kept in the person's preferences encrypted with AES-GCM under a key derived (HKDF-SHA256)
from the hub's secret key (`LIENTHONG_SECRET_KEY`, else `data/secret.key`), which is never in the
database; the user id is the associated data, so a secret copied into another row does not decrypt.

Guesses are bounded: `attempt` counts a code in its own committed transaction before the step that
checks it (a refused step rolls back, its count stays); after MAX_ATTEMPTS codes without a right one,
codes are refused for LOCKOUT. `verify_once` and `attempt` lock the person's row, so concurrent
guesses are counted one by one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import struct
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select

from hub.errors import Conflict, Forbidden
from hub.orgchart import User

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from hub.db import Database
    from hub.settings import Settings

STEP = 30
DIGITS = 6
WINDOW = 1  # accept one step either side for clock drift
MAX_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)
HANOI = timezone(timedelta(hours=7))
KEY = "otp"  # the preferences entry
LEGACY_KEY = "staff_totp"  # the plaintext entry of the staff pages before the secret was encrypted

MISSING = "Cần mã xác thực một lần của lãnh đạo để ký"
WRONG = "Mã xác thực không đúng hoặc đã dùng"
NOT_ACTIVE = "Chưa kích hoạt mã xác thực một lần (trang Bảo mật) nên chưa ký được"


# -- the codes (RFC 4226 / 6238) --------------------------------------------------------------------


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


# -- the secret at rest -----------------------------------------------------------------------------


class OtpCipher:
    """Seals and opens one-time-code secrets with AES-GCM; the key never reaches the database."""

    VERSION = "v1"

    def __init__(self, server_secret: str) -> None:
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"lienthong one-time-code secrets v1"
        ).derive(server_secret.encode("utf-8"))
        self._aead = AESGCM(derived)

    def seal(self, user_id: str, secret: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, secret.encode("ascii"), user_id.encode("utf-8"))
        return f"{self.VERSION}.{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"

    def open(self, user_id: str, token: str) -> str | None:
        """The secret, or None when it does not decrypt (another server key, another person's row)."""
        version, _, body = token.partition(".")
        if version != self.VERSION:
            return None
        try:
            raw = base64.urlsafe_b64decode(body.encode("ascii"))
            return self._aead.decrypt(raw[:12], raw[12:], user_id.encode("utf-8")).decode("ascii")
        except (InvalidTag, ValueError):
            return None


@lru_cache(maxsize=4)
def _cipher(server_secret: str) -> OtpCipher:
    return OtpCipher(server_secret)


def cipher_for(settings: Settings) -> OtpCipher:
    """The cipher of this hub: keyed by LIENTHONG_SECRET_KEY, else the generated data/secret.key."""
    from hub.auth import load_secret

    configured = settings.secret_key.get_secret_value() if settings.secret_key else None
    return _cipher(load_secret(settings.data_dir, configured))


# -- the person's state -----------------------------------------------------------------------------


@dataclass
class _State:
    secret: str | None  # None: sealed under another key (enrol again)
    active: bool
    last: int = -1
    attempts: int = 0
    locked_until: datetime | None = None

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


@dataclass(frozen=True)
class OtpStatus:
    """What may be shown of a person's one-time codes (never the secret once active)."""

    enrolled: bool
    active: bool
    locked_until: datetime | None = None


async def _user(session: AsyncSession, user_id: str) -> User | None:
    stmt = select(User).where(User.id == user_id).with_for_update()
    found: User | None = (await session.execute(stmt)).scalar_one_or_none()
    return found


def _read(user: User, cipher: OtpCipher | None) -> _State | None:
    """The person's state; a plaintext entry of the old staff pages is sealed on the way."""
    prefs = user.preferences or {}
    raw = prefs.get(KEY)
    legacy = prefs.get(LEGACY_KEY)
    if not isinstance(raw, dict) and isinstance(legacy, dict) and legacy.get("secret"):
        state = _State(str(legacy["secret"]), bool(legacy.get("active")), int(legacy.get("last", -1)))
        if cipher is not None:
            _write(user, cipher, state)
        return state
    if not isinstance(raw, dict):
        return None
    until = raw.get("locked_until")
    return _State(
        secret=cipher.open(user.id, str(raw.get("secret", ""))) if cipher else None,
        active=bool(raw.get("active")),
        last=int(raw.get("last", -1)),
        attempts=int(raw.get("attempts", 0)),
        locked_until=datetime.fromisoformat(until) if isinstance(until, str) else None,
    )


def _write(user: User, cipher: OtpCipher, state: _State) -> None:
    assert state.secret is not None
    entry: dict[str, Any] = {
        "secret": cipher.seal(user.id, state.secret),
        "active": state.active,
        "last": state.last,
        "attempts": state.attempts,
        "locked_until": state.locked_until.isoformat() if state.locked_until else None,
    }
    prefs = {k: v for k, v in (user.preferences or {}).items() if k != LEGACY_KEY}
    user.preferences = {**prefs, KEY: entry}


def _write_counts(user: User, state: _State) -> None:
    """Update the attempt counter and lock only (the sealed secret is kept as it is)."""
    prefs = dict(user.preferences or {})
    entry = dict(prefs.get(KEY) or {})
    entry["attempts"] = state.attempts
    entry["locked_until"] = state.locked_until.isoformat() if state.locked_until else None
    prefs[KEY] = entry
    user.preferences = prefs


def _locked_message(until: datetime) -> str:
    local = until.astimezone(HANOI)
    return f"Đã nhập sai mã xác thực nhiều lần; tạm khóa ký đến {local:%H:%M} (giờ Hà Nội)"


async def status(session: AsyncSession, user_id: str, cipher: OtpCipher | None = None) -> OtpStatus:
    """Whether the person has enrolled, activated, and whether codes are locked for now."""
    user = await session.get(User, user_id)
    state = _read(user, cipher) if user is not None else None
    if state is None:
        return OtpStatus(enrolled=False, active=False)
    now = datetime.now(UTC)
    return OtpStatus(True, state.active, state.locked_until if state.locked(now) else None)


async def pending_secret(session: AsyncSession, cipher: OtpCipher, user_id: str) -> str | None:
    """The secret to put into the authenticator app, only while it waits for activation."""
    user = await session.get(User, user_id)
    state = _read(user, cipher) if user is not None else None
    return state.secret if state is not None and not state.active else None


async def attempt(db: Database, user_id: str) -> None:
    """Count one code about to be checked (own transaction); refuse while codes are locked."""
    now = datetime.now(UTC)
    refusal: str | None = None
    async with db.session() as s:
        user = await _user(s, user_id)
        if user is None or not isinstance((user.preferences or {}).get(KEY), dict):
            return  # nothing sealed to guess at yet: the check itself refuses (or seals a legacy entry)
        state = _read(user, None)
        assert state is not None
        if state.locked(now):
            assert state.locked_until is not None
            refusal = _locked_message(state.locked_until)
        elif state.attempts >= MAX_ATTEMPTS:
            state.attempts, state.locked_until = 0, now + LOCKOUT
            _write_counts(user, state)
            refusal = _locked_message(state.locked_until)
        else:
            state.attempts += 1
            state.locked_until = None
            _write_counts(user, state)
    if refusal:
        raise Forbidden(refusal, field="otp")


@asynccontextmanager
async def counted(db: Database, user_id: str, code: str | None) -> AsyncIterator[None]:
    """Around a step that may check `code`: the code is counted first (nothing to count without one)."""
    if code and code.strip():
        await attempt(db, user_id)
    yield


async def verify_once(session: AsyncSession, cipher: OtpCipher, user_id: str, code: str | None) -> None:
    """Accept the person's code once, in the caller's transaction; Forbidden (403) with the reason else."""
    if not code or not code.strip():
        raise Forbidden(MISSING, field="otp")
    user = await _user(session, user_id)
    state = _read(user, cipher) if user is not None else None
    if user is None or state is None or not state.active or state.secret is None:
        raise Forbidden(NOT_ACTIVE, field="otp")
    if state.locked(datetime.now(UTC)):
        assert state.locked_until is not None
        raise Forbidden(_locked_message(state.locked_until), field="otp")
    counter = verify(state.secret, code, state.last)
    if counter is None:
        raise Forbidden(WRONG, field="otp")
    state.last, state.attempts, state.locked_until = counter, 0, None
    _write(user, cipher, state)


async def enrol(session: AsyncSession, cipher: OtpCipher, user_id: str, code: str | None = None) -> str:
    """A new secret, inactive until a code from the person's app confirms it; returns it to show once.

    Replacing an active secret needs a right code of the current one (a stolen session alone cannot
    move the second factor to another phone).
    """
    user = await _user(session, user_id)
    if user is None:
        raise Forbidden("Tài khoản không còn hiệu lực")
    state = _read(user, cipher)
    if state is not None and state.active and state.secret is not None:
        if not code or not code.strip():
            raise Forbidden("Nhập mã xác thực hiện tại để thay khóa đang dùng", field="otp")
        if verify(state.secret, code, state.last) is None:
            raise Forbidden(WRONG, field="otp")
    secret = new_secret()
    _write(user, cipher, _State(secret, active=False))
    return secret


async def activate(session: AsyncSession, cipher: OtpCipher, user_id: str, code: str | None) -> None:
    """Turn the enrolled secret on with a first code from the person's app (that code is then used)."""
    user = await _user(session, user_id)
    state = _read(user, cipher) if user is not None else None
    if user is None or state is None or state.secret is None:
        raise Conflict("Chưa tạo khóa bí mật")
    if state.active:
        raise Conflict("Mã xác thực một lần đã được kích hoạt")
    counter = verify(state.secret, code or "", state.last)
    if counter is None:
        raise Forbidden("Mã xác thực không đúng", field="otp")
    _write(user, cipher, _State(state.secret, active=True, last=counter))

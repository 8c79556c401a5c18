"""The national axis header signature: XroadVnpt-* headers signed with HMAC-SHA256 (domain.md 3.2).

Pure functions only: the client signs with `sign_request`, the simulator (or any server) checks
with `verify_request` and `verify_body_hash`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from enum import StrEnum

PREFIX = "XroadVnpt-"
SIGN_HEADER = PREFIX + "sign-header"
HASH_HEADER = PREFIX + "hash-header"
SIGN_HEADER_KEY = PREFIX + "sign-header-key"
VERSION_HEADER = PREFIX + "version"
PROTOCOL_VERSION = "3.0.201608"
USER_AGENT = "JAVASDKAgent/1.0.0 XRoad/VPCP"
META_HEADERS = frozenset(h.lower() for h in (SIGN_HEADER, HASH_HEADER, SIGN_HEADER_KEY, VERSION_HEADER))

VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")
DEFAULT_MAX_SKEW = timedelta(minutes=5)

_TIMESTAMP_RE = re.compile(r"^(\d{2})(\d{2})(\d{4})T(\d{2})(\d{2})(\d{2})\+(\d{4})$")
_HEX_RE = re.compile(r"^[0-9a-fA-F]+$")


class AuthErrorCode(StrEnum):
    """Why a signed request was refused; travels as the response's ErrorCode."""

    MISSING_HEADER = "AUTH_MISSING_HEADER"
    MALFORMED_HEADER = "AUTH_MALFORMED_HEADER"
    UNKNOWN_SYSTEM = "AUTH_UNKNOWN_SYSTEM"
    BAD_SIGNATURE = "AUTH_BAD_SIGNATURE"
    HEADER_MISMATCH = "AUTH_HEADER_MISMATCH"
    STALE_TIMESTAMP = "AUTH_STALE_TIMESTAMP"
    HASH_MISMATCH = "AUTH_HASH_MISMATCH"
    REPLAYED = "AUTH_REPLAYED"


class SignatureError(ValueError):
    """A request's signed headers do not verify; `code` and `desc` go into the FAIL response."""

    def __init__(self, code: AuthErrorCode, desc: str) -> None:
        super().__init__(f"{code.value}: {desc}")
        self.code = code
        self.desc = desc


@dataclass(frozen=True)
class VerifiedRequest:
    """What a server may trust after verification: only the values inside the signed JSON."""

    systemid: str
    timestamp: datetime
    entries: dict[str, str]
    signature: str = ""

    def get(self, name: str, default: str | None = None) -> str | None:
        """Return the signed value of entry `name` (without the XroadVnpt- prefix)."""
        return self.entries.get(name, default)


def format_timestamp(moment: datetime, tz: tzinfo = VIETNAM_TZ) -> str:
    """Format as the SDK does: ddMMyyyy'T'HHmmss+SSSS, the last four digits being milliseconds."""
    if moment.tzinfo is None:
        raise ValueError("timestamp must be timezone-aware")
    local = moment.astimezone(tz)
    return local.strftime("%d%m%YT%H%M%S") + f"+{local.microsecond // 1000:04d}"


def parse_timestamp(text: str, tz: tzinfo = VIETNAM_TZ) -> datetime:
    """Parse ddMMyyyy'T'HHmmss+SSSS (wall time in `tz`) into an aware datetime."""
    match = _TIMESTAMP_RE.match(text)
    if not match:
        raise ValueError(f"timestamp {text!r} is not in the form ddMMyyyy'T'HHmmss+SSSS")
    day, month, year, hour, minute, second, millis = (int(g) for g in match.groups())
    if millis > 999:
        raise ValueError(f"timestamp {text!r} has {millis} milliseconds")
    return datetime(year, month, day, hour, minute, second, millis * 1000, tzinfo=tz)


def hash_file(body: bytes) -> str:
    """SHA-256 of the body as the SDK writes it: each byte in hex without its leading zero."""
    return sdk_hex(hashlib.sha256(body).digest())


def sdk_hex(digest: bytes) -> str:
    """Hex of a digest in the SDK's form (no leading zero per byte)."""
    return "".join(f"{b:x}" for b in digest)


def hash_file_matches(value: str, body: bytes) -> bool:
    """Accept the SDK's no-leading-zero hex form and the normal 64-character form."""
    digest = hashlib.sha256(body).digest()
    candidate = value.strip().lower()
    forms = (digest.hex(), "".join(f"{b:x}" for b in digest))
    return any(hmac.compare_digest(candidate, form) for form in forms)


def compute_hash_header(sign_header: str, secret: str) -> str:
    """Lowercase hex HMAC-SHA256 of the sign-header string, keyed with the secret's UTF-8 text."""
    return hmac.new(secret.encode("utf-8"), sign_header.encode("utf-8"), hashlib.sha256).hexdigest()


def _check_value(name: str, value: str) -> str:
    if not name or any(c in name for c in ";:\r\n ") or not name.isascii():
        raise ValueError(f"header entry name {name!r} is not a plain ASCII token")
    if not value.isascii() or "\r" in value or "\n" in value:
        raise ValueError(f"header entry {name!r} must be single-line ASCII, got {value!r}")
    return value


def sign_request(
    systemid: str,
    secret: str,
    params: Mapping[str, str] | Iterable[tuple[str, str]],
    *,
    content_type: str,
    body: bytes | None = None,
    body_digest: bytes | None = None,
    now: datetime | None = None,
    tz: tzinfo = VIETNAM_TZ,
    sdk_hash_form: bool = True,
) -> dict[str, str]:
    """Return every HTTP header of a signed call: entries, sign-header, hash-header, key list, version.

    `params` are the operation's parameters (from, servicetype, messagetype, to as JSON text, ...).
    When `body` (or its SHA-256 `body_digest`, for a body streamed from a file) is given (sendEdoc),
    a `hash-file` entry is added, in the SDK's no-leading-zero hex form unless `sdk_hash_form` is
    False (plain 64-character hex).
    """
    items = list(params.items()) if isinstance(params, Mapping) else list(params)
    entries: dict[str, str] = {"systemid": systemid}
    for name, value in items:
        if name in ("systemid", "timestamp", "hash-file", "Content-Type"):
            raise ValueError(f"parameter {name!r} is set by the signer, not by the caller")
        entries[name] = value
    digest = hashlib.sha256(body).digest() if body is not None else body_digest
    if digest is not None:
        entries["hash-file"] = sdk_hex(digest) if sdk_hash_form else digest.hex()
    entries["timestamp"] = format_timestamp(now or datetime.now(UTC), tz)
    entries["Content-Type"] = content_type
    for name, value in entries.items():
        _check_value(name, value)
    signed = {PREFIX + name: value for name, value in entries.items()}
    sign_header = json.dumps(signed, separators=(",", ":"), ensure_ascii=True)
    headers = dict(signed)
    headers.update(
        {
            SIGN_HEADER: sign_header,
            HASH_HEADER: compute_hash_header(sign_header, secret),
            SIGN_HEADER_KEY: ";".join(entries),
            VERSION_HEADER: PROTOCOL_VERSION,
            "Content-Type": content_type,
            "User-Agent": USER_AGENT,
        }
    )
    return headers


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def _parse_sign_header(raw: str) -> dict[str, str]:
    try:
        decoded = json.loads(raw)
    except ValueError as exc:
        raise SignatureError(AuthErrorCode.MALFORMED_HEADER, f"{SIGN_HEADER} is not JSON: {exc}") from None
    if not isinstance(decoded, dict):
        raise SignatureError(AuthErrorCode.MALFORMED_HEADER, f"{SIGN_HEADER} must be a JSON object")
    entries: dict[str, str] = {}
    for key, value in decoded.items():
        if not key.startswith(PREFIX):
            raise SignatureError(
                AuthErrorCode.MALFORMED_HEADER, f"{SIGN_HEADER} entry {key!r} lacks the {PREFIX} prefix"
            )
        if not isinstance(value, str):
            raise SignatureError(
                AuthErrorCode.MALFORMED_HEADER, f"{SIGN_HEADER} entry {key!r} is not a string"
            )
        entries[key[len(PREFIX) :]] = value
    return entries


def verify_request(
    headers: Mapping[str, str],
    secret_of: Callable[[str], str | None],
    *,
    now: datetime | None = None,
    max_skew: timedelta = DEFAULT_MAX_SKEW,
    tz: tzinfo = VIETNAM_TZ,
) -> VerifiedRequest:
    """Verify a request's signed headers as a server does; raise SignatureError naming the problem.

    The HMAC is recomputed over the received sign-header string with the secret of its systemid
    (constant-time compare); every header named in sign-header-key must equal its value in the JSON,
    and every signed entry that also arrived as a header must match too. Extra signed entries are
    accepted. The timestamp must lie within `max_skew` of `now`.
    """
    lowered = _lower(headers)
    raw = lowered.get(SIGN_HEADER.lower())
    received_hash = lowered.get(HASH_HEADER.lower())
    if raw is None or received_hash is None:
        missing = SIGN_HEADER if raw is None else HASH_HEADER
        raise SignatureError(AuthErrorCode.MISSING_HEADER, f"header {missing} is missing")
    entries = _parse_sign_header(raw)
    systemid = entries.get("systemid")
    if not systemid:
        raise SignatureError(AuthErrorCode.MISSING_HEADER, f"{SIGN_HEADER} has no {PREFIX}systemid entry")
    secret = secret_of(systemid)
    if secret is None:
        raise SignatureError(AuthErrorCode.UNKNOWN_SYSTEM, f"systemid {systemid!r} is not registered")
    expected = compute_hash_header(raw, secret)
    if not hmac.compare_digest(expected.encode(), received_hash.strip().lower().encode()):
        raise SignatureError(
            AuthErrorCode.BAD_SIGNATURE,
            f"{HASH_HEADER} does not match HMAC-SHA256 of {SIGN_HEADER} for systemid {systemid!r}",
        )
    _check_signed_headers(lowered, entries)
    stamp = _check_timestamp(entries, now or datetime.now(UTC), max_skew, tz)
    return VerifiedRequest(systemid=systemid, timestamp=stamp, entries=entries, signature=expected)


def _check_signed_headers(lowered: Mapping[str, str], entries: Mapping[str, str]) -> None:
    """Every header named in sign-header-key is signed and sent; every signed header sent matches."""
    key_list = lowered.get(SIGN_HEADER_KEY.lower(), "")
    named = [n.strip() for n in key_list.split(";") if n.strip()]
    for name in named:
        if name not in entries:
            raise SignatureError(
                AuthErrorCode.HEADER_MISMATCH, f"{SIGN_HEADER_KEY} names {name!r} but {SIGN_HEADER} lacks it"
            )
        if (PREFIX + name).lower() not in lowered:
            raise SignatureError(AuthErrorCode.MISSING_HEADER, f"signed header {PREFIX}{name} is missing")
    for name, value in entries.items():
        sent = lowered.get((PREFIX + name).lower())
        if sent is not None and sent != value:
            raise SignatureError(
                AuthErrorCode.HEADER_MISMATCH,
                f"header {PREFIX}{name}={sent!r} differs from the signed value {value!r}",
            )


def _check_timestamp(
    entries: Mapping[str, str], reference: datetime, max_skew: timedelta, tz: tzinfo
) -> datetime:
    """The signed timestamp, which must lie within `max_skew` of `reference`."""
    stamp_text = entries.get("timestamp")
    if stamp_text is None:
        raise SignatureError(AuthErrorCode.MISSING_HEADER, f"{SIGN_HEADER} has no {PREFIX}timestamp entry")
    try:
        stamp = parse_timestamp(stamp_text, tz)
    except ValueError as exc:
        raise SignatureError(AuthErrorCode.MALFORMED_HEADER, str(exc)) from None
    if abs(reference - stamp) > max_skew:
        raise SignatureError(
            AuthErrorCode.STALE_TIMESTAMP,
            f"timestamp {stamp_text} is more than {int(max_skew.total_seconds())} s from server time "
            f"{format_timestamp(reference, tz)}",
        )
    return stamp


def verify_body_hash(request: VerifiedRequest, body: bytes) -> None:
    """Check the signed hash-file entry against the received body; raise SignatureError otherwise."""
    value = request.get("hash-file")
    if value is None:
        raise SignatureError(AuthErrorCode.MISSING_HEADER, f"{SIGN_HEADER} has no {PREFIX}hash-file entry")
    if not _HEX_RE.match(value) or not hash_file_matches(value, body):
        raise SignatureError(
            AuthErrorCode.HASH_MISMATCH,
            f"{PREFIX}hash-file {value!r} is not the SHA-256 of the {len(body)}-byte file "
            "(the body without its trailing CRLF)",
        )


class ReplayGuard:
    """Refuse a signed request seen before within the skew window (for non-idempotent calls like sendEdoc).

    A retried call is signed again with a new timestamp, so only a captured-and-replayed request
    carries a signature already seen.
    """

    def __init__(self, window: timedelta = DEFAULT_MAX_SKEW) -> None:
        self.window = window
        self._seen: dict[str, datetime] = {}

    def check(self, request: VerifiedRequest, now: datetime | None = None) -> None:
        """Remember the request's signature; raise SignatureError when it was already used."""
        reference = now or datetime.now(UTC)
        for key, seen_at in list(self._seen.items()):
            if reference - seen_at > 2 * self.window:
                del self._seen[key]
        key = f"{request.systemid}:{request.signature}"
        if key in self._seen:
            raise SignatureError(
                AuthErrorCode.REPLAYED,
                f"this signed request of systemid {request.systemid!r} was already received; "
                "sign each call anew",
            )
        self._seen[key] = reference

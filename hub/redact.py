"""Credentials kept out of what pages, health reports and logs print of connection URLs."""

from __future__ import annotations

import re

HIDDEN = "***"
_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/?#\s]*)@")


def redact_url(url: str) -> str:
    """The URL with its password (or lone token) replaced: nats://hub:***@host:4222; URLs in a
    comma-separated list are each redacted. Text without credentials is returned unchanged."""
    return _USERINFO.sub(_hide, url)


def _hide(match: re.Match[str]) -> str:
    user, sep, _secret = match.group("userinfo").partition(":")
    shown = f"{user}:{HIDDEN}" if sep else HIDDEN  # a lone user part is a token: hide it whole
    return f"{match.group('scheme')}{shown}@"


def redact_netloc(netloc: str) -> str:
    """A host[:port] with any user:password@ in front redacted."""
    return redact_url(f"x://{netloc}")[4:]

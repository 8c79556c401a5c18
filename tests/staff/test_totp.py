"""One-time codes: RFC 6238 test vectors (SHA-1), drift window, a code used once."""

from __future__ import annotations

import base64

from portal.staff import totp

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode().rstrip("=")


def test_rfc_6238_sha1_vectors() -> None:
    for moment, expected in ((59, "94287082"), (1111111109, "07081804"), (1234567890, "89005924")):
        assert totp.hotp(RFC_SECRET, totp.counter_at(moment), digits=8) == expected


def test_codes_are_accepted_once_and_within_one_step() -> None:
    secret = totp.new_secret()
    now = 1_800_000_000.0
    counter = totp.verify(secret, totp.code_at(secret, now), moment=now)
    assert counter == totp.counter_at(now)
    assert totp.verify(secret, totp.code_at(secret, now), counter, moment=now) is None  # replay
    assert totp.verify(secret, totp.code_at(secret, now + 30), counter, moment=now) == counter + 1
    assert totp.verify(secret, totp.code_at(secret, now - 90), moment=now) is None  # too old
    assert totp.verify(secret, "12ab56", moment=now) is None
    assert totp.provisioning_uri(secret, "giamdoc").startswith("otpauth://totp/Lienthong:giamdoc?secret=")

"""The XroadVnpt signed-header scheme: what the client sends and what a server accepts."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from adapters.vdxp.auth import (
    AuthErrorCode,
    ReplayGuard,
    SignatureError,
    format_timestamp,
    hash_file,
    hash_file_matches,
    parse_timestamp,
    sign_request,
    verify_body_hash,
    verify_request,
)

SECRET = "c2VjcmV0LWLDrS1t4bqtdA=="
SECRETS = {"vxp.saas.03": SECRET}
NOW = datetime(2026, 11, 28, 4, 16, 41, 304_000, tzinfo=UTC)
BODY = b"<edXML>noi dung</edXML>"


def signed(**kwargs: object) -> dict[str, str]:
    params = kwargs.pop(
        "params", [("from", "000.00.00.H26"), ("servicetype", "eDoc"), ("messagetype", "edoc")]
    )
    return sign_request(
        "vxp.saas.03",
        SECRET,
        params,  # type: ignore[arg-type]
        content_type="application/octet-stream",
        body=BODY,
        **{"now": NOW, **kwargs},  # type: ignore[arg-type]
    )


def verify(headers: dict[str, str], now: datetime = NOW) -> object:
    return verify_request(headers, SECRETS.get, now=now)


def test_timestamp_has_milliseconds_in_four_digits_not_a_zone() -> None:
    assert format_timestamp(NOW, UTC) == "28112026T041641+0304"
    assert parse_timestamp("28112026T041641+0304", UTC) == NOW
    assert format_timestamp(NOW) == "28112026T111641+0304"  # Vietnam time by default
    with pytest.raises(ValueError, match="ddMMyyyy"):
        parse_timestamp("2026-11-28T04:16:41Z")


def test_hash_file_drops_leading_zeros_like_the_sdk_and_both_forms_verify() -> None:
    body = b"abc"  # sha256 ba7816bf 8f01cfea ... b410ff61 f20015ad: bytes 01, 03, 00 lose a zero
    digest = hashlib.sha256(body).digest()
    assert hash_file(body) == "ba7816bf8f1cfea414140de5dae2223b0361a396177a9cb410ff61f2015ad"
    assert hash_file_matches(hash_file(body), body)
    assert hash_file_matches(digest.hex().upper(), body)
    assert not hash_file_matches(hashlib.sha256(b"b").hexdigest(), body)


def test_signed_headers_follow_the_sdk_layout() -> None:
    headers = signed(params=[("from", "000.00.00.H26"), ("to", '["000.00.00.G22"]')])
    sign_header = headers["XroadVnpt-sign-header"]
    assert json.loads(sign_header) == {
        "XroadVnpt-systemid": "vxp.saas.03",
        "XroadVnpt-from": "000.00.00.H26",
        "XroadVnpt-to": '["000.00.00.G22"]',
        "XroadVnpt-hash-file": hash_file(BODY),
        "XroadVnpt-timestamp": "28112026T111641+0304",
        "XroadVnpt-Content-Type": "application/octet-stream",
    }
    assert " " not in sign_header  # compact JSON
    expected = hmac.new(SECRET.encode(), sign_header.encode(), hashlib.sha256).hexdigest()
    assert headers["XroadVnpt-hash-header"] == expected
    assert headers["XroadVnpt-sign-header-key"] == "systemid;from;to;hash-file;timestamp;Content-Type"
    assert headers["XroadVnpt-to"] == '["000.00.00.G22"]'
    assert headers["XroadVnpt-version"] == "3.0.201608"
    assert headers["User-Agent"] == "JAVASDKAgent/1.0.0 XRoad/VPCP"
    assert headers["Content-Type"] == "application/octet-stream"


def test_secret_with_vietnamese_text_is_used_as_utf8() -> None:
    headers = sign_request("vxp.x", "bí mật", [], content_type="application/json", now=NOW)
    mac = hmac.new("bí mật".encode(), headers["XroadVnpt-sign-header"].encode(), hashlib.sha256)
    assert headers["XroadVnpt-hash-header"] == mac.hexdigest()


def test_server_accepts_a_correct_request_with_any_header_case() -> None:
    headers = {k.lower(): v for k, v in signed().items()}
    result = verify_request(headers, SECRETS.get, now=NOW + timedelta(seconds=30))
    verify_body_hash(result, BODY)
    assert result.systemid == "vxp.saas.03"
    assert result.get("from") == "000.00.00.H26"


def test_extra_correctly_signed_entries_are_accepted() -> None:
    # The SDK keeps its header map between calls, so a list call may carry hash-file and from.
    headers = signed(params=[("from", "x"), ("servicetype", "eDoc"), ("docId", "42")])
    assert verify(headers).get("docId") == "42"  # type: ignore[attr-defined]


def test_unsigned_extra_headers_cannot_change_signed_values() -> None:
    headers = signed()
    headers["XroadVnpt-to"] = '["000.00.00.X99"]'  # not in the signature: ignored
    assert verify(headers).get("to") is None  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("tamper", "code", "hint"),
    [
        (
            lambda h: h.update({"XroadVnpt-from": "000.00.00.G22"}),
            AuthErrorCode.HEADER_MISMATCH,
            "XroadVnpt-from",
        ),
        (
            lambda h: h.update(
                {
                    "XroadVnpt-sign-header": h["XroadVnpt-sign-header"].replace(
                        "000.00.00.H26", "000.00.00.G22"
                    )
                }
            ),
            AuthErrorCode.BAD_SIGNATURE,
            "HMAC",
        ),
        (lambda h: h.pop("XroadVnpt-hash-header"), AuthErrorCode.MISSING_HEADER, "hash-header"),
        (lambda h: h.pop("XroadVnpt-from"), AuthErrorCode.MISSING_HEADER, "XroadVnpt-from"),
        (lambda h: h.update({"XroadVnpt-sign-header": "{not json"}), AuthErrorCode.MALFORMED_HEADER, "JSON"),
    ],
)
def test_tampered_requests_are_refused_with_a_named_reason(
    tamper: object, code: AuthErrorCode, hint: str
) -> None:
    headers = signed()
    tamper(headers)  # type: ignore[operator]
    with pytest.raises(SignatureError) as caught:
        verify(headers)
    assert caught.value.code is code
    assert hint in caught.value.desc


def test_wrong_secret_and_unknown_system_are_refused() -> None:
    forged = sign_request("vxp.saas.03", "wrong", [], content_type="application/json", now=NOW)
    with pytest.raises(SignatureError) as caught:
        verify(forged)
    assert caught.value.code is AuthErrorCode.BAD_SIGNATURE
    stranger = sign_request("vxp.other", SECRET, [], content_type="application/json", now=NOW)
    with pytest.raises(SignatureError) as caught:
        verify(stranger)
    assert caught.value.code is AuthErrorCode.UNKNOWN_SYSTEM
    assert "vxp.other" in caught.value.desc


def test_stale_timestamp_beyond_the_configured_skew_is_refused() -> None:
    headers = signed()
    with pytest.raises(SignatureError) as caught:
        verify(headers, now=NOW + timedelta(minutes=6))
    assert caught.value.code is AuthErrorCode.STALE_TIMESTAMP
    relaxed = verify_request(
        headers, SECRETS.get, now=NOW + timedelta(minutes=6), max_skew=timedelta(minutes=10)
    )
    assert relaxed.systemid == "vxp.saas.03"


def test_body_hash_must_match_and_the_64_char_form_is_accepted() -> None:
    plain = signed(sdk_hash_form=False)
    assert len(json.loads(plain["XroadVnpt-sign-header"])["XroadVnpt-hash-file"]) == 64
    verify_body_hash(verify(plain), BODY)  # type: ignore[arg-type]
    with pytest.raises(SignatureError) as caught:
        verify_body_hash(verify(signed()), BODY + b" ")  # type: ignore[arg-type]
    assert caught.value.code is AuthErrorCode.HASH_MISMATCH


def test_caller_cannot_override_signer_entries_or_send_non_ascii_values() -> None:
    with pytest.raises(ValueError, match="timestamp"):
        sign_request("s", "k", [("timestamp", "x")], content_type="application/json")
    with pytest.raises(ValueError, match="ASCII"):
        sign_request("s", "k", [("from", "Hà Nội")], content_type="application/json")


def test_replay_guard_refuses_a_signature_seen_before_and_forgets_it_after_the_window() -> None:
    guard = ReplayGuard(window=timedelta(minutes=5))
    request = verify(signed())
    guard.check(request, NOW)  # type: ignore[arg-type]
    with pytest.raises(SignatureError) as caught:
        guard.check(request, NOW + timedelta(seconds=1))  # type: ignore[arg-type]
    assert caught.value.code is AuthErrorCode.REPLAYED
    guard.check(verify(signed(now=NOW + timedelta(milliseconds=1))), NOW)  # type: ignore[arg-type]
    guard.check(request, NOW + timedelta(minutes=11))  # type: ignore[arg-type]

"""The client's address: forwarded headers count only when the peer is a trusted proxy."""

from __future__ import annotations

import pytest

from hub.redact import redact_netloc, redact_url
from kit.ratelimit import client_address, parse_networks

PROXIES = parse_networks("10.0.0.2, 10.1.0.0/16, ::1")


def test_without_trusted_proxies_the_headers_are_ignored() -> None:
    spoof = {"x-forwarded-for": "198.51.100.1", "forwarded": "for=198.51.100.2"}
    assert client_address("127.0.0.1", spoof, ()) == "127.0.0.1"
    assert client_address("203.0.113.5", spoof, PROXIES) == "203.0.113.5"  # not one of ours


def test_a_trusted_proxy_names_the_client() -> None:
    assert client_address("10.0.0.2", {"x-forwarded-for": "198.51.100.1"}, PROXIES) == "198.51.100.1"
    # the client prepended a fake hop: the nearest untrusted hop (what our proxy saw) wins
    chain = {"x-forwarded-for": "1.2.3.4, 198.51.100.1, 10.1.4.4"}
    assert client_address("10.0.0.2", chain, PROXIES) == "198.51.100.1"
    forwarded = {
        "forwarded": 'for="[2001:db8::7]:443";proto=https, for=10.1.0.9',
        "x-forwarded-for": "9.9.9.9",
    }
    assert client_address("::1", forwarded, PROXIES) == "2001:db8::7"
    assert client_address("10.0.0.2", {"forwarded": "for=198.51.100.3:5000"}, PROXIES) == "198.51.100.3"


def test_a_broken_or_missing_chain_leaves_the_proxy() -> None:
    assert client_address("10.0.0.2", {}, PROXIES) == "10.0.0.2"
    assert client_address("10.0.0.2", {"forwarded": "for=_hidden"}, PROXIES) == "10.0.0.2"
    assert client_address("10.0.0.2", {"x-forwarded-for": "10.1.2.3"}, PROXIES) == "10.1.2.3"
    assert client_address(None, {}, PROXIES) == "unknown"


def test_a_bad_proxy_setting_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_networks("10.0.0.300")
    assert parse_networks("") == ()


def test_urls_lose_their_credentials() -> None:
    assert redact_url("nats://hub:s3cr@t@n1:4222,nats://tok@n2:4222,nats://n3:4222") == (
        "nats://hub:***@n1:4222,nats://***@n2:4222,nats://n3:4222"
    )
    assert redact_url("postgresql+asyncpg://lt:pw@pg:5432/db") == "postgresql+asyncpg://lt:***@pg:5432/db"
    assert redact_netloc("hub:pw@127.0.0.1:4222") == "hub:***@127.0.0.1:4222"
    assert redact_netloc("127.0.0.1:4222") == "127.0.0.1:4222"

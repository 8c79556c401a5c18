"""HMAC-SHA256 authentication of the batches a device posts: the MAC of the body with the device's secret."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

MAC_HEADER = "X-Lt-Signature"  # the header's name in the device protocol; its value is an HMAC


class DeviceRefused(ValueError):
    """The device is unknown or the body is not authenticated by its secret."""


def body_mac(secret: str, body: bytes) -> str:
    """The header value authenticating a body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def authenticate(devices: Mapping[str, str], device_id: str, body: bytes, sent: str) -> None:
    """Raise DeviceRefused unless `sent` is the MAC of the body with that device's secret."""
    secret = devices.get(device_id)
    if secret is None:
        raise DeviceRefused(f"unknown device {device_id!r}")
    if not sent or not hmac.compare_digest(sent, body_mac(secret, body)):
        raise DeviceRefused(f"missing or wrong {MAC_HEADER} header")

"""Fixtures of the messaging tests: a private nats-server per test."""

from __future__ import annotations

from tests.hub.conftest import nats  # noqa: F401

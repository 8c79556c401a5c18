"""Fixtures of the tasks tests: a private nats-server per test (hubs come from the notify harness)."""

from __future__ import annotations

from tests.hub.conftest import nats  # noqa: F401

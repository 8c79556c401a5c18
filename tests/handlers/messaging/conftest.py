"""Fixtures of the messaging tests: a private nats-server per test."""

from __future__ import annotations

from tests.handlers.timekeeping.harness import module_hub  # noqa: F401
from tests.hub.conftest import nats  # noqa: F401

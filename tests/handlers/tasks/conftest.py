"""Tasks test fixtures: a private nats-server per test, hubs from the notify and timekeeping harnesses."""

from __future__ import annotations

from tests.handlers.timekeeping.harness import module_hub  # noqa: F401
from tests.hub.conftest import nats  # noqa: F401

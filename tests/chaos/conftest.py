"""Chaos tests reuse the hub fixtures."""

from tests.hub.conftest import hub_factory, nats  # noqa: F401

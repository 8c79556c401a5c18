"""Tests of the composition root (CLI, `lienthong up`)."""

from tests.hub.conftest import hub_factory, nats  # noqa: F401

from tests.handlers.timekeeping.harness import module_hub  # noqa: F401
from tests.hub.conftest import hub_factory, nats  # noqa: F401

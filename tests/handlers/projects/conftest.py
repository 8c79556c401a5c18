from tests.handlers.intake.harness import module_hub  # noqa: F401
from tests.hub.conftest import nats  # noqa: F401

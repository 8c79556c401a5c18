"""National axis (VDXP): signed-header HTTP client, simulator and, later, the bus service."""

from adapters.vdxp.client import VdxpClient
from adapters.vdxp.config import VdxpConfig
from adapters.vdxp.errors import VdxpCircuitOpenError, VdxpError, VdxpRejectedError, VdxpTransientError
from adapters.vdxp.models import Agency, ReceivedItem, SentItem
from adapters.vdxp.service import VdxpModule, VdxpSettings, module

__all__ = [
    "Agency",
    "ReceivedItem",
    "SentItem",
    "VdxpCircuitOpenError",
    "VdxpClient",
    "VdxpConfig",
    "VdxpError",
    "VdxpModule",
    "VdxpRejectedError",
    "VdxpSettings",
    "VdxpTransientError",
    "module",
]

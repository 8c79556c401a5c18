"""Hanoi city axis (LGSP) over SOAP: WSDL contract, zeep client, SOAP server core, simulator, inbound."""

from __future__ import annotations

import logging
from typing import Any


def __getattr__(name: str) -> Any:
    """Build the hub module on first access, so importing the package stays light."""
    if name != "module":
        raise AttributeError(name)
    try:
        from adapters.lgsp.service import LgspModule
    except ImportError as exc:  # the shared axis payload models may be missing in a partial checkout
        logging.getLogger(__name__).warning("LGSP hub module unavailable: %s", exc)
        raise AttributeError(name) from exc
    value = LgspModule()
    globals()["module"] = value
    return value

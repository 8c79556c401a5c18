"""What a module or adapter package offers the hub: consumers, an API router, background tasks."""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING, Any

import structlog

if TYPE_CHECKING:
    from fastapi import APIRouter

    from hub.runtime import Hub

log = structlog.get_logger(__name__)

MODULE_ROOTS = ("adapters", "handlers")


class Module:
    """Base of every module; a package exposes an instance as `module` in its __init__.py."""

    name: str = "module"

    def setup(self, hub: Hub) -> None:
        """Register consumers on the hub (called before the hub starts)."""

    def router(self) -> APIRouter | None:
        """REST API of the module, mounted by the portal under /api."""
        return None

    async def start(self, hub: Hub) -> None:
        """Start background work (pollers, schedulers) once the hub is connected."""

    async def stop(self) -> None:
        """Stop background work."""


def discover_modules() -> list[str]:
    """Every package under adapters/ and handlers/ that exposes `module`, plus the hub's own core."""
    names = ["hub.core"]
    for root in MODULE_ROOTS:
        pkg = importlib.import_module(root)
        for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
            if info.ispkg:
                names.append(f"{root}.{info.name}")
    return names


def load_modules(names: list[str]) -> list[Module]:
    """Import the named packages and return their `module` objects (packages without one are skipped)."""
    modules: list[Module] = []
    for name in names:
        imported: Any = importlib.import_module(name)
        module = getattr(imported, "module", None)
        if module is None:
            log.debug("module.skipped", package=name, reason="no `module` attribute")
            continue
        if not isinstance(module, Module):
            raise TypeError(f"{name}.module must be a hub.module.Module, not {type(module).__name__}")
        modules.append(module)
    return modules

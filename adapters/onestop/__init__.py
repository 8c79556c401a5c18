"""One-stop system adapter: its webhook feeds dossier events to the bus; status goes back to it."""

from __future__ import annotations

from adapters.onestop.service import OnestopModule, OnestopSettings

__all__ = ["OnestopModule", "OnestopSettings", "module"]

module = OnestopModule()

"""Where the documents service runs: its settings, this agency on the axis, and the system actor."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.documents.settings import DocumentsSettings
from hub.auth import Principal

SYSTEM = Principal(id="system", username="system", full_name="Hệ thống", roles=frozenset())
"""The actor of steps the hub takes by itself (documents from the axes, commands of other modules)."""


@dataclass(frozen=True)
class Agency:
    """This agency on the axis."""

    code: str
    name: str


@dataclass(frozen=True)
class Context:
    """Where the service runs: settings and this agency's identity on the axis."""

    settings: DocumentsSettings
    agency: Agency

"""Documents module (e-office): incoming and outgoing registers, handling, issuing and work dossiers.

Decree 30/2020/NĐ-CP is the rulebook: consecutive numbers per register and calendar year, the
handling steps reported back to the sending agency (03, 04, 05, 06 or 02), revoke/update/replace
requests answered 15/16, outgoing numbers with the type abbreviation, dossiers exported with metadata.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import schemas.axis
import schemas.documents
import schemas.notify
import schemas.signing  # noqa: F401  (registers the message types this module uses)
from handlers.documents.context import Agency, Context
from handlers.documents.settings import DocumentsSettings
from hub.module import Module

if TYPE_CHECKING:
    from fastapi import APIRouter

    from hub.runtime import Hub


class DocumentsModule(Module):
    """Wires the documents service into the hub: consumers and the /api/documents router."""

    name = "documents"

    def __init__(self, settings: DocumentsSettings | None = None) -> None:
        self._settings = settings
        self._ctx: Context | None = None

    @property
    def settings(self) -> DocumentsSettings:
        if self._settings is None:
            self._settings = DocumentsSettings()
        return self._settings

    @property
    def ctx(self) -> Context:
        """The service context (settings, this agency); known once the module is set up on a hub."""
        if self._ctx is None:
            raise RuntimeError("the documents module is not set up")
        return self._ctx

    def setup(self, hub: Hub) -> None:
        """Register the consumers."""
        from handlers.documents import consumers

        self._ctx = Context(self.settings, Agency(hub.settings.agency_code, hub.settings.agency_name))
        consumers.setup(hub, self._ctx)

    def router(self) -> APIRouter:
        """The REST API under /api/documents."""
        from handlers.documents import api

        return api.router


module = DocumentsModule()

"""The backend interface behind the SOAP server core: one async method per LGSP operation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from adapters.lgsp.models import (
    Document,
    Organization,
    PendingQuery,
    SendReceipt,
    SendRequest,
    Trace,
    TraceUpdate,
)


class LgspBackend(Protocol):
    """Implement the LGSP operations for an authenticated caller (its organisation id).

    Raise `LgspPermanentError` (or a subclass) for a request that cannot succeed: it becomes a SOAP
    Client fault. Raise `LgspTransientError` for a technical failure worth retrying: a Server fault.
    Any other exception becomes a Server fault with a generic message; the details are only logged.
    """

    async def authenticate(self, organ_id: str, token: str) -> bool:
        """Return whether `token` is the valid token of organisation `organ_id`."""
        ...

    async def send_document(self, caller: str, request: SendRequest) -> SendReceipt:
        """Accept an edXML message from `caller` and return its transport id and receivers."""
        ...

    async def get_pending_document_ids(self, caller: str, query: PendingQuery) -> list[str]:
        """Return the transport ids of messages waiting for `caller`, oldest first."""
        ...

    async def get_document(self, caller: str, document_id: str) -> Document:
        """Return one message addressed to (or sent by) `caller`."""
        ...

    async def confirm_received(self, caller: str, document_id: str) -> None:
        """Remove a message from `caller`'s pending list."""
        ...

    async def update_traces(self, caller: str, traces: Sequence[TraceUpdate]) -> int:
        """Record status updates reported by `caller`; return how many were recorded."""
        ...

    async def get_traces(self, caller: str, document_id: str) -> list[Trace]:
        """Return the recorded statuses of a message `caller` sent or received, oldest first."""
        ...

    async def get_organizations(self, caller: str, organ_id: str | None) -> list[Organization]:
        """Return the organisations on the axis, or only `organ_id` when given."""
        ...

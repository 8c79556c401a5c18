"""In-memory message store of an LGSP endpoint, optionally persisted to a folder.

Holds organisations with their tokens, messages, the pending list of each receiving organisation and
the traces (status updates) of each message. Used by the simulator and by the hub's inbound endpoint.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import os
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from adapters.lgsp.protocol import Document, MessageType, OrganId, Organization, Trace


class OrganizationAccount(BaseModel):
    """An organisation on the axis and the token it authenticates with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    organ_id: OrganId
    token: str
    name: str
    parent_id: OrganId | None = None
    email: str | None = None

    def organization(self) -> Organization:
        """Return the public view (without the token)."""
        return Organization(
            organ_id=self.organ_id, name=self.name, parent_id=self.parent_id, email=self.email
        )


class _DocumentMeta(BaseModel):
    document_id: str
    message_type: MessageType
    sender_id: str
    receiver_ids: list[str]
    sent_at: datetime


class _State(BaseModel):
    accounts: list[OrganizationAccount] = []
    documents: list[_DocumentMeta] = []
    pending: dict[str, list[str]] = {}
    traces: dict[str, list[Trace]] = {}
    keys: dict[str, str] = {}


def _key_of(sender_id: str, idempotency_key: str) -> str:
    """The index entry of a sender's idempotency key (keys are scoped to their sender)."""
    return f"{sender_id} {idempotency_key}"


class MemoryStore:
    """Messages, pending lists and traces; every mutation is saved when a data folder is given."""

    def __init__(
        self,
        accounts: Iterable[OrganizationAccount] = (),
        data_dir: Path | None = None,
        *,
        persist_accounts: bool = True,
    ) -> None:
        """Load the folder's state, then add `accounts`; tokens are saved only if `persist_accounts`."""
        self.data_dir = data_dir
        self.persist_accounts = persist_accounts
        self._lock = asyncio.Lock()
        self._accounts: dict[str, OrganizationAccount] = {}
        self._documents: dict[str, _DocumentMeta] = {}
        self._contents: dict[str, bytes] = {}
        self._pending: dict[str, list[str]] = {}
        self._traces: dict[str, list[Trace]] = {}
        self._keys: dict[str, str] = {}
        if data_dir is not None:
            self._load(data_dir)
        for account in accounts:
            self._accounts[account.organ_id] = account
        self._save_state()

    # Organisations ----------------------------------------------------------------------------------

    def check_token(self, organ_id: str, token: str) -> bool:
        """Return whether `token` belongs to `organ_id` (constant-time comparison)."""
        account = self._accounts.get(organ_id)
        expected = account.token if account is not None else "\0" * max(len(token), 1)
        return hmac.compare_digest(expected.encode(), token.encode()) and account is not None

    def knows(self, organ_id: str) -> bool:
        """Return whether `organ_id` is a registered organisation."""
        return organ_id in self._accounts

    def organizations(self, organ_id: str | None = None) -> list[Organization]:
        """Return all organisations, or the one with `organ_id` (empty when unknown)."""
        accounts = sorted(self._accounts.values(), key=lambda a: a.organ_id)
        return [a.organization() for a in accounts if organ_id is None or a.organ_id == organ_id]

    # Messages ---------------------------------------------------------------------------------------

    async def add_document(
        self,
        sender_id: str,
        message_type: MessageType,
        receiver_ids: Sequence[str],
        content: bytes,
        idempotency_key: str | None = None,
    ) -> Document:
        """Store a message and put it on the pending list of each receiver.

        With an `idempotency_key` the sender already used, nothing is stored again: the message stored
        the first time is returned (what makes a repeated SendDocument harmless).
        """
        key = _key_of(sender_id, idempotency_key) if idempotency_key else None
        meta = _DocumentMeta(
            document_id=uuid.uuid4().hex,
            message_type=message_type,
            sender_id=sender_id,
            receiver_ids=list(dict.fromkeys(receiver_ids)),
            sent_at=datetime.now(UTC),
        )
        async with self._lock:
            first = self._documents.get(self._keys.get(key, "")) if key else None
            if first is not None:
                return self._document(first)
            if key:
                self._keys[key] = meta.document_id
            self._write_content(meta.document_id, content)
            self._documents[meta.document_id] = meta
            self._contents[meta.document_id] = content
            for receiver in meta.receiver_ids:
                self._pending.setdefault(receiver, []).append(meta.document_id)
            self._save_state()
        return self._document(meta)

    def sent_by(self, sender_id: str) -> list[Document]:
        """Return the messages `sender_id` sent, oldest first (what the simulator counts)."""
        metas = sorted(self._documents.values(), key=lambda m: m.sent_at)
        return [self._document(m) for m in metas if m.sender_id == sender_id]

    def document(self, document_id: str) -> Document | None:
        """Return a stored message, or None."""
        meta = self._documents.get(document_id)
        return self._document(meta) if meta is not None else None

    def is_party(self, organ_id: str, document_id: str) -> bool:
        """Return whether `organ_id` sent or receives the message."""
        meta = self._documents.get(document_id)
        return meta is not None and (organ_id == meta.sender_id or organ_id in meta.receiver_ids)

    def is_receiver(self, organ_id: str, document_id: str) -> bool:
        """Return whether `organ_id` is a receiver of the message."""
        meta = self._documents.get(document_id)
        return meta is not None and organ_id in meta.receiver_ids

    def pending(
        self, organ_id: str, message_type: MessageType | None = None, limit: int | None = None
    ) -> list[str]:
        """Return the ids waiting for `organ_id`, oldest first."""
        ids = [
            doc_id
            for doc_id in self._pending.get(organ_id, [])
            if message_type is None or self._documents[doc_id].message_type is message_type
        ]
        return ids[:limit] if limit is not None else ids

    async def confirm(self, organ_id: str, document_id: str) -> bool:
        """Remove a message from `organ_id`'s pending list; return whether it was pending."""
        async with self._lock:
            pending = self._pending.get(organ_id, [])
            if document_id not in pending:
                return False
            pending.remove(document_id)
            self._save_state()
            return True

    # Traces -----------------------------------------------------------------------------------------

    async def add_traces(self, traces: Sequence[Trace]) -> None:
        """Append status updates to their messages."""
        async with self._lock:
            for trace in traces:
                self._traces.setdefault(trace.document_id, []).append(trace)
            self._save_state()

    def traces(self, document_id: str) -> list[Trace]:
        """Return the traces of a message, oldest first."""
        return list(self._traces.get(document_id, []))

    # Persistence ------------------------------------------------------------------------------------

    def _document(self, meta: _DocumentMeta) -> Document:
        return Document(
            document_id=meta.document_id,
            message_type=meta.message_type,
            sender_id=meta.sender_id,
            receiver_ids=tuple(meta.receiver_ids),
            sent_at=meta.sent_at,
            content=self._contents[meta.document_id],
        )

    def _load(self, data_dir: Path) -> None:
        state_file = data_dir / "state.json"
        if not state_file.exists():
            return
        state = _State.model_validate_json(state_file.read_bytes())
        self._accounts = {a.organ_id: a for a in state.accounts}
        self._documents = {d.document_id: d for d in state.documents}
        self._contents = {d: (data_dir / "documents" / f"{d}.bin").read_bytes() for d in self._documents}
        self._pending = state.pending
        self._traces = state.traces
        self._keys = state.keys

    def _write_content(self, document_id: str, content: bytes) -> None:
        if self.data_dir is None:
            return
        folder = self.data_dir / "documents"
        folder.mkdir(parents=True, exist_ok=True)
        _atomic_write(folder / f"{document_id}.bin", content)

    def _save_state(self) -> None:
        if self.data_dir is None:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        state = _State(
            accounts=list(self._accounts.values()) if self.persist_accounts else [],
            documents=list(self._documents.values()),
            pending=self._pending,
            traces=self._traces,
            keys=self._keys,
        )
        data = json.dumps(state.model_dump(mode="json"), ensure_ascii=False, indent=1).encode()
        _atomic_write(self.data_dir / "state.json", data)


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)

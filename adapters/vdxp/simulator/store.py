"""The simulator's mailbox: sent documents, one inbox delivery per recipient, optional persistence."""

from __future__ import annotations

import hashlib
import os
import threading
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from adapters.vdxp.auth import VIETNAM_TZ

DeliveryStatus = Literal["pending", "processing", "done", "fail"]
STATUS_DESC: dict[str, str] = {
    "pending": "Chờ nhận",
    "processing": "Đang xử lý",
    "done": "Đã nhận",
    "fail": "Nhận lỗi",
}
SENT_DESC = "Đã gửi lên trục"


def _now() -> datetime:
    return datetime.now(VIETNAM_TZ)


class StoredDocument(BaseModel):
    """One item sent through the axis (edoc or status message)."""

    sender_doc_id: str
    systemid: str
    from_code: str
    to_codes: list[str]
    service_type: str
    message_type: str
    sha256: str
    length: int
    title: str | None = None
    notation: str | None = None
    sent_time: datetime


class Delivery(BaseModel):
    """The copy of a document in one recipient's inbox, with its transport status."""

    receiver_doc_id: str
    sender_doc_id: str
    to_code: str
    status: DeliveryStatus = "pending"
    created_time: datetime
    updated_time: datetime
    received_time: datetime | None = None


class StoreState(BaseModel):
    """Everything persisted in state.json."""

    next_id: int = 1
    documents: dict[str, StoredDocument] = Field(default_factory=dict)
    deliveries: dict[str, Delivery] = Field(default_factory=dict)


class SimStore:
    """In-memory store, written through to `data_dir` (state.json + documents/<id>.edxml) when given."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self.data_dir = data_dir
        self._lock = threading.RLock()
        self._content: dict[str, bytes] = {}
        self.state = StoreState()
        if data_dir is not None:
            (data_dir / "documents").mkdir(parents=True, exist_ok=True)
            state_file = data_dir / "state.json"
            if state_file.exists():
                self.state = StoreState.model_validate_json(state_file.read_bytes())

    def add(
        self,
        *,
        systemid: str,
        from_code: str,
        to_codes: list[str],
        service_type: str,
        message_type: str,
        content: bytes,
        title: str | None,
        notation: str | None,
    ) -> StoredDocument:
        """Store a sent item and put one delivery into each recipient's inbox."""
        with self._lock:
            now = _now()
            doc = StoredDocument(
                sender_doc_id=self._next_id(),
                systemid=systemid,
                from_code=from_code,
                to_codes=to_codes,
                service_type=service_type,
                message_type=message_type,
                sha256=hashlib.sha256(content).hexdigest(),
                length=len(content),
                title=title,
                notation=notation,
                sent_time=now,
            )
            self._write_content(doc.sender_doc_id, content)
            self.state.documents[doc.sender_doc_id] = doc
            for code in to_codes:
                delivery = Delivery(
                    receiver_doc_id=self._next_id(),
                    sender_doc_id=doc.sender_doc_id,
                    to_code=code,
                    created_time=now,
                    updated_time=now,
                )
                self.state.deliveries[delivery.receiver_doc_id] = delivery
            self._save()
            return doc

    def pending(
        self, codes: set[str] | None, message_type: str | None
    ) -> list[tuple[Delivery, StoredDocument]]:
        """Deliveries not yet acknowledged done, for the given recipient codes (None: all)."""
        with self._lock:
            rows = []
            for delivery in self.state.deliveries.values():
                doc = self.state.documents[delivery.sender_doc_id]
                if delivery.status == "done" or (codes is not None and delivery.to_code not in codes):
                    continue
                if message_type and doc.message_type != message_type:
                    continue
                rows.append((delivery, doc))
            return sorted(rows, key=lambda r: int(r[0].receiver_doc_id))

    def delivered_counts(self, message_type: str | None = None) -> dict[str, int]:
        """How many items each recipient was given (every copy counts, taken or not)."""
        with self._lock:
            counts: dict[str, int] = {}
            for delivery in self.state.deliveries.values():
                if message_type and self.state.documents[delivery.sender_doc_id].message_type != message_type:
                    continue
                counts[delivery.to_code] = counts.get(delivery.to_code, 0) + 1
            return counts

    def delivery(self, receiver_doc_id: str) -> Delivery | None:
        with self._lock:
            return self.state.deliveries.get(receiver_doc_id)

    def content(self, sender_doc_id: str) -> bytes:
        """The stored edXML bytes of a sent item."""
        with self._lock:
            if sender_doc_id in self._content:
                return self._content[sender_doc_id]
        if self.data_dir is None:
            raise KeyError(sender_doc_id)
        return (self.data_dir / "documents" / f"{sender_doc_id}.edxml").read_bytes()

    def set_status(self, receiver_doc_id: str, status: DeliveryStatus) -> Delivery:
        """Record a recipient's transport acknowledgement."""
        with self._lock:
            delivery = self.state.deliveries[receiver_doc_id]
            now = _now()
            delivery.status = status
            delivery.updated_time = now
            if status == "done":
                delivery.received_time = now
            self._save()
            return delivery

    def sent(
        self, systemid: str, message_type: str | None, sender_doc_id: str | None
    ) -> list[tuple[StoredDocument, Delivery]]:
        """Per-recipient delivery rows of the items a centre sent."""
        with self._lock:
            rows = []
            for delivery in self.state.deliveries.values():
                doc = self.state.documents[delivery.sender_doc_id]
                if doc.systemid != systemid or (message_type and doc.message_type != message_type):
                    continue
                if sender_doc_id and doc.sender_doc_id != sender_doc_id:
                    continue
                rows.append((doc, delivery))
            return sorted(rows, key=lambda r: int(r[1].receiver_doc_id))

    def _next_id(self) -> str:
        value = self.state.next_id
        self.state.next_id += 1
        return str(value)

    def _write_content(self, sender_doc_id: str, content: bytes) -> None:
        if self.data_dir is None:
            self._content[sender_doc_id] = content
            return
        _atomic_write(self.data_dir / "documents" / f"{sender_doc_id}.edxml", content)

    def _save(self) -> None:
        if self.data_dir is not None:
            _atomic_write(self.data_dir / "state.json", self.state.model_dump_json(indent=1).encode())


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)

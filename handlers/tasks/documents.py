"""Views of the documents module's events, read leniently by field name (schemas/documents.py is theirs)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, field_validator


def _to_date(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str) and "T" in value:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    return value


class DocumentAssignedView(BaseModel):
    """document.assigned (lt.doc.evt.assigned): a leader assigned a document to units."""

    model_config = ConfigDict(extra="ignore")

    document_id: str
    subject: str = ""
    priority: str = "Thường"
    lead_unit_id: str
    coordinating_unit_ids: list[str] = []
    deadline: date | None = None
    instruction: str = ""
    assigned_by: str
    so_den: str | int | None = None

    _deadline = field_validator("deadline", mode="before")(_to_date)


class HandlerAssignedView(BaseModel):
    """document.handler_assigned (lt.doc.evt.handler_assigned): a unit head named the officers."""

    model_config = ConfigDict(extra="ignore")

    document_id: str
    subject: str = ""
    priority: str = "Thường"
    unit_id: str
    officer_ids: list[str] = []
    lead_officer_id: str | None = None
    deadline: date | None = None
    assigned_by: str

    _deadline = field_validator("deadline", mode="before")(_to_date)


class DocumentCompletedView(BaseModel):
    """document.completed (lt.doc.evt.completed): the document's handling is finished."""

    model_config = ConfigDict(extra="ignore")

    document_id: str
    officer_id: str | None = None
    completed_by: str | None = None
    completed_on_time: bool | None = None
    at: AwareDatetime | None = None

    @property
    def who(self) -> str:
        return self.officer_id or self.completed_by or "documents"

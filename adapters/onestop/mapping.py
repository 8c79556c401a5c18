"""The one-stop system's wire format <-> bus payloads: its webhook body in, the status callback out."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from hub.errors import Invalid
from schemas.intake import DossierFacts, OnestopDossierEvent

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
STATUS_FIELDS = {"code", "status", "received_on", "due_date", "unit_id", "note"}


@dataclass(frozen=True)
class InlineDocument:
    """A scanned document sent inline (`content_base64`) with a webhook, decoded."""

    index: int
    content: bytes
    media_type: str


def webhook_body(body: bytes) -> dict[str, Any]:
    """The webhook's JSON object; a clear refusal when it is not one."""
    try:
        raw = json.loads(body)
    except ValueError as exc:
        raise Invalid(f"the body is not JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise Invalid("the body must be a JSON object")
    return raw


def inline_document(index: int, item: Any) -> InlineDocument | None:
    """Decode documents[index] when it carries its content inline; None when it does not."""
    if not isinstance(item, dict) or "content_base64" not in item:
        return None
    try:
        data = base64.b64decode(item["content_base64"], validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise Invalid(f"documents[{index}].content_base64 is not valid base64") from None
    if len(data) > MAX_DOCUMENT_BYTES:
        raise Invalid(f"documents[{index}] is {len(data)} bytes; the limit is {MAX_DOCUMENT_BYTES}")
    return InlineDocument(index, data, item.get("content_type") or "application/octet-stream")


def dossier_event(raw: dict[str, Any]) -> OnestopDossierEvent:
    """The bus payload of a webhook body whose inline documents were replaced by claim checks."""
    try:
        return OnestopDossierEvent.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in exc.errors()[:20]
        )
        raise Invalid(f"invalid dossier event: {problems}") from None


def status_body(facts: DossierFacts) -> bytes:
    """The status callback the one-stop system receives: code, status, dates, unit, note."""
    return json.dumps(facts.model_dump(mode="json", include=STATUS_FIELDS), ensure_ascii=False).encode()

"""The catalogue: every registered message type and the operations of the hub's AsyncAPI document."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hub.auth import Principal
from hub.web import hub_of
from portal.ops.catalogue import asyncapi_document, message_types
from portal.ops.pages.kit import READER, render

router = APIRouter(include_in_schema=False)


def operations_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The document's operations with their action, channel reference and the channel's address."""
    channels = {name: ch.get("address", "") for name, ch in doc.get("channels", {}).items()}
    operations = []
    for name, op in doc.get("operations", {}).items():
        channel = op.get("channel", {}).get("$ref", "")
        operations.append(
            {
                "name": name,
                "action": op.get("action"),
                "channel": channel,
                "address": channels.get(channel.rsplit("/", 1)[-1], ""),
            }
        )
    return operations


@router.get("/catalogue", response_class=HTMLResponse)
async def catalogue(request: Request, principal: Principal = READER) -> HTMLResponse:
    doc = asyncapi_document(hub_of(request))
    return render(
        request,
        "catalogue.html",
        principal,
        types=message_types(),
        operations=operations_of(doc),
        doc=doc,
    )

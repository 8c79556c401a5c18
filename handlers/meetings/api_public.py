"""The personal calendar addresses (`router`), mounted under /public without login: a calendar app
cannot log in, so the secret in the address is the key (`subscriptions.py`).

- `GET /public/meetings/lich/{token}.ics`: the person's published meetings as iCalendar; 404 with a
  Vietnamese reason for an unknown, replaced or revoked address.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from handlers.meetings import subscriptions
from hub.files import export_file
from hub.web import HubDep

router = APIRouter(tags=["public"])


@router.get("/meetings/lich/{token}.ics", response_class=Response)
async def personal_calendar(hub: HubDep, token: str) -> Response:
    """The calendar of the person whose address this is."""
    async with hub.db.session() as s:
        f = await subscriptions.feed(s, token)
    answer = export_file(f.data, f.filename, f.media_type, inline=True)
    answer.headers["Cache-Control"] = "private, max-age=300"
    answer.headers["Referrer-Policy"] = "no-referrer"
    return answer

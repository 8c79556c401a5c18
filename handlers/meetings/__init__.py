"""Meeting schedule: registration, review, weekly publication, changes, iCalendar feeds, PDF and XLSX."""

from __future__ import annotations

import schemas.meetings
import schemas.notify
import schemas.timekeeping  # noqa: F401
from handlers.meetings.service import MeetingsModule

module = MeetingsModule()

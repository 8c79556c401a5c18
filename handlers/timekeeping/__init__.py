"""Timekeeping: check-in/out from devices and the web, shift rules, leave, corrections, timesheets."""

from __future__ import annotations

import schemas.notify
import schemas.timekeeping  # noqa: F401
from handlers.timekeeping.service import TimekeepingModule

module = TimekeepingModule()

"""Attendance devices: a signed HTTP webhook that puts check-ins and check-outs on the bus."""

from __future__ import annotations

import schemas.timekeeping  # noqa: F401
from adapters.attendance.service import AttendanceModule

module = AttendanceModule()

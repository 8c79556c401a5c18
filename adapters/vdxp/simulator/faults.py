"""Fault injection for chaos tests: an HTTP error, a delay or a dropped connection, for N calls or N seconds.

A fault strikes before the request is handled (the axis never sees it) unless `after_processing` is set:
then the axis handles the request (a sent document is stored and delivered) and only the reply goes
wrong, which is what a gateway timing out in front of the axis looks like to the client:

- "store then drop the reply": `{"after_processing": true, "status_code": 504}` or
  `{"after_processing": true, "drop_connection": true}`;
- "answer after N seconds": `{"after_processing": true, "delay_seconds": N}` (N beyond the client's
  read timeout, so the client gives up while the document is already stored).

`paths` limits a fault to some operations (e.g. `["/sendEdoc"]`), so polling does not consume it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from pydantic import BaseModel, Field, model_validator


class FaultSpec(BaseModel):
    """What to inject (an HTTP status, a delay, a dropped connection), where, and for how long."""

    status_code: int | None = Field(default=None, ge=400, le=599)
    delay_seconds: float = Field(default=0.0, ge=0, le=300)
    drop_connection: bool = Field(default=False, description="Close the connection instead of answering")
    after_processing: bool = Field(
        default=False,
        description="Handle the request first (the axis keeps the document), then spoil the reply",
    )
    paths: list[str] | None = Field(default=None, description="Only these operations, e.g. ['/sendEdoc']")
    count: int | None = Field(default=None, ge=1, description="Affect this many calls, then stop")
    seconds: float | None = Field(default=None, gt=0, description="Affect calls for this long")

    @model_validator(mode="after")
    def _something(self) -> FaultSpec:
        if self.status_code is None and not self.delay_seconds and not self.drop_connection:
            raise ValueError("a fault needs status_code, delay_seconds or drop_connection")
        if self.drop_connection and self.status_code is not None:
            raise ValueError("a dropped connection has no status_code")
        return self

    def applies_to(self, path: str) -> bool:
        """Whether the fault strikes a call of this path (`/sendEdoc`, with or without a trailing slash)."""
        if self.paths is None:
            return True
        wanted = {p.rstrip("/") or "/" for p in self.paths}
        return (path.rstrip("/") or "/") in wanted


class Faults:
    """The active fault, consumed call by call; thread-safe because tests set it from another thread."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._spec: FaultSpec | None = None
        self._remaining: int | None = None
        self._until: float | None = None
        self.injected = 0

    def set(self, spec: FaultSpec) -> None:
        """Replace the active fault."""
        with self._lock:
            self._spec = spec
            self._remaining = spec.count
            self._until = self._clock() + spec.seconds if spec.seconds else None

    def clear(self) -> None:
        """Stop injecting faults."""
        with self._lock:
            self._spec = None

    def take(self, path: str | None = None) -> FaultSpec | None:
        """Return the fault to apply to this call (of `path`), if any, and count it."""
        with self._lock:
            spec = self._spec
            if spec is None:
                return None
            if self._until is not None and self._clock() >= self._until:
                self._spec = None
                return None
            if path is not None and not spec.applies_to(path):
                return None
            if self._remaining is not None:
                self._remaining -= 1
                if self._remaining <= 0:
                    self._spec = None
            self.injected += 1
            return spec

    def describe(self) -> dict[str, object]:
        """The active fault for the admin API."""
        with self._lock:
            return {
                "active": self._spec.model_dump() if self._spec else None,
                "remaining": self._remaining if self._spec else None,
                "injected": self.injected,
            }

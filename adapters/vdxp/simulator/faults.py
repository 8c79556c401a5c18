"""Fault injection for chaos tests: answer with an HTTP error or a delay, for N calls or N seconds."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from pydantic import BaseModel, Field, model_validator


class FaultSpec(BaseModel):
    """What to inject: an HTTP status (e.g. 503) and/or a delay, limited by a count or a duration."""

    status_code: int | None = Field(default=None, ge=400, le=599)
    delay_seconds: float = Field(default=0.0, ge=0, le=300)
    count: int | None = Field(default=None, ge=1, description="Affect this many calls, then stop")
    seconds: float | None = Field(default=None, gt=0, description="Affect calls for this long")

    @model_validator(mode="after")
    def _something(self) -> FaultSpec:
        if self.status_code is None and not self.delay_seconds:
            raise ValueError("a fault needs status_code or delay_seconds")
        return self


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

    def take(self) -> FaultSpec | None:
        """Return the fault to apply to this call, if any, and count it."""
        with self._lock:
            spec = self._spec
            if spec is None:
                return None
            if self._until is not None and self._clock() >= self._until:
                self._spec = None
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

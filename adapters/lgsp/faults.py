"""Fault injection of the LGSP simulator (chaos tests): a delay, an HTTP error or a dropped connection.

The same faults as the national axis simulator's (`adapters/vdxp/simulator/faults.py`). A fault
strikes before the request is handled (the axis never sees it) unless `after_processing` is set: then
the axis handles the request (a sent message is stored and delivered) and only the reply goes wrong:

- "store then drop the reply": `{"after_processing": true, "drop_connection": true}` (or a
  `status_code` such as 504, what a gateway in front of the axis answers);
- "answer after N seconds": `{"after_processing": true, "delay_seconds": N}` (N beyond the client's
  operation timeout, so the client gives up while the message is already stored).

`operations` limits a fault to some SOAP operations (e.g. `["SendDocument"]`, read from SOAPAction),
so polling does not consume it; `count` and `seconds` bound how long it lasts.
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
        description="Handle the request first (the axis keeps the message), then spoil the reply",
    )
    operations: list[str] | None = Field(
        default=None, description="Only these operations, e.g. ['SendDocument']"
    )
    count: int | None = Field(default=None, ge=1, description="Affect this many calls, then stop")
    seconds: float | None = Field(default=None, gt=0, description="Affect calls for this long")

    @model_validator(mode="after")
    def _something(self) -> FaultSpec:
        if self.status_code is None and not self.delay_seconds and not self.drop_connection:
            raise ValueError("a fault needs status_code, delay_seconds or drop_connection")
        if self.drop_connection and self.status_code is not None:
            raise ValueError("a dropped connection has no status_code")
        return self

    def applies_to(self, operation: str | None) -> bool:
        """Whether the fault strikes a call of this operation (None: the request named none)."""
        return self.operations is None or operation in self.operations


def operation_of(soap_action: str | None) -> str | None:
    """The operation a SOAPAction names (`urn:lienthong:lgsp:v1#SendDocument` or `SendDocument`)."""
    action = (soap_action or "").strip().strip('"')
    return action.rpartition("#")[2] or None


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

    def take(self, operation: str | None) -> FaultSpec | None:
        """Return the fault to apply to this call, if any, and count it."""
        with self._lock:
            spec = self._spec
            if spec is None:
                return None
            if self._until is not None and self._clock() >= self._until:
                self._spec = None
                return None
            if not spec.applies_to(operation):
                return None
            if self._remaining is not None:
                self._remaining -= 1
                if self._remaining <= 0:
                    self._spec = None
            self.injected += 1
            return spec

    def describe(self) -> dict[str, object]:
        """The active fault, for the admin API."""
        with self._lock:
            return {
                "active": self._spec.model_dump() if self._spec else None,
                "remaining": self._remaining if self._spec else None,
                "injected": self.injected,
            }

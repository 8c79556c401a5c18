"""What the two axes' simulators share: fault injection for chaos tests (an HTTP error, a delay or a
dropped connection) and the start of their command line.

A fault strikes before the request is handled (the axis never sees it) unless `after_processing` is set:
then the axis handles the request (a sent document is stored and delivered) and only the reply goes
wrong, which is what a gateway timing out in front of the axis looks like to the client:

- "store then drop the reply": `{"after_processing": true, "drop_connection": true}` or
  `{"after_processing": true, "status_code": 504}`;
- "answer after N seconds": `{"after_processing": true, "delay_seconds": N}` (N beyond the client's
  read timeout, so the client gives up while the document is already stored).

Each simulator says which calls a fault may strike (`FaultSpec.applies_to`: the national axis by URL
path, the city axis by SOAP operation), so polling does not consume a fault meant for sending; `count`
and `seconds` bound how long it lasts. `install` puts the injecting middleware on a simulator's app;
`simulator_parser` starts a simulator's command line.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from fastapi import FastAPI, Request, Response
from pydantic import BaseModel, Field, model_validator

log = logging.getLogger(__name__)


class FaultSpec(BaseModel):
    """What to inject (an HTTP status, a delay, a dropped connection) and for how long."""

    status_code: int | None = Field(default=None, ge=400, le=599)
    delay_seconds: float = Field(default=0.0, ge=0, le=300)
    drop_connection: bool = Field(default=False, description="Close the connection instead of answering")
    after_processing: bool = Field(
        default=False,
        description="Handle the request first (the axis keeps the document), then spoil the reply",
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

    def applies_to(self, call: str | None) -> bool:
        """Whether the fault strikes this call (None: a call the simulator cannot name); all by default."""
        return True


SpecT = TypeVar("SpecT", bound=FaultSpec)


class Faults(Generic[SpecT]):
    """The active fault, consumed call by call; thread-safe because tests set it from another thread."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._spec: SpecT | None = None
        self._remaining: int | None = None
        self._until: float | None = None
        self.injected = 0

    def set(self, spec: SpecT) -> None:
        """Replace the active fault."""
        with self._lock:
            self._spec = spec
            self._remaining = spec.count
            self._until = self._clock() + spec.seconds if spec.seconds else None

    def clear(self) -> None:
        """Stop injecting faults."""
        with self._lock:
            self._spec = None

    def take(self, call: str | None = None) -> SpecT | None:
        """Return the fault to apply to this call, if any, and count it."""
        with self._lock:
            spec = self._spec
            if spec is None:
                return None
            if self._until is not None and self._clock() >= self._until:
                self._spec = None
                return None
            if not spec.applies_to(call):
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


class DroppedReply(Response):
    """A reply cut off after its headers: the client sees the connection close mid-response."""

    def __init__(self, content_type: str) -> None:
        super().__init__()
        self._content_type = content_type

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-type", self._content_type.encode()), (b"content-length", b"4096")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        # returning without the body makes the server close the connection


async def body_of(response: Response) -> bytes:
    """Read a handled reply to the end (so the handler finishes) and keep its bytes."""
    iterator = getattr(response, "body_iterator", None)
    if iterator is None:
        return bytes(response.body)
    chunks = [chunk.encode() if isinstance(chunk, str) else bytes(chunk) async for chunk in iterator]
    return b"".join(chunks)


Next = Callable[[Request], Awaitable[Response]]


def install(
    app: FastAPI,
    faults: Faults[Any],
    *,
    call_of: Callable[[Request], str | None],
    struck: Callable[[Request], bool],
    error: Callable[[int], Response],
    content_type: str,
) -> None:
    """Put fault injection on `app`: requests that `struck` accepts take the active fault by `call_of`;
    an HTTP error answers with `error(status)` in the simulator's own format."""

    def spoiled(fault: FaultSpec) -> Response:
        return DroppedReply(content_type) if fault.drop_connection else error(fault.status_code or 500)

    async def inject(request: Request, call_next: Next) -> Response:
        fault = faults.take(call_of(request)) if struck(request) else None
        if fault is None:
            return await call_next(request)
        log.info("simulator injects into %s: %s", request.url.path, fault.model_dump(exclude_none=True))
        if fault.after_processing:
            response = await call_next(request)  # the axis does the work (a sent document is stored)
            body = await body_of(response)
            if fault.delay_seconds:
                await asyncio.sleep(fault.delay_seconds)
            if fault.status_code is None and not fault.drop_connection:  # answer late, but answer
                return Response(body, status_code=response.status_code, headers=dict(response.headers))
            return spoiled(fault)
        if fault.delay_seconds:
            await asyncio.sleep(fault.delay_seconds)
        if fault.status_code is not None or fault.drop_connection:
            return spoiled(fault)
        return await call_next(request)

    app.middleware("http")(inject)


def simulator_parser(prog: str, description: str | None, port: int) -> argparse.ArgumentParser:
    """The command line every axis simulator starts with: `--host` and `--port` (its development port)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=port)
    return parser

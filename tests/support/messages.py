"""Message types used only by the tests."""

from __future__ import annotations

from pydantic import BaseModel, Field

from schemas.registry import message_type, registry


class Ping(BaseModel):
    """A test event."""

    n: int
    priority: str = "Thường"
    text: str = ""
    fail_times: int = 0
    poison: bool = False


class Work(BaseModel):
    """A test command."""

    n: int
    note: str = Field(default="", max_length=8_000_000)


if ("test.ping", 1) not in registry:
    message_type("test.ping", "lt.test.evt.ping")(Ping)
    message_type("test.work", "lt.test.cmd.work")(Work)
    message_type("test.pong", "lt.test.evt.pong")(Ping)

"""The canonical envelope and the message-type registry."""

from __future__ import annotations

import uuid

import pytest
from pydantic import BaseModel, ValidationError

from schemas.envelope import Envelope
from schemas.registry import Registry, UnknownMessageType


class Thing(BaseModel):
    """A thing happened."""

    name: str


def test_envelope_round_trips_and_chains_causation() -> None:
    first = Envelope(
        type="thing.happened", source="test", issue="VB-1", user_id="u1", payload={"name": "Quyết định"}
    )
    assert first.correlation_id == first.id
    again = Envelope.from_bytes(first.to_bytes())
    assert again == first
    second = first.caused("thing.followed", "other", Thing(name="x"))
    assert (second.correlation_id, second.causation_id, second.issue) == (first.id, first.id, "VB-1")
    assert second.id != first.id


def test_envelope_refuses_naive_times_and_unknown_fields() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        Envelope(type="t", source="s", occurred_at="2026-01-01T00:00:00")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="Extra inputs"):
        Envelope.model_validate({"type": "t", "source": "s", "colour": "red"})


def test_registry_validates_and_exports(tmp_path: object) -> None:
    reg = Registry()
    reg.register("thing.happened", "lt.thing.evt.happened", Thing)
    assert reg.validate("thing.happened", 1, {"name": "a"}) == Thing(name="a")
    with pytest.raises(UnknownMessageType, match="'thing.other'"):
        reg.validate("thing.other", 1, {})
    with pytest.raises(ValidationError):
        reg.validate("thing.happened", 1, {"name": 3})
    with pytest.raises(ValueError, match="lt.<domain>"):
        reg.register("bad", "thing.happened", Thing)
    spec = reg.spec("thing.happened")
    assert spec.kind == "evt" and spec.json_schema()["description"] == "A thing happened."
    assert uuid.UUID(str(uuid.uuid4()))

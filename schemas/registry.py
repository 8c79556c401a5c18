"""Registry from message type (and version) to payload model and subject."""

from __future__ import annotations

import builtins
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=type[BaseModel])


class UnknownMessageType(LookupError):
    """No payload model is registered for this type and version."""


@dataclass(frozen=True)
class MessageSpec:
    """What the hub knows of one message type."""

    type: str
    version: int
    subject: str
    model: builtins.type[BaseModel]
    description: str

    @property
    def kind(self) -> str:
        return self.subject.split(".")[2]

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = self.model.model_json_schema()
        schema["title"] = f"{self.type} v{self.version}"
        schema["x-subject"] = self.subject
        schema["x-kind"] = self.kind
        if self.description:
            schema["description"] = self.description
        return schema


class Registry:
    """Message types known to this process."""

    def __init__(self) -> None:
        self._specs: dict[tuple[str, int], MessageSpec] = {}

    def register(self, type: str, subject: str, model: type[BaseModel], version: int = 1) -> MessageSpec:
        parts = subject.split(".")
        if len(parts) < 4 or parts[0] != "lt" or parts[2] not in ("evt", "cmd"):
            raise ValueError(f"subject {subject!r} of {type!r} must read lt.<domain>.<evt|cmd>.<name>")
        key = (type, version)
        existing = self._specs.get(key)
        if existing is not None and existing.model is not model:
            raise ValueError(f"message type {type!r} v{version} is already registered to {existing.model}")
        doc = (model.__doc__ or "").strip().splitlines()
        spec = MessageSpec(type, version, subject, model, doc[0] if doc else "")
        self._specs[key] = spec
        return spec

    def spec(self, type: str, version: int = 1) -> MessageSpec:
        try:
            return self._specs[(type, version)]
        except KeyError:
            raise UnknownMessageType(f"unknown message type {type!r} version {version}") from None

    def validate(self, type: str, version: int, payload: dict[str, Any]) -> BaseModel:
        """Validate a payload against its registered model; raises UnknownMessageType or ValidationError."""
        model: BaseModel = self.spec(type, version).model.model_validate(payload)
        return model

    def __iter__(self) -> Iterator[MessageSpec]:
        return iter(sorted(self._specs.values(), key=lambda s: (s.type, s.version)))

    def __contains__(self, key: object) -> bool:
        return key in self._specs

    def export(self, folder: Path) -> list[Path]:
        """Write one JSON Schema file per registered type; return the paths written."""
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for spec in self:
            path = folder / f"{spec.type}.v{spec.version}.schema.json"
            path.write_text(json.dumps(spec.json_schema(), ensure_ascii=False, indent=2) + "\n")
            written.append(path)
        return written


registry = Registry()


def message_type(type: str, subject: str, version: int = 1) -> Callable[[M], M]:
    """Class decorator that registers a payload model for a message type."""

    def decorate(model: M) -> M:
        registry.register(type, subject, model, version)
        return model

    return decorate


__all__ = ["MessageSpec", "Registry", "UnknownMessageType", "ValidationError", "message_type", "registry"]

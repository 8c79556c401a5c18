"""Canonical messages of Lienthong: the envelope, payload models and the type registry."""

from schemas.envelope import ClaimCheck, Envelope
from schemas.registry import MessageSpec, UnknownMessageType, message_type, registry

__all__ = ["ClaimCheck", "Envelope", "MessageSpec", "UnknownMessageType", "message_type", "registry"]

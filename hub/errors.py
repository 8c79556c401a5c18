"""How a handler tells the hub what went wrong: retry it, or dead-letter it."""

from __future__ import annotations

from pydantic import ValidationError

from schemas.registry import UnknownMessageType


class HubError(Exception):
    """Base of the hub's own errors."""


class PermanentError(HubError):
    """Retrying cannot help (bad data, bad signature, a 4xx answer): dead-letter and term."""


class TransientError(HubError):
    """Worth retrying later (timeout, connection lost, 5xx, SOAP server fault): nak with a delay."""


class DomainError(PermanentError):
    """A business rule refused the request; `message` is Vietnamese and shown to the person as is.

    Domain services raise it (never `HTTPException`): on the bus it is permanent (dead-lettered), in
    the API `hub.web` answers it with `status` and `{"detail": message}`.
    """

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Invalid(DomainError):
    """The request breaks a rule (422): a field, a state or a date that is not allowed."""

    status = 422


class Forbidden(DomainError):
    """The person's role or unit does not allow it (403)."""

    status = 403


class NotFound(DomainError):
    """No such object, or none this person may see (404: the two are not told apart)."""

    status = 404


class Conflict(DomainError):
    """The object is not in a state that allows it, or it already exists (409)."""

    status = 409


class ClaimCheckError(PermanentError):
    """Claim-checked content is missing or does not match its sha256."""


PERMANENT = (PermanentError, ValidationError, UnknownMessageType)


def is_permanent(exc: BaseException) -> bool:
    """Permanent errors go to the DLQ at once; anything else is retried until deliveries run out."""
    return isinstance(exc, PERMANENT)


def describe(exc: BaseException) -> str:
    """A one-paragraph description of an error for the DLQ and the journal."""
    if isinstance(exc, ValidationError):
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in exc.errors()[:20]
        )
        return f"validation failed for {exc.title}: {problems}"
    text = str(exc) or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {text}"

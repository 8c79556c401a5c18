"""Typed failures of the national axis, so the bus layer can nak (transient) or dead-letter (rejected)."""

from __future__ import annotations

AUTH_ERROR_PREFIX = "AUTH_"


class VdxpError(Exception):
    """Any failure talking to the national axis."""

    def __init__(self, operation: str, message: str) -> None:
        super().__init__(f"{operation}: {message}")
        self.operation = operation


class VdxpTransientError(VdxpError):
    """Worth retrying later: connection failure, timeout, HTTP 5xx or 429, unreadable reply.

    `may_have_reached_server` is True when the request may have been processed (read timeout,
    HTTP 500), so a retried sendEdoc could deliver twice.
    """

    def __init__(
        self,
        operation: str,
        message: str,
        *,
        http_status: int | None = None,
        may_have_reached_server: bool = False,
    ) -> None:
        super().__init__(operation, message)
        self.http_status = http_status
        self.may_have_reached_server = may_have_reached_server


class VdxpCircuitOpenError(VdxpTransientError):
    """The circuit breaker is open: the axis failed repeatedly and is not called for a while."""

    def __init__(self, operation: str, retry_after: float) -> None:
        super().__init__(operation, f"circuit open, next probe in {retry_after:.1f} s")
        self.retry_after = retry_after


class VdxpRejectedError(VdxpError):
    """The axis refused the call (status FAIL or HTTP 4xx); retrying the same request will not help."""

    def __init__(
        self, operation: str, error_code: str, error_desc: str, *, http_status: int | None = None
    ) -> None:
        super().__init__(operation, f"rejected [{error_code}] {error_desc}")
        self.error_code = error_code
        self.error_desc = error_desc
        self.http_status = http_status

    @property
    def is_auth_error(self) -> bool:
        """True when the refusal is about credentials or the header signature."""
        return self.error_code.upper().startswith(AUTH_ERROR_PREFIX) or self.http_status in (401, 403)

"""Typed errors of the LGSP axis, shared by the client, the SOAP server core and the backends."""

from __future__ import annotations


class LgspError(Exception):
    """An LGSP call failed; `code` is the FaultDetail code (e.g. AUTHENTICATION_FAILED)."""

    def __init__(self, message: str, code: str = "ERROR") -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class LgspPermanentError(LgspError):
    """The request itself is wrong (SOAP Client fault): retrying it unchanged cannot succeed."""

    def __init__(self, message: str, code: str = "INVALID_REQUEST") -> None:
        super().__init__(message, code)


class LgspAuthenticationError(LgspPermanentError):
    """The organisation id or token was refused."""

    def __init__(self, message: str = "unknown organisation or wrong token") -> None:
        super().__init__(message, "AUTHENTICATION_FAILED")


class LgspNotFoundError(LgspPermanentError):
    """The document does not exist or is not visible to the caller."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "NOT_FOUND")


class LgspTransientError(LgspError):
    """A technical failure (SOAP Server fault, timeout, connection): the same call may succeed later."""

    def __init__(self, message: str, code: str = "UNAVAILABLE") -> None:
        super().__init__(message, code)

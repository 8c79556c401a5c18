"""Errors raised by the edXML codec: each names the problem, the field and whether the sender is known."""

from __future__ import annotations


class EdxmlError(ValueError):
    """Refuse an edXML message; `field` names the element, `sender` the From/OrganId when it was read."""

    def __init__(self, problem: str, *, field: str | None = None, sender: str | None = None) -> None:
        self.problem = problem
        self.field = field
        self.sender = sender
        super().__init__(problem)

    @property
    def sender_known(self) -> bool:
        """Tell whether the sender is known, so the caller can answer with a 02 rejection status."""
        return bool(self.sender)

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        who = f" (sender {self.sender})" if self.sender else " (sender unknown)"
        return f"{where}{self.problem}{who}"


class MalformedXmlError(EdxmlError):
    """The bytes are not well-formed XML."""


class EntityReferenceError(MalformedXmlError):
    """The XML refers to an entity it never declared (no entity may be used at all)."""


class UnsafeXmlError(EdxmlError):
    """The XML uses a DOCTYPE, entities or another construct refused for safety."""


class MessageTooLargeError(EdxmlError):
    """The message or one attachment exceeds the configured size limit."""


class XmlLimitError(MessageTooLargeError):
    """The XML's structure exceeds a limit of `XmlLimits` (depth, elements, attributes, text, attachments);
    `field` is the limit's name, `limit:<name>`."""


class NotEdxmlError(EdxmlError):
    """The document is XML but not an edXML message of the expected kind."""


class MissingFieldError(EdxmlError):
    """A required element is absent or empty."""


class InvalidFieldError(EdxmlError):
    """An element holds a value of the wrong format, range or length."""


class DuplicateRecipientError(InvalidFieldError):
    """Two To elements carry the same OrganId."""


class AttachmentError(EdxmlError):
    """An attachment is inconsistent with the manifest or cannot be decoded."""


class InvalidBase64Error(AttachmentError):
    """ContentTransferEncoded is not valid base64."""


class ManifestMismatchError(AttachmentError):
    """An attachment has no manifest Reference, or a Reference has no attachment."""


class SignatureError(EdxmlError):
    """The XML signature is missing, misplaced, untrusted or does not verify."""


class MissingSignatureError(SignatureError):
    """The message carries no Signature element."""


class InvalidSignatureError(SignatureError):
    """The signature does not verify, or covers something other than the whole message."""


class UntrustedSignerError(SignatureError):
    """The signer's certificate does not chain to a configured trust anchor."""


class WeakAlgorithmError(SignatureError):
    """The signature uses an algorithm (SHA-1) that is not allowed by configuration."""

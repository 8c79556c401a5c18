"""Read the routing fields of an edXML message (sender, receivers, kind) with the hardened parser.

Deliberately minimal, and no validation: routing only needs From, To and ResponseFor (the simulators
also keep Subject and Code for their sent lists). Full parsing and validation are `parse.py` and
`stream.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lxml import etree

from schemas.edxml.errors import EdxmlError
from schemas.edxml.xmlsafe import MAX_XML_BYTES, parse_xml

PeekedKind = Literal["edoc", "status"]


class EdxmlPeekError(ValueError):
    """The bytes are not an edXML message that can be routed; the message says what is wrong."""


@dataclass(frozen=True)
class EdxmlSummary:
    """The routing view of an edXML message."""

    message_type: PeekedKind
    sender_id: str | None
    to_ids: tuple[str, ...] = ()
    response_for_id: str | None = None
    document_id: str | None = None  # the edoc's DocumentId, or ResponseFor/DocumentId of a status
    subject: str | None = None
    notation: str | None = None  # CodeNumber/CodeNotation, e.g. 125/SKHĐT-TH
    status_code: str | None = None

    @property
    def receiver_ids(self) -> tuple[str, ...]:
        """Who the message goes to: the To organisations of an edoc, the ResponseFor one of a status."""
        if self.message_type == "status":
            return (self.response_for_id,) if self.response_for_id else ()
        return self.to_ids


def _local(node: etree._Element) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _child(parent: etree._Element | None, name: str) -> etree._Element | None:
    if parent is None:
        return None
    return next((node for node in parent if _local(node) == name), None)


def _text(parent: etree._Element | None, name: str) -> str | None:
    node = _child(parent, name)
    value = (node.text or "").strip() if node is not None else ""
    return value or None


def _notation(header: etree._Element) -> str | None:
    code = _child(header, "Code")
    number, notation = _text(code, "CodeNumber"), _text(code, "CodeNotation")
    return f"{number}/{notation}" if number and notation else notation or number


def _message_header(data: bytes, max_size: int) -> etree._Element:
    try:
        root = parse_xml(data, max_size=max_size)
    except EdxmlError as exc:
        raise EdxmlPeekError(exc.problem) from None
    if _local(root) != "edXML":
        raise EdxmlPeekError(f"root element is {_local(root) or root.tag!r}, not edXML")
    header = _child(_child(_child(root, "edXMLEnvelope"), "edXMLHeader"), "MessageHeader")
    if header is None:
        raise EdxmlPeekError("edXML message has no edXMLEnvelope/edXMLHeader/MessageHeader")
    return header


def peek_edxml(data: bytes, *, max_size: int = MAX_XML_BYTES) -> EdxmlSummary:
    """Return sender, receivers and kind of an edXML message, or raise EdxmlPeekError."""
    header = _message_header(data, max_size)
    sender = _text(_child(header, "From"), "OrganId")
    status_code = _text(header, "StatusCode")
    if _child(header, "StatusCode") is not None:
        response_for = _child(header, "ResponseFor")
        return EdxmlSummary(
            "status",
            sender,
            response_for_id=_text(response_for, "OrganId"),
            document_id=_text(response_for, "DocumentId"),
            status_code=status_code,
        )
    to_ids = (_text(node, "OrganId") for node in header if _local(node) == "To")
    return EdxmlSummary(
        "edoc",
        sender,
        to_ids=tuple(dict.fromkeys(value for value in to_ids if value is not None)),
        document_id=_text(header, "DocumentId"),
        subject=_text(header, "Subject"),
        notation=_notation(header),
    )

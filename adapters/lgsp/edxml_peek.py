"""Read the routing fields of an edXML message (sender, receivers, kind) with the hardened parser.

This is deliberately minimal: routing on the axis only needs From, To and ResponseFor. Full parsing and
validation belong to the edXML codec in `schemas/edxml/`.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from adapters.lgsp.models import MessageType
from adapters.lgsp.xmlsafe import DEFAULT_MAX_BYTES, UnsafeXmlError, parse_xml

EDXML_NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"


class EdxmlPeekError(ValueError):
    """The bytes are not an edXML message we can route; the message says what is wrong."""


@dataclass(frozen=True)
class EdxmlSummary:
    """The routing view of an edXML message."""

    message_type: MessageType
    sender_id: str | None
    receiver_ids: tuple[str, ...]
    document_id: str | None  # the edXML DocumentId (edoc) or ResponseFor/DocumentId (status)


def _local(node: etree._Element) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _child(parent: etree._Element | None, name: str) -> etree._Element | None:
    if parent is None:
        return None
    return next((node for node in parent if _local(node) == name), None)


def _children(parent: etree._Element, name: str) -> list[etree._Element]:
    return [node for node in parent if _local(node) == name]


def _text(parent: etree._Element | None, name: str) -> str | None:
    node = _child(parent, name)
    value = (node.text or "").strip() if node is not None else ""
    return value or None


def peek_edxml(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> EdxmlSummary:
    """Return sender, receivers and kind of an edXML message, or raise EdxmlPeekError."""
    try:
        root = parse_xml(data, max_bytes=max_bytes, what="edXML message")
    except UnsafeXmlError as exc:
        raise EdxmlPeekError(exc.message) from None
    if _local(root) != "edXML":
        raise EdxmlPeekError(f"root element is {_local(root) or root.tag!r}, not edXML")
    header = _child(_child(_child(root, "edXMLEnvelope"), "edXMLHeader"), "MessageHeader")
    if header is None:
        raise EdxmlPeekError("edXML message has no edXMLEnvelope/edXMLHeader/MessageHeader")
    sender = _text(_child(header, "From"), "OrganId")
    if _child(header, "StatusCode") is not None:
        response_for = _child(header, "ResponseFor")
        receiver = _text(response_for, "OrganId")
        return EdxmlSummary(
            MessageType.STATUS,
            sender,
            (receiver,) if receiver else (),
            _text(response_for, "DocumentId"),
        )
    receivers = tuple(
        value for value in (_text(node, "OrganId") for node in _children(header, "To")) if value is not None
    )
    return EdxmlSummary(MessageType.EDOC, sender, receivers, _text(header, "DocumentId"))

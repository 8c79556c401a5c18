"""The one hardened XML parser of the hub: no DTD, no entities, no network, one size limit.

Every untrusted XML goes through here: edXML (parse, stream, XML-DSig), the SOAP requests of the LGSP
server, the bodies the two axis simulators accept. Refusals are `EdxmlError` kinds:
`MessageTooLargeError` (over `MAX_XML_BYTES`), `UnsafeXmlError` (DOCTYPE, entity declarations),
`EntityReferenceError` (an undeclared entity), `MalformedXmlError` (anything else not well-formed).
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from lxml import etree

from schemas.edxml.codes import EDXML_NS
from schemas.edxml.content import DEFAULT_MAX_ATTACHMENT_SIZE
from schemas.edxml.errors import (
    EdxmlError,
    EntityReferenceError,
    MalformedXmlError,
    MessageTooLargeError,
    UnsafeXmlError,
    XmlLimitError,
)

MAX_XML_BYTES = 100 * 1024 * 1024
"""The largest XML document the hub reads (an edXML with its attachments, or a SOAP request)."""

LIBXML2_MAX_DEPTH = 2048
"""The depth libxml2 refuses itself with huge_tree; `XmlLimits.max_depth` must stay below it."""
_ATTACHMENT_PATH = ["edXML", "AttachmentEncoded", "Attachment"]
_CONTENT_PATH = [*_ATTACHMENT_PATH, "ContentTransferEncoded"]


@dataclass(frozen=True)
class XmlLimits:
    """Every limit an edXML must stay within: the one definition used by the tree parser and the stream.

    Sizes of text and attribute values are in characters, as the parser reports them. The content of
    an attachment (`AttachmentEncoded/Attachment/ContentTransferEncoded`) is bounded by
    `max_attachment_size` (decoded bytes) and `max_size`, not by `max_text_size`.
    """

    max_size: int = MAX_XML_BYTES
    max_depth: int = 64
    max_elements: int = 100_000
    max_attributes: int = 32
    max_attribute_size: int = 16 * 1024
    max_text_size: int = 1024 * 1024
    max_attachments: int = 200
    max_attachment_size: int = DEFAULT_MAX_ATTACHMENT_SIZE

    def __post_init__(self) -> None:
        if not 0 < self.max_depth < LIBXML2_MAX_DEPTH:
            raise ValueError(f"max_depth must be between 1 and {LIBXML2_MAX_DEPTH - 1}")


def limit_refusal(name: str, problem: str) -> XmlLimitError:
    """The refusal of one exceeded limit: the same kind and field whichever parser found it."""
    return XmlLimitError(problem, field=f"limit:{name}")


def attachment_too_large(size: int, limit: int, field: str) -> MessageTooLargeError:
    """The refusal of an attachment whose decoded content exceeds `limit` bytes."""
    return MessageTooLargeError(
        f"attachment is at least {size} bytes, the limit is {limit} bytes", field=field
    )


class LimitCounter:
    """Count structure as a parser reports it, in document order; raise on the first limit exceeded.

    Both the tree check (`check_tree`) and the streaming target feed it the same events (start,
    character data, end), so a message is refused for the same reason by either path.
    """

    def __init__(self, limits: XmlLimits) -> None:
        self.limits = limits
        self.path: list[str] = []
        self.elements = 0
        self.attachments = 0
        self.text = 0

    def start(self, tag: str, attrib: Mapping[Any, Any]) -> None:
        """An element starts: check depth, element count, attributes and the attachment count."""
        limits = self.limits
        qname = etree.QName(tag)
        self.path.append(qname.localname if qname.namespace in (EDXML_NS, None) else "")
        self.text = 0
        if len(self.path) > limits.max_depth:
            raise _too_deep(limits.max_depth)
        self.elements += 1
        if self.elements > limits.max_elements:
            raise limit_refusal("elements", f"more than {limits.max_elements} elements")
        if len(attrib) > limits.max_attributes:
            raise limit_refusal("attributes", f"an element has more than {limits.max_attributes} attributes")
        if any(len(value) > limits.max_attribute_size for value in attrib.values()):
            raise limit_refusal(
                "attribute_size", f"an attribute value is longer than {limits.max_attribute_size} characters"
            )
        if self.path == _ATTACHMENT_PATH:
            self.attachments += 1
            if self.attachments > limits.max_attachments:
                raise limit_refusal("attachments", f"more than {limits.max_attachments} attachments")

    def data(self, size: int) -> None:
        """Character data: a text run other than attachment content must stay under max_text_size."""
        if self.path == _CONTENT_PATH:
            return
        self.text += size
        if self.text > self.limits.max_text_size:
            raise limit_refusal("text_size", f"a text is longer than {self.limits.max_text_size} characters")

    def end(self) -> None:
        """An element ends: what follows is a new text run of the parent."""
        self.path.pop()
        self.text = 0


def check_tree(root: etree._Element, limits: XmlLimits) -> None:
    """Check a parsed tree against the limits, visiting it in the order a streaming parser reports it."""
    counter = LimitCounter(limits)
    for event, element in etree.iterwalk(root, events=("start", "end")):
        if not isinstance(element.tag, str):
            continue
        if event == "start":
            counter.start(element.tag, element.attrib)
            if element.text:
                counter.data(len(element.text))
        else:
            counter.end()
            if element.tail and element is not root:
                counter.data(len(element.tail))


DOCTYPE_REFUSED = "DOCTYPE (DTD) and entity declarations are not allowed"
_PROLOG_SCAN = 4096
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def hardened_parser(*, huge_tree: bool = True, target: object | None = None) -> etree.XMLParser:
    """Return an lxml parser that never loads DTDs, resolves entities or touches the network.

    `huge_tree` lets base64 attachments be text nodes larger than libxml2's 10 MB default; the size
    limit is `MAX_XML_BYTES`, checked before parsing. `target` receives parser events (streaming).
    """
    return etree.XMLParser(
        target=cast(Any, target),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=huge_tree,
        remove_pis=True,
        remove_comments=True,
    )


def _prolog_text(head: bytes) -> bytes:
    """The first bytes as UTF-8-compatible text: a UTF-16 document (with its BOM) is decoded first."""
    for bom in _UTF16_BOMS:
        if head.startswith(bom):
            encoding = "utf-16-le" if bom == codecs.BOM_UTF16_LE else "utf-16-be"
            return head[len(bom) :].decode(encoding, "ignore").encode("utf-8")
    return head[3:] if head.startswith(codecs.BOM_UTF8) else head


def check_prolog(head: bytes) -> None:
    """Refuse a DOCTYPE or stray bytes before the root element, looking at the first bytes only."""
    text = _prolog_text(head[:_PROLOG_SCAN])
    pos = 0
    while pos < len(text):
        ch = text[pos : pos + 1]
        if ch.isspace():
            pos += 1
        elif text.startswith(b"<?", pos) or text.startswith(b"<!--", pos):
            closing = b"?>" if text.startswith(b"<?", pos) else b"-->"
            end = text.find(closing, pos)
            if end < 0:
                return
            pos = end + len(closing)
        elif text.startswith(b"<!", pos):
            raise UnsafeXmlError(DOCTYPE_REFUSED, field="<!DOCTYPE>")
        elif ch == b"<":
            return
        else:
            stray = text[pos : pos + 16].decode("utf-8", "replace")
            raise MalformedXmlError(
                f"not well-formed XML: stray content {stray!r} before the XML declaration or root element"
            )


def check_size(size: int, max_size: int = MAX_XML_BYTES) -> None:
    """Refuse a message larger than max_size bytes."""
    if size > max_size:
        raise MessageTooLargeError(f"message is {size} bytes, the limit is {max_size} bytes")


def _too_deep(max_depth: int) -> XmlLimitError:
    return limit_refusal("depth", f"elements are nested deeper than {max_depth} levels")


def syntax_refusal(exc: Exception, limits: XmlLimits | None = None) -> EdxmlError:
    """The refusal for a syntax error of lxml: too deep, an undeclared entity, or not well-formed XML."""
    text = str(exc)
    if "excessive depth" in text.lower():
        return _too_deep((limits or XmlLimits()).max_depth)
    if "entity" in text.lower():
        return EntityReferenceError(f"XML entities are not allowed (not well-formed XML: {text})")
    return MalformedXmlError(f"not well-formed XML: {text}")


def parse_xml(data: bytes, *, max_size: int | None = None, limits: XmlLimits | None = None) -> etree._Element:
    """Parse bytes into an element tree with the hardened parser, refusing unsafe or oversized input.

    With `limits` the tree is also checked against them (edXML); `max_size` alone bounds the bytes.
    """
    if max_size is None:
        max_size = limits.max_size if limits is not None else MAX_XML_BYTES
    check_size(len(data), max_size)
    if not data.strip():
        raise MalformedXmlError("not well-formed XML: the document is empty")
    check_prolog(data)
    try:
        root = etree.fromstring(data, parser=hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise syntax_refusal(exc, limits) from exc
    docinfo: Any = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UnsafeXmlError(DOCTYPE_REFUSED, field="<!DOCTYPE>")
    for node in root.iter(etree.Entity):
        raise UnsafeXmlError(f"entity reference {node.text} is not allowed")
    if limits is not None:
        check_tree(root, limits)
    return root

"""Hardened XML parsing: no DTD, no entities, no network, bounded size."""

from __future__ import annotations

from typing import Any

from lxml import etree

from schemas.edxml.errors import MalformedXmlError, MessageTooLargeError, UnsafeXmlError

DEFAULT_MAX_SIZE = 100 * 1024 * 1024
_PROLOG_SCAN = 4096


def hardened_parser(*, huge_tree: bool = True) -> etree.XMLParser:
    """Return an lxml parser that never loads DTDs, resolves entities or touches the network."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=huge_tree,
        remove_pis=True,
        remove_comments=True,
    )


def check_prolog(head: bytes) -> None:
    """Refuse a DOCTYPE or stray bytes before the root element, looking at the first bytes only."""
    text = head[:_PROLOG_SCAN]
    pos = 3 if text.startswith(b"\xef\xbb\xbf") else 0
    while pos < len(text):
        ch = text[pos : pos + 1]
        if ch.isspace():
            pos += 1
        elif text.startswith(b"<?", pos):
            end = text.find(b"?>", pos)
            if end < 0:
                return
            pos = end + 2
        elif text.startswith(b"<!--", pos):
            end = text.find(b"-->", pos)
            if end < 0:
                return
            pos = end + 3
        elif text.startswith(b"<!", pos):
            raise UnsafeXmlError("DOCTYPE and entity declarations are not allowed", field="<!DOCTYPE>")
        elif ch == b"<":
            return
        else:
            stray = text[pos : pos + 16].decode("utf-8", "replace")
            raise MalformedXmlError(
                f"not well-formed XML: stray content {stray!r} before the XML declaration or root element"
            )


def check_size(size: int, max_size: int) -> None:
    """Refuse a message larger than max_size bytes."""
    if size > max_size:
        raise MessageTooLargeError(f"message is {size} bytes, the limit is {max_size} bytes")


def parse_xml(data: bytes, *, max_size: int = DEFAULT_MAX_SIZE) -> etree._Element:
    """Parse bytes into an element tree with the hardened parser, refusing unsafe or oversized input."""
    check_size(len(data), max_size)
    check_prolog(data)
    try:
        root = etree.fromstring(data, parser=hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise MalformedXmlError(f"not well-formed XML: {exc}") from exc
    docinfo: Any = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise UnsafeXmlError("DOCTYPE and entity declarations are not allowed", field="<!DOCTYPE>")
    for node in root.iter(etree.Entity):
        raise UnsafeXmlError(f"entity reference {node.text} is not allowed")
    return root

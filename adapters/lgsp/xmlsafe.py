"""Parse untrusted XML safely: no DTD, no entities, no network, bounded size."""

from __future__ import annotations

from typing import Any

from lxml import etree

DEFAULT_MAX_BYTES = 64 * 1024 * 1024


class UnsafeXmlError(ValueError):
    """The XML was refused; `code` says why (MALFORMED_XML, FORBIDDEN_XML or TOO_LARGE)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def hardened_parser() -> etree.XMLParser:
    """Return an lxml parser that never loads DTDs, expands entities or touches the network."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=True,  # base64 payloads are single text nodes larger than libxml2's 10 MB default
        collect_ids=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, what: str = "XML document"
) -> etree._Element:
    """Parse `data` and return its root element, or raise UnsafeXmlError naming the problem."""
    if len(data) > max_bytes:
        raise UnsafeXmlError(
            "TOO_LARGE", f"{what} is {len(data)} bytes, more than the limit of {max_bytes} bytes"
        )
    if not data.strip():
        raise UnsafeXmlError("MALFORMED_XML", f"{what} is empty")
    try:
        root = etree.fromstring(data, hardened_parser())
    except etree.XMLSyntaxError as exc:
        text = str(exc)
        if "entit" in text.lower():
            raise UnsafeXmlError(
                "FORBIDDEN_XML", f"{what} declares or uses XML entities, which are not allowed ({text})"
            ) from None
        raise UnsafeXmlError("MALFORMED_XML", f"{what} is not well-formed XML: {text}") from None
    docinfo: Any = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UnsafeXmlError(
            "FORBIDDEN_XML", f"{what} contains a document type declaration (DTD), which is not allowed"
        )
    return root

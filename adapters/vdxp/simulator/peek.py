"""Read the few routing fields the simulator needs from an edXML message, with a hardened parser."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

MAX_PEEK_BYTES = 64 * 1024 * 1024


class EdxmlPeekError(ValueError):
    """The body is not acceptable edXML (malformed, DTD or entities, too large, no routing fields)."""


@dataclass(frozen=True)
class EdxmlSummary:
    """Routing facts of one message: who sent it, to whom, what it is."""

    from_code: str | None
    to_codes: list[str] = field(default_factory=list)
    response_for_code: str | None = None
    subject: str | None = None
    notation: str | None = None
    status_code: str | None = None


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
    )


def _texts(root: etree._Element, path: str) -> list[str]:
    steps = "/".join(f"*[local-name()='{step}']" for step in path.split("/"))
    found = root.xpath(f"//*[local-name()='MessageHeader']/{steps}/text()")
    return [str(t).strip() for t in found if str(t).strip()] if isinstance(found, list) else []


def _first(root: etree._Element, path: str) -> str | None:
    values = _texts(root, path)
    return values[0] if values else None


def peek_edxml(data: bytes, max_bytes: int = MAX_PEEK_BYTES) -> EdxmlSummary:
    """Parse `data` without DTDs or entity expansion and return its routing summary."""
    if len(data) > max_bytes:
        raise EdxmlPeekError(f"edXML of {len(data)} bytes exceeds the limit of {max_bytes} bytes")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise EdxmlPeekError("edXML must not contain a DTD or entity declarations")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise EdxmlPeekError(f"edXML is not well-formed XML: {exc}") from None
    if getattr(root.getroottree().docinfo, "doctype", ""):
        raise EdxmlPeekError("edXML must not contain a DTD or entity declarations")
    if etree.QName(root).localname != "edXML":
        raise EdxmlPeekError(f"root element is {etree.QName(root).localname!r}, expected 'edXML'")
    number, notation = _first(root, "Code/CodeNumber"), _first(root, "Code/CodeNotation")
    return EdxmlSummary(
        from_code=_first(root, "From/OrganId"),
        to_codes=list(dict.fromkeys(_texts(root, "To/OrganId"))),
        response_for_code=_first(root, "ResponseFor/OrganId"),
        subject=_first(root, "Subject"),
        notation=f"{number}/{notation}" if number and notation else notation or number,
        status_code=_first(root, "StatusCode"),
    )

"""One set of limits (xmlsafe.XmlLimits) for the tree parser and the stream: same refusal, same reason."""

from __future__ import annotations

from dataclasses import replace

import pytest
from lxml import etree

from adapters.axis import reasons
from schemas.edxml import EdxmlError, MemorySink, ParseOptions, parse_edoc, stream_edoc
from schemas.edxml.xmlsafe import XmlLimits

_CONTENT = "ContentTransferEncoded"


def _measure(data: bytes) -> dict[str, int]:
    """The message's own value of every limit, so a limit can be set exactly at it or one below."""
    root = etree.fromstring(data)
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    texts = [
        len(t)
        for e in elements
        for t in ((e.text if etree.QName(e).localname != _CONTENT else None), e.tail)
        if t and e is not root
    ]
    decoded = parse_edoc(data).attachments
    return {
        "max_size": len(data),
        "max_depth": max(len(list(e.iterancestors())) + 1 for e in elements),
        "max_elements": len(elements),
        "max_attributes": max(len(e.attrib) for e in elements),
        "max_attribute_size": max((len(v) for e in elements for v in e.attrib.values()), default=0),
        "max_text_size": max(texts),
        "max_attachments": len(decoded),
        "max_attachment_size": max(len(a.data) for a in decoded),
    }


def _options(name: str, value: int) -> ParseOptions:
    if name in ("max_size", "max_attachment_size"):
        return ParseOptions(**{name: value})  # type: ignore[arg-type]
    return ParseOptions(limits=replace(XmlLimits(), **{name: value}))


def _refusal(data: bytes, options: ParseOptions, how: str) -> EdxmlError | None:
    try:
        if how == "parse":
            parse_edoc(data, options)
        else:
            stream_edoc(data, MemorySink(), options)
    except EdxmlError as exc:
        return exc
    return None


LIMITS = [
    "max_size",
    "max_depth",
    "max_elements",
    "max_attributes",
    "max_attribute_size",
    "max_text_size",
    "max_attachments",
    "max_attachment_size",
]


@pytest.mark.parametrize("name", LIMITS)
def test_at_the_limit_accepted_one_over_refused_alike_by_parser_and_stream(
    name: str, edoc_bytes: bytes
) -> None:
    value = _measure(edoc_bytes)[name]
    assert value > 0, name
    for how in ("parse", "stream"):
        assert _refusal(edoc_bytes, _options(name, value), how) is None, (name, how)
    parsed = _refusal(edoc_bytes, _options(name, value - 1), "parse")
    streamed = _refusal(edoc_bytes, _options(name, value - 1), "stream")
    assert parsed is not None and streamed is not None, name
    assert (type(parsed), parsed.field, parsed.problem.split(",")[-1]) == (
        type(streamed),
        streamed.field,
        streamed.problem.split(",")[-1],
    )
    told = reasons.sentence(type(parsed).__name__, parsed.field)
    assert told == reasons.sentence(type(streamed).__name__, streamed.field)
    assert "vượt quá giới hạn tiếp nhận" in told


@pytest.mark.parametrize("depth", [65, 3000, 200_000])
def test_deep_nesting_is_refused_by_both_paths_with_the_same_reason(depth: int) -> None:
    body = b"<a>" * depth + b"</a>" * depth
    data = b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">' + body + b"</edXML>"
    found = []
    for how in ("parse", "stream"):
        refusal = _refusal(data, ParseOptions(), how)
        assert refusal is not None
        found.append((type(refusal).__name__, refusal.field, refusal.problem))
    assert (
        found[0]
        == found[1]
        == (
            "XmlLimitError",
            "limit:depth",
            "elements are nested deeper than 64 levels",
        )
    )
    assert reasons.sentence("XmlLimitError", "limit:depth").startswith("số cấp lồng nhau")


def test_attachment_content_is_not_bounded_by_the_text_limit(edoc_bytes: bytes) -> None:
    options = ParseOptions(limits=replace(XmlLimits(), max_text_size=_measure(edoc_bytes)["max_text_size"]))
    assert len(parse_edoc(edoc_bytes, options).attachments) == len(
        stream_edoc(edoc_bytes, MemorySink(), options).attachments
    )


def test_depth_limit_must_stay_under_libxml2s_own() -> None:
    with pytest.raises(ValueError, match="max_depth"):
        XmlLimits(max_depth=5000)

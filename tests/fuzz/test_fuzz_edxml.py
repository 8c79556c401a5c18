"""Fuzzing the edXML parser (hypothesis): no crash, no hang, bounded memory, every rejection an EdxmlError."""

from __future__ import annotations

import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.edxml import EdxmlError, MemorySink, ParseOptions, parse_message, stream_edoc
from tests.paths import EDXML_SAMPLES

SAMPLES = sorted(p.read_bytes() for p in EDXML_SAMPLES.glob("*.edxml") if "as-published" not in p.name)
STATUS = [s for s in SAMPLES if len(s) < 10_000]
OPTIONS = ParseOptions(max_size=2_000_000)
MEMORY_LIMIT = 64 * 1024 * 1024

HOSTILE_SNIPPETS = [
    b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
    b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    b"&e;",
    b"<![CDATA[",
    b"\x00",
    b"\xff\xfe",
    b"<Signature xmlns='http://www.w3.org/2000/09/xmldsig#'><SignedInfo/></Signature>",
    b"<edXML:To><edXML:OrganId>000.00.00.G22</edXML:OrganId></edXML:To>",
    b"<ContentTransferEncoded>!!!not base64!!!</ContentTransferEncoded>",
    b"</edXML:edXMLHeader>",
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    base = bytearray(draw(st.sampled_from(STATUS if draw(st.booleans()) else SAMPLES[:1] + STATUS)))
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "snippet", "dup"]))
        pos = draw(st.integers(0, max(len(base) - 1, 0)))
        if kind == "flip" and base:
            base[pos] = draw(st.integers(0, 255))
        elif kind == "cut":
            end = min(len(base), pos + draw(st.integers(1, 400)))
            del base[pos:end]
        elif kind == "insert":
            base[pos:pos] = draw(st.binary(min_size=1, max_size=40))
        elif kind == "snippet":
            base[pos:pos] = draw(st.sampled_from(HOSTILE_SNIPPETS))
        else:
            end = min(len(base), pos + draw(st.integers(1, 2000)))
            base[pos:pos] = base[pos:end] * draw(st.integers(2, 20))
    return bytes(base)


def _parse_within_limits(data: bytes) -> None:
    tracemalloc.start()
    try:
        try:
            parse_message(data, OPTIONS)
        except EdxmlError as exc:
            assert str(exc).strip(), "a rejection must say what is wrong"
        try:
            stream_edoc(data, MemorySink(), OPTIONS)
        except EdxmlError as exc:
            assert str(exc).strip()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_LIMIT + 40 * len(data), f"peak {peak} bytes for a {len(data)} byte input"


@pytest.mark.skipif(not SAMPLES, reason=f"official samples not found in {EDXML_SAMPLES}")
@settings(max_examples=250, deadline=5000, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(mutated())
def test_mutated_samples_parse_or_refuse_cleanly(data: bytes) -> None:
    _parse_within_limits(data)


@settings(max_examples=200, deadline=5000, database=None)
@given(st.binary(max_size=4096))
def test_random_bytes_are_refused_cleanly(data: bytes) -> None:
    _parse_within_limits(data)


@settings(max_examples=150, deadline=5000, database=None)
@given(
    st.recursive(
        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
        lambda children: st.lists(children, max_size=4).map(
            lambda items: (
                "<edXML:MessageHeader>"
                + "".join(f"<edXML:Subject>{i}</edXML:Subject>" for i in items)
                + "</edXML:MessageHeader>"
            )
        ),
        max_leaves=20,
    )
)
def test_generated_structures_are_refused_cleanly(inner: str) -> None:
    doc = (
        '<?xml version="1.0" encoding="UTF-8"?><edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016" '
        'xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXML:edXMLEnvelope><edXML:edXMLHeader>'
        f"{inner}</edXML:edXMLHeader></edXML:edXMLEnvelope></edXML>"
    )
    _parse_within_limits(doc.encode("utf-8", errors="replace"))

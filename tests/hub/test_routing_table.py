"""The routing table: predicates, wildcards and validation errors that name the line."""

from __future__ import annotations

import pytest

from hub.routing import RoutingTable, RoutingTableError, subject_matches
from schemas.envelope import Envelope


def env(subject: str = "lt.doc.evt.received", **payload: object) -> Envelope:
    return Envelope(type="document.received", source="vdxp", subject=subject, issue="VB-1", payload=payload)


@pytest.mark.parametrize(
    ("pattern", "subject", "expected"),
    [
        ("lt.doc.evt.received", "lt.doc.evt.received", True),
        ("lt.*.evt.received", "lt.doc.evt.received", True),
        ("lt.doc.>", "lt.doc.evt.received", True),
        ("lt.doc.>", "lt.doc", False),
        ("lt.*.evt", "lt.doc.evt.received", False),
        ("lt.doc.evt.received", "lt.doc.evt.sent", False),
    ],
)
def test_subject_wildcards(pattern: str, subject: str, expected: bool) -> None:
    assert subject_matches(pattern, subject) is expected


def test_predicates_on_payload_and_envelope_fields() -> None:
    table = RoutingTable.parse(
        """
routes:
  - name: urgent
    from: lt.doc.evt.>
    when:
      payload.priority: {in: ["Hỏa tốc", "Thượng khẩn"]}
      source: vdxp
    to: [lt.notify.cmd.sms]
  - name: big-and-named
    from: lt.*.evt.received
    when:
      payload.pages: {gt: 10}
      payload.sender.code: {matches: "^000\\\\.00\\\\."}
      payload.secret: {exists: false}
    to: [lt.archive.cmd.index, lt.notify.cmd.inapp]
"""
    )
    assert [d.destination for d in table.decide(env(priority="Hỏa tốc"))] == ["lt.notify.cmd.sms"]
    assert table.decide(env(priority="Thường")) == []
    hits = table.decide(env(pages=12, sender={"code": "000.00.00.G22"}))
    assert [d.destination for d in hits] == ["lt.archive.cmd.index", "lt.notify.cmd.inapp"]
    assert table.decide(env(pages=12, sender={"code": "000.00.00.G22"}, secret=True)) == []
    assert table.decide(env(pages="many", sender={"code": "000.00.00.G22"})) == []  # type mismatch: no match


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("routes:\n  - name: x\n    from: lt.doc.evt.a\n    to: []\n", 4, "at least 1 item"),
        ("routes:\n  - name: x\n    from: lt.doc.cmd.a\n    to: [lt.a.cmd.b]\n", 3, "routes take events"),
        (
            "routes:\n  - name: x\n    from: lt.doc.evt.a\n    when:\n      paylod.x: 1\n"
            "    to: [lt.a.cmd.b]\n",
            5,
            "unknown field 'paylod.x'",
        ),
        (
            "routes:\n  - name: x\n    from: lt.doc.evt.a\n    to: [lt.a.cmd.b]\n    colour: red\n",
            5,
            "Extra inputs",
        ),
        ("routes:\n  - name: x\n   from: [\n", 3, "not valid YAML"),
    ],
)
def test_errors_name_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(RoutingTableError) as info:
        RoutingTable.parse(text, "routes.yaml")
    assert f"routes.yaml:{line}:" in str(info.value) and words in str(info.value)


def test_duplicate_route_names_are_refused() -> None:
    text = "routes:\n" + "".join(
        f"  - name: same\n    from: lt.doc.evt.a\n    to: [lt.a.cmd.{i}]\n" for i in range(2)
    )
    with pytest.raises(RoutingTableError, match="'same' is used twice"):
        RoutingTable.parse(text)


def test_packaged_table_is_valid() -> None:
    assert RoutingTable.load().routes


@pytest.mark.parametrize(
    ("priority", "urgent"),
    [("Hỏa tốc hẹn giờ", True), ("Hỏa tốc", True), ("Thượng khẩn", True), ("Khẩn", False), ("Thường", False)],
)
def test_the_packaged_table_sends_the_most_urgent_assignments_at_once(priority: str, urgent: bool) -> None:
    """Hỏa tốc hẹn giờ is the most urgent level of all (Decree 30): it is told at assignment like Hỏa tốc."""
    assigned = env("lt.doc.evt.assigned", priority=priority, lead_unit_id="TH")
    destinations = [d.destination for d in RoutingTable.load().decide(assigned)]
    assert destinations == (["lt.notify.cmd.urgent"] if urgent else [])

"""The axes' receive states of an issued document reach its deliveries in our words: a recipient the
axis could not reach is marked failed, with the axis's reason in the document's history for the clerk,
and a late report of an earlier state does not undo a final one."""

from __future__ import annotations

from typing import Any

from hub.runtime import wait_for
from schemas.axis import AxisDeliveryChanged
from tests.adapters.signing.documents import decision_pdf
from tests.handlers.documents.conftest import SENDER, Office, StartOffice

UNKNOWN = "000.00.00.G99"
REASON = "Không gửi được: cơ quan nhận (mã 000.00.00.G99) không có trên trục liên thông thành phố (LGSP)"


async def _issued(office: Office) -> tuple[str, str]:
    """A document issued to two agencies over the axis: its id and its edXML DocumentId."""
    r = await office.post(
        "chuyenvien",
        "/api/documents/outgoing",
        json={
            "subject": "V/v báo cáo tình hình giải ngân",
            "document_type": "Công văn",
            "recipients": [
                {"code": SENDER, "name": "Văn phòng Chính phủ"},
                {"code": UNKNOWN, "name": "Bộ không có trên trục"},
            ],
        },
    )
    assert r.status_code == 201, r.text
    doc_id = r.json()["id"]
    files = {"file": ("du-thao.pdf", decision_pdf(), "application/pdf")}
    assert (
        await office.post("chuyenvien", f"/api/documents/{doc_id}/versions", files=files)
    ).status_code == 201
    r = await office.post("chuyenvien", f"/api/documents/{doc_id}/submit", json={"approvers": ["giamdoc"]})
    assert r.status_code == 200, r.text
    r = await office.post(
        "giamdoc", f"/api/documents/{doc_id}/approve", json={"otp": await office.code("giamdoc")}
    )
    assert (r.status_code, r.json()["status"]) == (200, "approved"), r.text
    r = await office.post("vanthu", f"/api/documents/{doc_id}/issue")
    assert r.status_code == 200, r.text
    await office.bus.wait("axis.send")
    [edoc_cmd] = [c for _, c in office.bus.seen["axis.send"] if c.message_type == "edoc"]
    assert edoc_cmd.edoc is not None
    return doc_id, edoc_cmd.edoc.message_header.document_id


async def _report(office: Office, edoc_id: str, to_code: str, state: str, why: str | None = None) -> None:
    await office.hub.publish(
        "axis.delivery_changed",
        AxisDeliveryChanged(
            axis="lgsp",
            sender_doc_id=f"s-{to_code}",
            to_code=to_code,
            receive_status=state,
            receive_status_desc=why,
            document_id=edoc_id,
        ),
        source="lgsp",
    )


async def _transports(office: Office, doc_id: str, wanted: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {}

    async def reached() -> bool:
        nonlocal body
        body = (await office.get("vanthu", f"/api/documents/{doc_id}")).json()
        return {d["to_code"]: d["transport"] for d in body["deliveries"]} == wanted

    assert await wait_for(reached, timeout=60), body.get("deliveries")
    return body


async def test_axis_receive_states_become_delivery_states_and_a_failure_tells_the_clerk_why(
    start_office: StartOffice,
) -> None:
    office = await start_office()
    doc_id, edoc_id = await _issued(office)
    await _transports(office, doc_id, {SENDER: "queued", UNKNOWN: "queued"})

    await _report(office, edoc_id, SENDER, "pending")
    await _report(office, edoc_id, UNKNOWN, "fail", REASON)
    body = await _transports(office, doc_id, {SENDER: "sent", UNKNOWN: "failed"})
    [failure] = [h for h in body["history"] if h["action"] == "delivery_failed"]
    assert failure["text"] == f"Không gửi được tới Bộ không có trên trục: {REASON}"

    await _report(office, edoc_id, SENDER, "done")
    await _transports(office, doc_id, {SENDER: "delivered", UNKNOWN: "failed"})

    # A late 'processing' of the delivered one, an unknown word and a repeated failure change nothing.
    await _report(office, edoc_id, SENDER, "processing")
    await _report(office, edoc_id, UNKNOWN, "lost-in-space")
    await _report(office, edoc_id, UNKNOWN, "fail", REASON)
    assert await wait_for(lambda: _drained(office), timeout=60)
    body = await _transports(office, doc_id, {SENDER: "delivered", UNKNOWN: "failed"})
    assert [h["text"] for h in body["history"] if h["action"] == "delivery_failed"] == [
        f"Không gửi được tới Bộ không có trên trục: {REASON}"
    ]


async def _drained(office: Office) -> bool:
    """Every event consumer has taken and acknowledged all it was given."""
    assert office.hub.js is not None
    consumers = await office.hub.js.consumers_info("EVENTS")
    return all(c.num_pending == 0 and c.num_ack_pending == 0 for c in consumers)

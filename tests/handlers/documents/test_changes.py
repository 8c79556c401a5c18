"""Requests of the sending agency: revoke (type 1 and status 13), update (type 2), replace (type 3),
answered 15 or 16 through the axis."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hub.runtime import wait_for
from schemas.axis import DocumentStatusChanged
from schemas.edxml import (
    BuildOptions,
    Bussiness,
    BussinessDocType,
    Code,
    EdocMessage,
    MessageHeader,
    Organization,
    ReplacementInfo,
    TraceHeaderList,
    build_edoc,
)
from tests.handlers.documents.conftest import (
    SENDER,
    US,
    Office,
    StartOffice,
    received_event,
    take_back_status,
)

ORIGINAL = f"{SENDER},2026/11/20,125/VPCP-KTTH"


def business_edoc(kind: BussinessDocType, number: str, subject: str, **business: object) -> bytes:
    header = MessageHeader(
        from_=Organization(organ_id=SENDER, organ_name="Văn phòng Chính phủ"),
        to=[Organization(organ_id=US)],
        document_id=f"{SENDER},2026/11/26,{number}/VPCP-KTTH",
        code=Code(code_number=number, code_notation="VPCP-KTTH"),
        subject=subject,
    )
    trace = TraceHeaderList(
        bussiness=Bussiness(bussiness_doc_type=kind, bussiness_doc_reason=kind.description, **business)  # type: ignore[arg-type]
    )
    return build_edoc(EdocMessage(message_header=header, trace_header_list=trace), BuildOptions())


async def _publish(office: Office, **kw: object) -> None:
    payload = await received_event(office.hub, **kw)  # type: ignore[arg-type]
    await office.hub.publish("document.received", payload, source="vdxp", issue=payload.document_id)


async def _doc(office: Office, doc_id: str) -> dict[str, object]:
    r = await office.get("vanthu", f"/api/documents/{doc_id}")
    assert r.status_code == 200
    data: dict[str, object] = r.json()
    return data


async def test_revocation_destroys_content_keeps_the_register_row_and_answers_15(
    start_office: StartOffice,
) -> None:
    office = await start_office()
    await _publish(office)
    [(_, registered)] = await office.bus.wait("document.registered")
    edxml = business_edoc(BussinessDocType.REVOKE, "130", "Thu hồi công văn 125", document_id=ORIGINAL)
    await _publish(office, number="130", business_type=1, edxml=edxml, response_for=ORIGINAL)
    await office.bus.wait("axis.send", 2)
    assert await office.bus.statuses(office.hub) == ["03", "15"]

    doc = await _doc(office, registered.document_id)
    assert (doc["status"], doc["number"], doc["attachments"]) == ("revoked", 1, [])
    assert "thu hồi" in str(doc["note"])
    r = await office.get("vanthu", "/api/documents", params={"q": "gop y du thao"})
    assert r.json()["total"] == 0  # metadata and text gone from search


async def test_update_changes_metadata_with_history_and_answers_15(start_office: StartOffice) -> None:
    office = await start_office()
    await _publish(office)
    [(_, registered)] = await office.bus.wait("document.registered")
    edxml = business_edoc(BussinessDocType.UPDATE, "125", "Cập nhật", document_id=ORIGINAL)
    due = date(2030, 6, 30)
    await _publish(
        office, business_type=2, edxml=edxml, subject="V/v góp ý dự thảo (bản sửa đổi)", due_date=due
    )
    await office.bus.wait("axis.send", 2)
    assert await office.bus.statuses(office.hub) == ["03", "15"]
    doc = await _doc(office, registered.document_id)
    assert doc["subject"] == "V/v góp ý dự thảo (bản sửa đổi)"
    # Not yet assigned: the sender's new DueDate is the deadline.
    assert (doc["due_date"], doc["deadline"]) == (due.isoformat(), due.isoformat())
    [updated] = [h for h in doc["history"] if h["action"] == "updated"]  # type: ignore[attr-defined]
    assert updated["detail"]["changes"]["subject"]["to"] == "V/v góp ý dự thảo (bản sửa đổi)"


async def test_replacement_registers_the_new_document_and_marks_the_old(start_office: StartOffice) -> None:
    office = await start_office()
    await _publish(office)
    [(_, old)] = await office.bus.wait("document.registered")
    edxml = business_edoc(
        BussinessDocType.REPLACE,
        "131",
        "Văn bản thay thế",
        replacement_info_list=[ReplacementInfo(document_id=ORIGINAL, organ_id_list=[US])],
    )
    await _publish(
        office, number="131", business_type=3, edxml=edxml, subject="Công văn thay thế công văn 125"
    )
    [_, (_, new)] = await office.bus.wait("document.registered", 2)
    assert new.so_den == 2
    await office.bus.wait("axis.send", 3)
    assert await office.bus.statuses(office.hub) == ["03", "03", "15"]
    assert (await _doc(office, old.document_id))["status"] == "replaced"


async def test_take_back_request_13_is_granted_before_completion_and_refused_after(
    start_office: StartOffice,
) -> None:
    office = await start_office()
    await _publish(office)
    await _publish(office, number="126")
    [(_, first), (_, second)] = await office.bus.wait("document.registered", 2)
    # The second one is handled to the end first.
    await office.post("giamdoc", f"/api/documents/{second.document_id}/assign", json={"lead_unit_id": "TH"})
    await office.post(
        "truongphongth", f"/api/documents/{second.document_id}/handlers", json={"officer_ids": ["chuyenvien"]}
    )
    await office.post("chuyenvien", f"/api/documents/{second.document_id}/processing", json={})
    r = await office.post("chuyenvien", f"/api/documents/{second.document_id}/complete", json={})
    assert r.status_code == 200
    await office.bus.wait("axis.send", 5)  # 03, 03, then 04, 05, 06 of the second

    for reg in (first, second):
        claim = await office.hub.claims.put(take_back_status(reg.edoc_document_id or "", reg.code or ""))
        await office.hub.publish(
            "document.status_changed",
            DocumentStatusChanged(
                axis="vdxp",
                axis_doc_id=f"st-{reg.so_den}",
                document_id=reg.edoc_document_id or "",
                document_owner=US,
                code=reg.code,
                from_code=SENDER,
                status_code="13",
                status_text="Văn thư yêu cầu lấy lại văn bản điện tử kèm lý do",
                description="Gửi nhầm",
                reported_at=datetime.now(UTC),
                edxml=claim,
            ),
            source="vdxp",
        )
    await office.bus.wait("axis.send", 7)
    statuses = await office.bus.statuses(office.hub)
    assert sorted(statuses[-2:]) == ["15", "16"]
    answers = {}
    for _, cmd in office.bus.seen["axis.send"][-2:]:
        answers[cmd.document_id] = await office.bus.statuses_of(office.hub, cmd)
    assert answers == {first.edoc_document_id: "15", second.edoc_document_id: "16"}

    async def revoked() -> bool:
        return (await _doc(office, first.document_id))["status"] == "revoked"

    assert await wait_for(revoked, timeout=30)
    assert (await _doc(office, second.document_id))["status"] == "completed"

"""Outgoing documents inside the agency and replies: a notice issued Hỏa tốc (hẹn giờ) to a unit reaches
its people (they may read it, find it among the documents sent to them and are told at the most urgent
level), nothing goes over the axis for them; recipients come from the agency directory and the org
chart; appendices travel with the document; the sender's DueDate is the deadline until a leader sets
one; issuing a reply completes the document it answers; other units' officers are kept out."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hub.runtime import Delivery, Hub, wait_for
from schemas.edxml import BuildOptions, Code, EdocMessage, MessageHeader, Organization
from schemas.edxml.build import build_edoc
from tests.handlers.documents.conftest import (
    SENDER,
    SENDER_NAME,
    US,
    Office,
    StartOffice,
    pdf_bytes,
    received_event,
)
from tests.support.fn_module import FnModule

PDF = "application/pdf"
DOCX_HEAD = b"PK\x03\x04" + b"\x00" * 60  # the first bytes of an Office Open XML file


class Notices:
    """The notify.requested commands the documents module sent (no notify adapter in these tests)."""

    def __init__(self) -> None:
        self.seen: list[Any] = []

    def module(self) -> FnModule:
        def setup(hub: Hub) -> None:
            @hub.consumer("test-doc-notices", "lt.notify.cmd.send", types=["notify.requested"])
            async def notice(d: Delivery) -> None:
                self.seen.append(d.payload)

        return FnModule("doc-notices", setup)


async def _draft(office: Office, who: str, **body: Any) -> str:
    r = await office.post(who, "/api/documents/outgoing", json=body)
    assert r.status_code == 201, r.text
    doc_id: str = r.json()["id"]
    r = await office.post(
        who, f"/api/documents/{doc_id}/versions", files={"file": ("tb.pdf", pdf_bytes(), PDF)}
    )
    assert r.status_code == 201, r.text
    return doc_id


async def _approve_and_issue(office: Office, doc_id: str, drafter: str) -> dict[str, Any]:
    r = await office.post(drafter, f"/api/documents/{doc_id}/submit", json={"approvers": ["giamdoc"]})
    assert r.status_code == 200, r.text
    otp = await office.code("giamdoc")
    r = await office.post("giamdoc", f"/api/documents/{doc_id}/approve", json={"otp": otp})
    assert (r.status_code, r.json()["status"]) == (200, "approved"), r.text
    r = await office.post("vanthu", f"/api/documents/{doc_id}/issue")
    assert r.status_code == 200, r.text
    issued: dict[str, Any] = r.json()
    return issued


async def test_an_internal_hoa_toc_notice_reaches_the_unit_and_nothing_goes_over_the_axis(
    start_office: StartOffice,
) -> None:
    notices = Notices()
    office = await start_office(modules=[notices.module()])
    doc_id = await _draft(
        office,
        "vanthu",
        subject="Thông báo họp khẩn về giải ngân vốn đầu tư công",
        document_type="Thông báo",
        priority="Hỏa tốc hẹn giờ",
        recipients=[{"unit_id": "TH"}, {"user_id": "chuyenvien2"}],
    )
    draft = (await office.get("vanthu", f"/api/documents/{doc_id}")).json()
    assert draft["recipients"] == [
        {"code": None, "name": "Phòng Tổng hợp, Quy hoạch", "unit_id": "TH", "user_id": None},
        {"code": None, "name": "Hoàng Văn Nam", "unit_id": None, "user_id": "chuyenvien2"},
    ]
    # Before it is issued, the unit it is addressed to does not see the draft.
    assert (await office.get("chuyenvien", f"/api/documents/{doc_id}")).status_code == 404

    issued = await _approve_and_issue(office, doc_id, "vanthu")
    assert (issued["status"], issued["code"]) == ("issued", "01/TB-SKHĐT")
    detail = (await office.get("vanthu", f"/api/documents/{doc_id}")).json()
    assert detail["history"][-1]["text"] == (
        "Ban hành văn bản 01/TB-SKHĐT: chuyển nội bộ tới Phòng Tổng hợp, Quy hoạch, Hoàng Văn Nam"
    )
    assert [(d["to_name"], d["transport"], d["status_text"]) for d in detail["deliveries"]] == [
        ("Phòng Tổng hợp, Quy hoạch", "internal", "Đã chuyển tới 2 người"),
        ("Hoàng Văn Nam", "internal", "Đã chuyển tới 1 người"),
    ]

    # The unit's people and the person named read it and find it among the documents sent to them ...
    for who in ("chuyenvien", "truongphongth", "chuyenvien2"):
        assert (await office.get(who, f"/api/documents/{doc_id}")).status_code == 200
        sent = (await office.get(who, "/api/documents", params={"addressed": "true"})).json()
        assert [d["id"] for d in sent["items"]] == [doc_id], who
    # ... an officer of another unit does not; nor may she change it.
    assert (await office.get("truongphongdt", f"/api/documents/{doc_id}")).status_code == 404
    assert (await office.get("truongphongdt", "/api/documents", params={"addressed": "true"})).json()[
        "total"
    ] == 0

    # ... and they are told at once, as urgently as a Hỏa tốc document.
    [(_, event)] = await office.bus.wait("document.issued")
    assert {r.code for r in event.recipients} == {"TH", "chuyenvien2"}
    assert event.edoc_document_id is None
    assert not [c for _, c in office.bus.seen["axis.send"] if c.message_type == "edoc"]

    async def told() -> bool:
        return bool(notices.seen)

    assert await wait_for(told, timeout=30)
    [notice] = notices.seen
    assert sorted(notice.recipients) == ["chuyenvien", "chuyenvien2", "truongphongth"]
    assert notice.urgency == "hoa_toc"
    assert notice.link == f"/staff/van-ban/{doc_id}"
    assert notice.title.startswith("Hỏa tốc hẹn giờ · Thông báo 01/TB-SKHĐT: Thông báo họp khẩn")


async def test_recipients_come_from_the_directory_and_the_org_chart(start_office: StartOffice) -> None:
    office = await start_office()
    found = (await office.get("chuyenvien", "/api/documents/agencies", params={"q": "nghe an"})).json()
    assert found["items"] == [{"code": "000.00.00.H41", "name": "Ủy ban nhân dân tỉnh Nghệ An"}]
    every = (await office.get("chuyenvien", "/api/documents/agencies")).json()["items"]
    assert US not in {a["code"] for a in every} and SENDER in {a["code"] for a in every}

    def body(*recipients: dict[str, str]) -> dict[str, Any]:
        return {"subject": "Công văn thử", "document_type": "Công văn", "recipients": list(recipients)}

    refusals = {
        "own agency": (body({"code": US}), "mã định danh của chính cơ quan"),
        "not a code": (body({"code": "Sở Tài chính"}), "không phải một mã định danh"),
        "unknown, no name": (body({"code": "000.00.00.H99"}), "cần ghi tên cơ quan nhận"),
        "unknown unit": (body({"unit_id": "KHONG"}), "không có trong Sở"),
        "two kinds": (body({"code": SENDER, "unit_id": "TH"}), "Mỗi nơi nhận"),
    }
    for case, (json, words) in refusals.items():
        r = await office.post("chuyenvien", "/api/documents/outgoing", json=json)
        assert r.status_code == 422 and words in r.json()["detail"], (case, r.text)
    r = await office.post(
        "chuyenvien",
        "/api/documents/outgoing",
        json=body(
            {"code": SENDER}, {"code": "000.00.00.H99", "name": "UBND tỉnh thử nghiệm"}, {"code": SENDER}
        ),
    )
    assert r.status_code == 201, r.text
    assert [(x["code"], x["name"]) for x in r.json()["recipients"]] == [
        (SENDER, SENDER_NAME),
        ("000.00.00.H99", "UBND tỉnh thử nghiệm"),
    ]


async def test_appendices_travel_with_the_document_and_only_the_drafter_side_may_touch_them(
    start_office: StartOffice,
) -> None:
    office = await start_office()
    doc_id = await _draft(
        office,
        "chuyenvien",
        subject="Giấy mời dự hội nghị xúc tiến đầu tư",
        document_type="Giấy mời",
        recipients=[{"code": "000.00.00.H41"}],
    )
    files = {"file": ("chuong-trinh.docx", DOCX_HEAD, "application/octet-stream")}
    r = await office.post("chuyenvien", f"/api/documents/{doc_id}/attachments", files=files)
    assert r.status_code == 201, r.text
    assert r.json()["content_type"].endswith("wordprocessingml.document")
    refused = await office.post(
        "chuyenvien",
        f"/api/documents/{doc_id}/attachments",
        files={"file": ("ghi-chu.txt", b"abc", "text/plain")},
    )
    assert refused.status_code == 422 and "chỉ nhận PDF, Word" in refused.json()["detail"]
    # An officer of another unit can neither see nor change the draft: nothing changes.
    other = await office.post("chuyenvien2", f"/api/documents/{doc_id}/attachments", files=files)
    assert other.status_code == 404
    assert (await office.get("chuyenvien2", f"/api/documents/{doc_id}/attachments/0")).status_code == 404
    assert (
        await office.client.delete(
            f"/api/documents/{doc_id}/attachments/0", headers=await office.as_("chuyenvien2")
        )
    ).status_code == 404
    assert (
        await office.post("chuyenvien2", f"/api/documents/{doc_id}/submit", json={"approvers": ["giamdoc"]})
    ).status_code == 404
    doc = (await office.get("chuyenvien", f"/api/documents/{doc_id}")).json()
    assert (doc["status"], [a["name"] for a in doc["attachments"]]) == ("draft", ["chuong-trinh.docx"])
    got = await office.get("chuyenvien", f"/api/documents/{doc_id}/attachments/0")
    assert got.status_code == 200 and got.content == DOCX_HEAD

    await _approve_and_issue(office, doc_id, "chuyenvien")
    [edoc] = [c for _, c in await office.bus.wait("axis.send") if c.message_type == "edoc"]
    assert [(a.info.content_id, a.info.attachment_name) for a in edoc.attachments] == [
        ("1", "01-GM-SKHĐT.pdf"),
        ("2", "chuong-trinh.docx"),
    ]
    # Once issued, the appendices are fixed.
    late = await office.post("chuyenvien", f"/api/documents/{doc_id}/attachments", files=files)
    assert late.status_code == 409


async def _with_due_date(hub: Hub, due: date) -> Any:
    """A document.received whose edXML and payload carry the sender's DueDate."""
    number = "310"
    code = f"{number}/VPCP-KTTH"
    header = MessageHeader(
        from_=Organization(organ_id=SENDER, organ_name=SENDER_NAME),
        to=[Organization(organ_id=US)],
        document_id=f"{SENDER},2026/11/20,{code}",
        code=Code(code_number=number, code_notation="VPCP-KTTH"),
        subject="V/v báo cáo tình hình giải ngân vốn đầu tư công quý IV",
        due_date=due,
    )
    payload = await received_event(
        hub,
        number=number,
        subject=header.subject or "",
        edxml=build_edoc(EdocMessage(message_header=header), BuildOptions()),
    )
    return payload.model_copy(update={"due_date": due})


async def test_the_senders_due_date_is_the_deadline_and_the_issued_reply_closes_the_question(
    start_office: StartOffice,
) -> None:
    office = await start_office()
    due = date.today() + timedelta(days=20)
    payload = await _with_due_date(office.hub, due)
    await office.hub.publish("document.received", payload, source="vdxp", issue=payload.document_id)
    [(_, registered)] = await office.bus.wait("document.registered")
    incoming_id = registered.document_id
    doc = (await office.get("vanthu", f"/api/documents/{incoming_id}")).json()
    assert (doc["due_date"], doc["deadline"]) == (due.isoformat(), due.isoformat())
    assert doc["deadline_status"] == "on_time" and doc["deadline_label"] == "Trong hạn"
    # Assigned without a deadline of the leader's own: the sender's stays.
    r = await office.post("giamdoc", f"/api/documents/{incoming_id}/assign", json={"lead_unit_id": "TH"})
    assert r.json()["deadline"] == due.isoformat()
    r = await office.post(
        "truongphongth", f"/api/documents/{incoming_id}/handlers", json={"officer_ids": ["chuyenvien"]}
    )
    assert r.status_code == 200, r.text
    history = (await office.get("vanthu", f"/api/documents/{incoming_id}")).json()["history"]
    assert "chủ trì Phòng Tổng hợp, Quy hoạch" in history[-2]["text"]
    assert history[-1]["text"] == (
        "Trưởng đơn vị (Phòng Tổng hợp, Quy hoạch) giao chuyên viên Vũ Thị Mai (chủ trì: Vũ Thị Mai)"
    )

    reply_id = await _draft(
        office,
        "chuyenvien",
        subject="V/v trả lời báo cáo tình hình giải ngân vốn đầu tư công quý IV",
        document_type="Công văn",
        recipients=[{"code": SENDER}],
        response_for_id=incoming_id,
    )
    # Another unit's officer cannot answer it, nor read it.
    r = await office.post(
        "chuyenvien2",
        "/api/documents/outgoing",
        json={
            "subject": "x",
            "document_type": "Công văn",
            "recipients": [{"code": SENDER}],
            "response_for_id": incoming_id,
        },
    )
    assert r.status_code == 404
    await _approve_and_issue(office, reply_id, "chuyenvien")
    question = (await office.get("vanthu", f"/api/documents/{incoming_id}")).json()
    assert (question["status"], question["answered_by_id"]) == ("completed", reply_id)
    assert question["deadline_status"] == "done_on_time"
    [(_, completed)] = await office.bus.wait("document.completed")
    assert (completed.document_id, completed.officer_id, completed.completed_on_time) == (
        incoming_id,
        "chuyenvien",
        True,
    )
    assert await office.bus.statuses(office.hub) == ["03", "04", "06"]

"""Outgoing reply end to end: draft, versions, approval chain, the leader's and the organisation's signatures
by the real signing service, numbering with Decree 30 notation, sending with ResponseFor, recipient statuses,
and one work dossier holding the incoming document and its answer."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO

import pytest
from lxml import etree
from openpyxl import load_workbook

from adapters.signing import SigningConfig, SigningModule, SigningSettings
from handlers.documents.rules import fold, number_and_notation
from hub.runtime import wait_for
from schemas.axis import AxisSent, DocumentStatusChanged
from schemas.signing import ValidateRequested
from tests.adapters.signing.conftest import pki, signing_config  # noqa: F401
from tests.adapters.signing.documents import decision_pdf
from tests.handlers.documents.conftest import SENDER, Office, StartOffice, received_event

ORIGINAL = f"{SENDER},2026/11/20,125/VPCP-KTTH"


def test_decree_30_notation() -> None:
    assert number_and_notation(15, "Quyết định", "SKHĐT", "TH") == "15/QĐ-SKHĐT"
    assert number_and_notation(5, "Công văn", "SKHĐT", "TH") == "05/SKHĐT-TH"
    assert number_and_notation(7, "to trinh", "SKHĐT", None) == "07/TTr-SKHĐT"
    assert number_and_notation(120, "Quy định", "SKHĐT", None) == "120/QyĐ-SKHĐT"
    assert fold("Quyết định ĐẦU TƯ  công") == "quyet dinh dau tu cong"
    with pytest.raises(ValueError, match="Nghị định 30"):
        number_and_notation(1, "Thư tình", "SKHĐT", None)


async def _status(office: Office, doc_id: str, wanted: str) -> dict[str, object]:
    body: dict[str, object] = {}

    async def reached() -> bool:
        nonlocal body
        body = (await office.get("vanthu", f"/api/documents/{doc_id}")).json()
        return body["status"] == wanted

    assert await wait_for(reached, timeout=90), (
        f"status {body.get('status')}, expected {wanted}: {body.get('history')}"
    )
    return body


async def test_reply_is_approved_signed_issued_sent_with_response_for_and_filed_with_the_question(
    start_office: StartOffice,
    signing_config: SigningConfig,
) -> None:
    office = await start_office(modules=[SigningModule(signing_config)], signing_enabled=True)
    payload = await received_event(office.hub)
    await office.hub.publish("document.received", payload, source="vdxp", issue=payload.document_id)
    [(_, registered)] = await office.bus.wait("document.registered")
    incoming_id = registered.document_id
    assert (
        await office.post("giamdoc", f"/api/documents/{incoming_id}/assign", json={"lead_unit_id": "TH"})
    ).status_code == 200
    await office.post(
        "truongphongth", f"/api/documents/{incoming_id}/handlers", json={"officer_ids": ["chuyenvien"]}
    )
    await office.post("chuyenvien", f"/api/documents/{incoming_id}/processing", json={})

    # The officer drafts the answer; two versions; the chain: head of unit, then the director.
    r = await office.post(
        "chuyenvien",
        "/api/documents/outgoing",
        json={
            "subject": "V/v góp ý dự thảo Quyết định phê duyệt kế hoạch đầu tư công",
            "document_type": "Công văn",
            "recipients": [{"code": SENDER, "name": "Văn phòng Chính phủ"}],
            "response_for_id": incoming_id,
        },
    )
    assert r.status_code == 201, r.text
    reply_id = r.json()["id"]
    for n in (1, 2):
        files = {"file": (f"du-thao-{n}.pdf", decision_pdf(), "application/pdf")}
        r = await office.post("chuyenvien", f"/api/documents/{reply_id}/versions", files=files)
        assert (r.status_code, r.json()["version"]) == (201, n)
    r = await office.post(
        "chuyenvien", f"/api/documents/{reply_id}/submit", json={"approvers": ["truongphongth"]}
    )
    assert r.status_code == 422
    assert "lãnh đạo" in r.json()["detail"]
    r = await office.post(
        "chuyenvien", f"/api/documents/{reply_id}/submit", json={"approvers": ["truongphongth", "giamdoc"]}
    )
    assert r.status_code == 200, r.text
    assert (await office.post("giamdoc", f"/api/documents/{reply_id}/approve", json={})).status_code == 403
    assert (
        await office.post("truongphongth", f"/api/documents/{reply_id}/approve", json={"comment": "Đồng ý"})
    ).status_code == 200
    assert (
        await office.post("vanthu", f"/api/documents/{reply_id}/issue")
    ).status_code == 409  # not approved yet
    r = await office.post(
        "giamdoc",
        f"/api/documents/{reply_id}/approve",
        json={"comment": "Ký ban hành", "otp": await office.code("giamdoc")},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "signing"
    await _status(office, reply_id, "approved")

    r = await office.post("vanthu", f"/api/documents/{reply_id}/issue")
    assert r.status_code == 200, r.text
    assert r.json()["code"] == "01/SKHĐT-TH"
    body = await _status(office, reply_id, "issued")
    assert [v["kind"] for v in body["versions"]] == ["draft", "draft", "approval", "issue"]  # type: ignore[attr-defined]
    [(_, issued)] = await office.bus.wait("document.issued")
    assert (issued.number, issued.so_di, issued.response_for) == ("01/SKHĐT-TH", 1, incoming_id)

    # The edoc handed to the axis answers the sender's document and carries the twice-signed PDF.
    [edoc_cmd] = [c for _, c in office.bus.seen["axis.send"] if c.message_type == "edoc"]
    assert edoc_cmd.to_codes == [SENDER]
    assert edoc_cmd.edoc is not None
    mh = edoc_cmd.edoc.message_header
    assert mh.response_for is not None
    assert (mh.response_for.document_id, mh.response_for.organ_id) == (ORIGINAL, SENDER)
    assert mh.code is not None and mh.code.joined == "01/SKHĐT-TH"
    [attachment] = edoc_cmd.attachments
    assert attachment.info.attachment_name == "01-SKHĐT-TH.pdf"
    signed = attachment.claim
    await office.hub.publish("sign.validate.requested", ValidateRequested(document=signed), source="test")
    [(_, validated)] = await office.bus.wait("sign.validate.completed", timeout=90)
    assert validated.report.verdict == "valid"
    assert len(validated.report.signatures) == 2

    # The axis takes it, the recipient registers it: per-recipient statuses.
    await office.hub.publish(
        "axis.sent",
        AxisSent(
            axis="vdxp",
            sender_doc_id="d-1",
            message_type="edoc",
            from_code="000.00.00.H26",
            to_codes=[SENDER],
            document_id=mh.document_id,
        ),
        source="vdxp",
    )
    status_claim = await office.hub.claims.put(b"<status/>", media_type="application/xml")
    await office.hub.publish(
        "document.status_changed",
        DocumentStatusChanged(
            axis="vdxp",
            axis_doc_id="s-1",
            document_id=mh.document_id,
            document_owner="000.00.00.H26",
            from_code=SENDER,
            status_code="03",
            status_text="Tiếp nhận văn bản điện tử, vào sổ văn bản đến của đơn vị",
            reported_at=datetime.now(UTC),
            edxml=status_claim,
        ),
        source="vdxp",
    )

    async def recipient_registered() -> bool:
        body = (await office.get("vanthu", f"/api/documents/{reply_id}")).json()
        return bool(
            body["deliveries"]
            == [
                {
                    "to_code": SENDER,
                    "to_name": "Văn phòng Chính phủ",
                    "transport": "sent",
                    "status_code": "03",
                    "status_text": "Tiếp nhận văn bản điện tử, vào sổ văn bản đến của đơn vị",
                    "statuses": body["deliveries"][0]["statuses"],
                }
            ]
        )

    assert await wait_for(recipient_registered, timeout=60)

    # Issuing the answer completed the incoming document (06 to the sender, its tasks told) and linked it.
    question = (await office.get("vanthu", f"/api/documents/{incoming_id}")).json()
    assert (question["status"], question["answered_by_id"]) == ("completed", reply_id)
    assert question["history"][-1]["text"].startswith("Đã trả lời bằng văn bản 01/SKHĐT-TH, hoàn thành xử lý")
    [(_, completed)] = await office.bus.wait("document.completed")
    assert (completed.document_id, completed.officer_id) == (incoming_id, "chuyenvien")
    assert (await office.bus.statuses(office.hub))[-1] == "06"
    assert (
        await office.post("chuyenvien", f"/api/documents/{incoming_id}/complete", json={})
    ).status_code == 409

    # One dossier with both, plus a note, in order; closed, exported, archived.
    r = await office.post(
        "chuyenvien",
        "/api/documents/dossiers",
        json={"title": "Góp ý kế hoạch đầu tư công", "notation": "TH.05"},
    )
    assert r.status_code == 201, r.text
    dossier = r.json()["id"]
    for item in (
        {"document_id": reply_id},
        {"document_id": incoming_id},
        {"note": "Đã trao đổi qua điện thoại"},
    ):
        assert (
            await office.post("chuyenvien", f"/api/documents/dossiers/{dossier}/items", json=item)
        ).status_code == 201
    again = await office.post(
        "chuyenvien", f"/api/documents/dossiers/{dossier}/items", json={"document_id": reply_id}
    )
    assert again.status_code == 409
    got = (await office.get("chuyenvien", f"/api/documents/dossiers/{dossier}")).json()
    assert [i["document_id"] for i in got["items"]] == [incoming_id, reply_id, None]
    assert (
        await office.post(
            "chuyenvien", f"/api/documents/dossiers/{dossier}/archive", json={"retention": "10 năm"}
        )
    ).status_code == 403
    assert (await office.post("chuyenvien", f"/api/documents/dossiers/{dossier}/close")).status_code == 200
    xml = await office.get("chuyenvien", f"/api/documents/dossiers/{dossier}/export.xml")
    root = etree.fromstring(xml.content)
    assert root.findtext("File/FileCode") == "000.00.00.H26.2026.TH.05"
    assert root.findtext("File/DocTotal") == "2"
    assert [e.tag for e in root.find("Documents")] == ["IncomingDocument", "OutgoingDocument", "Note"]  # type: ignore[union-attr]
    assert root.findtext("Documents/IncomingDocument/ArrivalNumber") == "1"
    assert root.findtext("Documents/OutgoingDocument/CodeNotation") == "SKHĐT-TH"
    pdf = await office.get("chuyenvien", f"/api/documents/dossiers/{dossier}/export.pdf")
    assert pdf.content.startswith(b"%PDF")
    from pdfminer.high_level import extract_text

    text = extract_text(BytesIO(pdf.content))
    assert "HỒ SƠ CÔNG VIỆC" in text and "01/SKHĐT-TH" in text
    r = await office.post(
        "vanthu", f"/api/documents/dossiers/{dossier}/archive", json={"retention": "10 năm"}
    )
    assert (r.status_code, r.json()["status"]) == (200, "archived")

    # Registers of the year with the App. IV columns.
    year = datetime.now(UTC).year
    assert (await office.get("chuyenvien", "/api/documents/registers/incoming.xlsx")).status_code == 403
    xlsx = await office.get("vanthu", "/api/documents/registers/incoming.xlsx", params={"year": year})
    sheet = load_workbook(BytesIO(xlsx.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == ("Ngày đến", "Số đến", "Tác giả")
    assert rows[2][1:4] == ("1", "Văn phòng Chính phủ", "125/VPCP-KTTH")
    out_pdf = await office.get("vanthu", "/api/documents/registers/outgoing.pdf", params={"year": year})
    out_text = extract_text(BytesIO(out_pdf.content))
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐI" in out_text and "01/SKHĐT-TH" in out_text and "Nguyễn Văn Hùng" in out_text
    assert "In từ Văn phòng điện tử bởi Lê Thị Hoa lúc" in out_text  # the print mark (App. VI I.III.6.k)


async def test_a_refused_signature_sends_the_draft_back_to_the_leader_with_the_reason(
    start_office: StartOffice,
    signing_config: SigningConfig,
) -> None:
    holders = SigningSettings(config=None, key_holders={"expired": "giamdoc"})
    office = await start_office(
        modules=[SigningModule(signing_config, holders)],
        signing_enabled=True,
        signer_profiles={"giamdoc": "expired"},
    )
    r = await office.post(
        "chuyenvien",
        "/api/documents/outgoing",
        json={
            "subject": "Quyết định thành lập tổ công tác",
            "document_type": "Quyết định",
            "recipients": [{"unit_id": "TH"}],
        },
    )
    doc_id = r.json()["id"]
    files = {"file": ("qd.pdf", decision_pdf(), "application/pdf")}
    await office.post("chuyenvien", f"/api/documents/{doc_id}/versions", files=files)
    await office.post("chuyenvien", f"/api/documents/{doc_id}/submit", json={"approvers": ["giamdoc"]})
    approve = {"otp": await office.code("giamdoc")}
    assert (await office.post("giamdoc", f"/api/documents/{doc_id}/approve", json=approve)).status_code == 200
    [(_, refused)] = await office.bus.wait("sign.pdf.refused", timeout=90)
    assert "hết hạn" in refused.reason_vi
    body = await _status(office, doc_id, "pending_approval")
    [step] = [h for h in body["history"] if h["action"] == "sign_refused"]  # type: ignore[attr-defined]
    assert refused.reason_vi in step["text"]
    assert body["number"] is None  # nothing numbered, nothing sent
    assert not [c for _, c in office.bus.seen["axis.send"]]

"""The handling reports of a period (Decree 30 App. VI I.V.2 and I.V.4): the incoming report lists each
registered document with its lead unit, deadline, state and result against the deadline, and totals
them (on time, late, overdue); the outgoing report lists each recipient of each issued document with
the transport state and the recipient's own status, and totals the answers. Clerks and leaders only;
a period upside down or longer than a year is refused by name."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

from openpyxl import load_workbook
from pdfminer.high_level import extract_text

from handlers.documents.clock import today
from hub.runtime import wait_for
from schemas.axis import DocumentStatusChanged
from tests.handlers.documents.conftest import SENDER, StartOffice
from tests.handlers.documents.test_delivery_states import UNKNOWN, _issued, _report, _transports
from tests.handlers.documents.test_incoming import _received


def _period(day: date) -> dict[str, str]:
    return {"from": (day - timedelta(days=1)).isoformat(), "to": day.isoformat()}


async def test_the_incoming_report_judges_each_document_against_its_deadline(
    start_office: StartOffice,
) -> None:
    office = await start_office()
    day = today()
    finished = await _received(office, number="301", subject="Đề nghị báo cáo giải ngân quý IV")
    handling = await _received(office, number="302", subject="Đề nghị góp ý quy hoạch vùng")
    await _received(
        office, number="303", subject="Đề nghị rà soát dự án chậm tiến độ", due_date=day - timedelta(days=3)
    )
    deadline = (day + timedelta(days=20)).isoformat()
    for doc_id in (finished, handling):
        r = await office.post(
            "giamdoc", f"/api/documents/{doc_id}/assign", json={"lead_unit_id": "TH", "deadline": deadline}
        )
        assert r.status_code == 200, r.text
        r = await office.post(
            "truongphongth", f"/api/documents/{doc_id}/handlers", json={"officer_ids": ["chuyenvien"]}
        )
        assert r.status_code == 200, r.text
    r = await office.post("chuyenvien", f"/api/documents/{finished}/processing", json={"note": "Đang làm"})
    assert r.status_code == 200, r.text
    r = await office.post("chuyenvien", f"/api/documents/{finished}/complete", json={"note": "Đã báo cáo"})
    assert r.status_code == 200, r.text

    sheet = await office.get("vanthu", "/api/documents/reports/incoming.xlsx", params=_period(day))
    assert sheet.status_code == 200, sheet.text
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][0] == "BÁO CÁO TÌNH HÌNH GIẢI QUYẾT VĂN BẢN ĐẾN"
    assert (
        "3 văn bản đến · đã hoàn thành 1 (đúng hạn 1, quá hạn 0) · đang giải quyết 2, trong đó quá hạn 1"
        in rows[1][0]
    )
    by_code = {r[2]: r for r in rows[3:-2]}
    assert str(rows[-1][0]).startswith("In từ Văn phòng điện tử bởi Lê Thị Hoa lúc ")
    assert set(by_code) == {"301/VPCP-KTTH", "302/VPCP-KTTH", "303/VPCP-KTTH"}
    assert (
        by_code["301/VPCP-KTTH"][5] == "Phòng Tổng hợp, Quy hoạch"
        and by_code["301/VPCP-KTTH"][9] == "Hoàn thành đúng hạn"
    )
    assert by_code["301/VPCP-KTTH"][7] == "Đã hoàn thành" and by_code["301/VPCP-KTTH"][8] == f"{day:%d/%m/%Y}"
    assert by_code["302/VPCP-KTTH"][9] == "Trong hạn" and by_code["302/VPCP-KTTH"][7] == "Đã giao xử lý"
    assert (
        by_code["303/VPCP-KTTH"][9] == "Quá hạn"
        and by_code["303/VPCP-KTTH"][6] == f"{day - timedelta(days=3):%d/%m/%Y}"
    )

    pdf = await office.get("giamdoc", "/api/documents/reports/incoming.pdf", params=_period(day))
    text = extract_text(io.BytesIO(pdf.content))
    assert "BÁO CÁO TÌNH HÌNH GIẢI QUYẾT VĂN BẢN ĐẾN" in text and "rà soát dự án" in text
    earlier = {"from": (day - timedelta(days=30)).isoformat(), "to": (day - timedelta(days=2)).isoformat()}
    empty = await office.get("vanthu", "/api/documents/reports/incoming.xlsx", params=earlier)
    assert "0 văn bản đến" in str(
        list(load_workbook(io.BytesIO(empty.content)).active.iter_rows(values_only=True))[1][0]
    )  # type: ignore[union-attr]

    assert (
        await office.get("chuyenvien", "/api/documents/reports/incoming.pdf", params=_period(day))
    ).status_code == 403
    upside = await office.get(
        "vanthu", "/api/documents/reports/incoming.pdf", params={"from": day.isoformat(), "to": "2020-01-01"}
    )
    assert upside.status_code == 422 and "Ngày kết thúc phải sau ngày bắt đầu" in upside.json()["detail"]
    long = await office.get(
        "vanthu", "/api/documents/reports/incoming.pdf", params={"from": "2024-01-01", "to": day.isoformat()}
    )
    assert long.status_code == 422 and "tối đa một năm" in long.json()["detail"]


async def test_the_outgoing_report_gives_each_recipient_s_transport_and_answer(
    start_office: StartOffice,
) -> None:
    office = await start_office()
    doc_id, edoc_id = await _issued(office)
    await _report(office, edoc_id, SENDER, "done")
    await _report(office, edoc_id, UNKNOWN, "fail", "Không có trên trục")
    await _transports(office, doc_id, {SENDER: "delivered", UNKNOWN: "failed"})
    status_claim = await office.hub.claims.put(b"<status/>", media_type="application/xml")
    await office.hub.publish(
        "document.status_changed",
        DocumentStatusChanged(
            axis="vdxp",
            axis_doc_id="s-1",
            document_id=edoc_id,
            document_owner="000.00.00.H26",
            from_code=SENDER,
            status_code="03",
            status_text="Tiếp nhận văn bản điện tử, vào sổ văn bản đến của đơn vị",
            reported_at=datetime.now(UTC),
            edxml=status_claim,
        ),
        source="vdxp",
    )

    async def answered() -> bool:
        body = (await office.get("vanthu", f"/api/documents/{doc_id}")).json()
        return any(d["status_code"] == "03" for d in body["deliveries"])

    assert await wait_for(answered, timeout=60)
    sheet = await office.get("vanthu", "/api/documents/reports/outgoing.xlsx", params=_period(today()))
    assert sheet.status_code == 200, sheet.text
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][0] == "BÁO CÁO TÌNH HÌNH GIẢI QUYẾT VĂN BẢN ĐI"
    assert "1 văn bản đi · 2 lượt gửi qua trục: " in rows[1][0]
    assert "đã vào sổ 1" in rows[1][0] and "chưa phản hồi 1" in rows[1][0]
    recipients = {r[4]: r for r in rows[3:-2]}
    assert recipients["Văn phòng Chính phủ"][5:] == (
        "Nơi nhận đã nhận",
        "Tiếp nhận văn bản điện tử, vào sổ văn bản đến của đơn vị",
    )
    assert recipients["Bộ không có trên trục"][5:] == ("Gửi không thành công", "Chưa có phản hồi")
    assert recipients["Văn phòng Chính phủ"][3] == "Nguyễn Văn Hùng"  # the signer

"""Searches kept and taken away (Decree 30 App. VI I.III.6.e, g, h, k): results in a chosen order,
exported to .pdf, .docx and .xlsx in that order with who exported them and when (audited), holding
only what the exporter may see; searches saved by name per person, replaced by name, dropped."""

from __future__ import annotations

import io

from docx import Document as Word
from openpyxl import load_workbook
from pdfminer.high_level import extract_text
from sqlalchemy import select

from hub.models import AuditEntry
from tests.handlers.documents.conftest import Office, StartOffice
from tests.handlers.documents.test_internal_and_replies import _draft

SUBJECTS = ("Tờ trình kế hoạch vốn năm 2027", "Báo cáo giải ngân quý IV", "Công văn đôn đốc quyết toán")


async def _subjects(office: Office, who: str, **params: str) -> list[str]:
    r = await office.get(who, "/api/documents", params=params)
    assert r.status_code == 200, r.text
    return [d["subject"] for d in r.json()["items"]]


async def test_results_are_ordered_exported_marked_and_walled(start_office: StartOffice) -> None:
    office = await start_office()
    for subject in SUBJECTS:  # made one after the other: the first is the oldest
        await _draft(
            office, "chuyenvien", subject=subject, document_type="Công văn", recipients=[{"unit_id": "VP"}]
        )
    await _draft(
        office,
        "chuyenvien2",
        subject="Báo cáo của phòng khác",
        document_type="Báo cáo",
        recipients=[{"unit_id": "VP"}],
    )

    newest = await _subjects(office, "chuyenvien")
    assert newest == list(reversed(SUBJECTS))
    assert await _subjects(office, "chuyenvien", order="oldest") == list(SUBJECTS)
    by_subject = ["Báo cáo giải ngân quý IV", "Công văn đôn đốc quyết toán", "Tờ trình kế hoạch vốn năm 2027"]
    assert await _subjects(office, "chuyenvien", order="subject") == by_subject
    bad = await office.get("chuyenvien", "/api/documents", params={"order": "random"})
    assert bad.status_code == 422

    pdf = await office.get("chuyenvien", "/api/documents/export.pdf", params={"order": "subject"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), pdf.text[:300]
    assert "ket-qua-tim-kiem-" in pdf.headers["content-disposition"]
    text = extract_text(io.BytesIO(pdf.content))
    assert "KẾT QUẢ TÌM KIẾM VĂN BẢN" in text and "Người xuất: Vũ Thị Mai" in text and "3 văn bản" in text
    places = [text.index(words) for words in ("giải ngân", "đôn đốc", "kế hoạch vốn")]
    assert places == sorted(places)  # in the asked order
    assert "phòng khác" not in text  # another unit's draft stays out

    word = await office.get(
        "chuyenvien", "/api/documents/export.docx", params={"order": "oldest", "q": "von"}
    )
    assert word.status_code == 200, word.text
    document = Word(io.BytesIO(word.content))
    assert document.paragraphs[0].text == "KẾT QUẢ TÌM KIẾM VĂN BẢN"
    assert "Người xuất: Vũ Thị Mai" in document.paragraphs[1].text
    rows = [[c.text for c in r.cells] for r in document.tables[0].rows]
    assert rows[0][:4] == ["STT", "Số, ký hiệu", "Ngày", "Trích yếu"]
    assert [r[3] for r in rows[1:]] == ["Công văn Tờ trình kế hoạch vốn năm 2027"]  # "vốn" without diacritics
    assert rows[1][6] == "Dự thảo"

    sheet = await office.get("chuyenvien2", "/api/documents/export.xlsx")
    table = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert table[0][0] == "KẾT QUẢ TÌM KIẾM VĂN BẢN" and "Hoàng Văn Nam" in str(table[1][0])
    assert [r[3] for r in table[3:-2]] == ["Báo cáo Báo cáo của phòng khác"]
    assert str(table[-1][0]).startswith("In từ Văn phòng điện tử bởi Hoàng Văn Nam lúc ")
    assert "In từ Văn phòng điện tử bởi Vũ Thị Mai" in text  # on every page of the PDF

    async with office.hub.db.session() as s:
        exports = (
            (await s.execute(select(AuditEntry).where(AuditEntry.action == "documents.search_exported")))
            .scalars()
            .all()
        )
    assert sorted((e.actor, e.detail["format"]) for e in exports) == [
        ("chuyenvien", "docx"),
        ("chuyenvien", "pdf"),
        ("chuyenvien2", "xlsx"),
    ]


async def test_searches_are_saved_by_name_per_person_replaced_and_dropped(start_office: StartOffice) -> None:
    office = await start_office()
    kept = await office.post(
        "chuyenvien",
        "/api/documents/saved-searches",
        json={
            "name": "Văn bản đến quá hạn",
            "direction": "in",
            "deadline_status": "overdue",
            "order": "deadline",
        },
    )
    assert kept.status_code == 201, kept.text
    assert [(s["name"], s["order_label"]) for s in kept.json()] == [
        ("Văn bản đến quá hạn", "Hạn xử lý gần nhất trước")
    ]
    again = await office.post(
        "chuyenvien",
        "/api/documents/saved-searches",
        json={"name": "Văn bản đến quá hạn", "direction": "in", "q": "vốn"},
    )
    assert [(s["name"], s["q"], s["order"]) for s in again.json()] == [("Văn bản đến quá hạn", "vốn", "")]
    await office.post(
        "chuyenvien", "/api/documents/saved-searches", json={"name": "Dự thảo của tôi", "direction": "out"}
    )
    mine = (await office.get("chuyenvien", "/api/documents/saved-searches")).json()
    assert [s["name"] for s in mine] == ["Văn bản đến quá hạn", "Dự thảo của tôi"]
    assert (
        await office.get("chuyenvien2", "/api/documents/saved-searches")
    ).json() == []  # each person's own

    bad = await office.post(
        "chuyenvien", "/api/documents/saved-searches", json={"name": "x", "order": "random"}
    )
    assert bad.status_code == 422
    left = await office.call("DELETE", "chuyenvien", "/api/documents/saved-searches/Văn bản đến quá hạn")
    assert left.status_code == 200 and [s["name"] for s in left.json()] == ["Dự thảo của tôi"]
    gone = await office.call("DELETE", "chuyenvien", "/api/documents/saved-searches/Không có")
    assert gone.status_code == 404 and "Không có tìm kiếm đã lưu tên «Không có»" in gone.json()["detail"]

"""Work dossiers as a list (Decree 30 App. VI I.III.4): each person lists their own and their unit's
dossiers, clerks and leaders every one; one document sits in two dossiers of two accounts without a
copy; the dossiers are searched without diacritics, filtered by status, creator and document, counted
per account (I.III.4.đ) and listed in the yearly index (Mục lục hồ sơ, I.V.6) as PDF and XLSX, each
person's index holding only what they may see."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from openpyxl import load_workbook
from pdfminer.high_level import extract_text

from tests.handlers.documents.conftest import Office, StartOffice
from tests.handlers.documents.test_internal_and_replies import _draft

YEAR = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).year


async def _open(office: Office, who: str, title: str, notation: str) -> dict[str, Any]:
    r = await office.post(
        who, "/api/documents/dossiers", json={"title": title, "notation": notation, "maintenance": "10 năm"}
    )
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


async def _codes(office: Office, who: str, **params: Any) -> list[str]:
    r = await office.get(who, "/api/documents/dossiers", params=params)
    assert r.status_code == 200, r.text
    return sorted(d["file_code"] for d in r.json()["items"])


async def test_dossiers_are_listed_within_the_walls_counted_per_account_and_indexed(
    start_office: StartOffice,
) -> None:
    office = await start_office()
    planning = await _open(office, "chuyenvien", "Hồ sơ quy hoạch vùng huyện Sóc Sơn", "TH.01")
    bridge = await _open(office, "chuyenvien2", "Hồ sơ chủ trương đầu tư cầu Tứ Liên", "DNDT.01")
    a, b = planning["file_code"], bridge["file_code"]
    assert a.endswith(f".{YEAR}.TH.01") and b.endswith(f".{YEAR}.DNDT.01")

    # one document in both dossiers, put there by two accounts: the two entries are the same record
    doc_id = await _draft(
        office,
        "chuyenvien",
        subject="Tờ trình phê duyệt quy hoạch",
        document_type="Tờ trình",
        recipients=[{"unit_id": "DNDT"}],
    )
    put = await office.post(
        "chuyenvien", f"/api/documents/dossiers/{planning['id']}/items", json={"document_id": doc_id}
    )
    assert put.status_code == 201, put.text
    walled = await office.post(
        "chuyenvien", f"/api/documents/dossiers/{bridge['id']}/items", json={"note": "x"}
    )
    assert walled.status_code == 404  # another unit's dossier: not even its existence
    put = await office.post(
        "vanthu", f"/api/documents/dossiers/{bridge['id']}/items", json={"document_id": doc_id}
    )
    assert put.status_code == 201, put.text
    for dossier in (planning, bridge):
        entries = (await office.get("vanthu", f"/api/documents/dossiers/{dossier['id']}")).json()["items"]
        assert [e["document_id"] for e in entries] == [doc_id]
    assert await _codes(office, "vanthu", document=doc_id) == sorted([a, b])

    # the walls: own and own unit's; clerks and leaders all
    assert await _codes(office, "chuyenvien") == [a]
    assert await _codes(office, "truongphongth") == [a]  # the unit head of Phòng Tổng hợp
    assert await _codes(office, "chuyenvien2") == [b]
    assert await _codes(office, "truongphongdt") == [b]
    assert await _codes(office, "vanthu") == sorted([a, b])
    assert await _codes(office, "giamdoc") == sorted([a, b])
    assert await _codes(office, "chuyenvien", document=doc_id) == [a]  # the other one stays hidden

    # search without diacritics, status, creator, year
    assert await _codes(office, "vanthu", q="cau tu lien") == [b]
    assert await _codes(office, "chuyenvien", q="cau tu lien") == []
    assert await _codes(office, "vanthu", creator="chuyenvien") == [a]
    assert await _codes(office, "chuyenvien2", creator="me") == [b]
    assert await _codes(office, "vanthu", year=YEAR - 1) == []
    listed = (await office.get("vanthu", "/api/documents/dossiers", params={"q": "soc son"})).json()["items"][
        0
    ]
    assert (listed["creator_name"], listed["unit_name"], listed["documents"], listed["status_label"]) == (
        "Vũ Thị Mai",
        "Phòng Tổng hợp, Quy hoạch",
        1,
        "Đang mở",
    )
    # a dossier counts only the documents the reader may read: the draft is not Hoàng Văn Nam's to see
    theirs = (await office.get("chuyenvien2", "/api/documents/dossiers")).json()["items"]
    assert [(d["file_code"], d["documents"]) for d in theirs] == [(b, 0)]
    entries = (await office.get("chuyenvien2", f"/api/documents/dossiers/{bridge['id']}")).json()["items"]
    assert entries == []
    bad = await office.get("vanthu", "/api/documents/dossiers", params={"status": "lost"})
    assert bad.status_code == 422

    closed = await office.post("chuyenvien", f"/api/documents/dossiers/{planning['id']}/close")
    assert closed.status_code == 200, closed.text
    again = await office.post("chuyenvien", f"/api/documents/dossiers/{planning['id']}/close")
    assert again.status_code == 409 and "đã đóng" in again.json()["detail"], again.text
    assert await _codes(office, "vanthu", status="closed") == [a]
    assert await _codes(office, "vanthu", status="open") == [b]

    # counted per account (of what the caller may see)
    counts = (await office.get("vanthu", "/api/documents/dossiers/counts")).json()
    assert {(c["creator_name"], c["open"], c["closed"], c["total"]) for c in counts} == {
        ("Vũ Thị Mai", 0, 1, 1),
        ("Hoàng Văn Nam", 1, 0, 1),
    }
    mine = (await office.get("chuyenvien", "/api/documents/dossiers/counts")).json()
    assert [c["creator_id"] for c in mine] == ["chuyenvien"]

    # the yearly index: the clerk's holds both, the officer's only hers
    pdf = await office.get("vanthu", "/api/documents/dossiers/index.pdf", params={"year": YEAR})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF"), pdf.text[:200]
    assert f"muc-luc-ho-so-{YEAR}.pdf" in pdf.headers["content-disposition"]
    text = extract_text(io.BytesIO(pdf.content))
    assert f"MỤC LỤC HỒ SƠ NĂM {YEAR}" in text
    assert a in text and b in text and "Tứ Liên" in text and "Đã đóng" in text
    own = await office.get("chuyenvien", "/api/documents/dossiers/index.pdf", params={"year": YEAR})
    own_text = extract_text(io.BytesIO(own.content))
    assert a in own_text and b not in own_text and "Tứ Liên" not in own_text
    sheet = await office.get("vanthu", "/api/documents/dossiers/index.xlsx", params={"year": YEAR})
    assert sheet.status_code == 200, sheet.text
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][0] == f"MỤC LỤC HỒ SƠ NĂM {YEAR}" and rows[1][1] == "Mã hồ sơ"
    assert [(r[1], r[5], r[6]) for r in rows[2:-2]] == sorted([(a, "1", "10 năm"), (b, "1", "10 năm")])
    assert str(rows[-1][0]).startswith("In từ Văn phòng điện tử bởi Lê Thị Hoa lúc ")  # who took it, when
    assert "In từ Văn phòng điện tử bởi Vũ Thị Mai" in own_text  # the print mark on the PDF's pages


async def test_a_revoked_incoming_document_cannot_be_filed(start_office: StartOffice) -> None:
    """Its content was destroyed when its sender revoked it: a dossier refuses it, by name."""
    from sqlalchemy import update

    from handlers.documents.models import Document
    from tests.handlers.documents.test_incoming import _received

    office = await start_office()
    doc_id = await _received(office, number="777", subject="Giấy mời đã bị thu hồi")
    async with office.hub.db.session() as s:
        await s.execute(update(Document).where(Document.id == doc_id).values(status="revoked"))
    dossier = await _open(office, "vanthu", "Hồ sơ hội nghị", "VP.09")
    refused = await office.post(
        "vanthu", f"/api/documents/dossiers/{dossier['id']}/items", json={"document_id": doc_id}
    )
    assert refused.status_code == 409 and "đã thu hồi, không đưa vào hồ sơ được" in refused.json()["detail"]
    assert (await office.get("vanthu", f"/api/documents/dossiers/{dossier['id']}")).json()["items"] == []

"""Text extraction for full-text search has a size and a time budget: a crafted PDF that would cost
pdfminer minutes is stopped in its worker after the budget, the document is marked "not indexed" with the
reason (API and staff page), it is not tried again on redelivery, and the next document is indexed as
usual; the clerk's paper upload of the same file answers with the reason instead of holding the request."""

from __future__ import annotations

import json

import pytest

from handlers.documents import service, text
from handlers.documents.text import index_pdfs, pdf_text
from hub import offload
from hub.runtime import wait_for
from schemas.envelope import ClaimCheck
from tests.handlers.documents.conftest import Office, StartOffice, pdf_bytes, received_event

# 1,000,000 one-letter text runs on one page: ~14 MB, about half a minute of pdfminer on this machine
# (100,000 runs measured 2.9 s), far past the one-second budget the tests give.
HEAVY_RUNS = 1_000_000


def heavy_pdf(runs: int = HEAVY_RUNS) -> bytes:
    """A valid one-page PDF whose content stream is `runs` separately positioned text runs."""
    content = b"BT /F1 1 Tf " + b"1 0 Td (a) Tj " * runs + b"ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@pytest.fixture(autouse=True)
def _workers() -> object:
    yield
    offload.shutdown()


def test_the_heavy_pdf_is_a_real_pdf_with_text() -> None:
    """The crafted file is what the budget is for, not garbage that fails at once."""
    assert pdf_text(heavy_pdf(2000)).split()[:3] == ["a", "a", "a"]


async def test_size_limit_and_unreadable_files_are_named_in_the_reason() -> None:
    good = pdf_bytes("Báo cáo giải ngân vốn đầu tư công")
    found = await index_pdfs(
        [("lon.pdf", heavy_pdf(100_000)), ("hong.pdf", b"%PDF-1.4 not really"), ("tot.pdf", good)],
        max_bytes=1_048_576,
        seconds=60,
    )
    assert "giải ngân vốn đầu tư công" in found.text
    assert found.note.startswith("Không lập chỉ mục toàn văn: lon.pdf: tệp 1,3 MB vượt giới hạn")
    assert "hong.pdf: không đọc được lớp văn bản" in found.note
    assert "tot.pdf" not in found.note


async def _received_with(office: Office, number: str, subject: str, pdf: bytes) -> str:
    payload = await received_event(office.hub, number=number, subject=subject)
    claim = await office.hub.claims.put(pdf, media_type="application/pdf")
    attachment = payload.attachments[0].model_copy(update={"claim": claim, "size": claim.size})
    payload = payload.model_copy(update={"attachments": [attachment]})
    before = len(office.bus.seen["document.registered"])
    await office.hub.publish("document.received", payload, source="vdxp", issue=payload.document_id)
    [*_, (_, registered)] = await office.bus.wait("document.registered", before + 1)
    return str(registered.document_id)


async def test_extraction_past_its_budget_is_stopped_marked_and_not_done_again(
    start_office: StartOffice, monkeypatch: pytest.MonkeyPatch
) -> None:
    office = await start_office(index_seconds=1.0)
    heavy = await _received_with(office, "301", "Báo cáo có tệp đính kèm nặng", heavy_pdf())

    async def marked() -> bool:
        r = await office.get("vanthu", f"/api/documents/{heavy}")
        return bool(r.json()["index_note"])

    assert await wait_for(marked, timeout=90)
    doc = (await office.get("vanthu", f"/api/documents/{heavy}")).json()
    assert doc["index_note"] == (
        "Không lập chỉ mục toàn văn: 301.pdf: trích xuất văn bản quá 1 giây, đã dừng"
    )
    # still found by its metadata, not by the text nobody extracted
    r = await office.get("vanthu", "/api/documents", params={"q": "tep dinh kem nang"})
    assert [d["id"] for d in r.json()["items"]] == [heavy]

    # the stopped worker was replaced: the next document's text is searchable
    light = await _received_with(office, "302", "Công văn thường", pdf_bytes("Kế hoạch vốn năm 2027"))

    async def indexed() -> bool:
        r = await office.get("vanthu", "/api/documents", params={"q": "ke hoach von nam 2027"})
        return [d["id"] for d in r.json()["items"]] == [light]

    assert await wait_for(indexed, timeout=60)

    # a redelivery of the heavy document's registration does not extract again
    async def never(*args: object, **kwargs: object) -> text.Indexed:
        raise AssertionError("extracted again")

    monkeypatch.setattr(text, "index_pdfs", never)
    await service.index_files(office.hub, office.module.ctx, heavy)

    # the clerk's paper upload of the same file: the answer comes with the reason
    monkeypatch.undo()
    meta = {"subject": "Bản quét tờ trình nặng", "from_agency": "Sở Tài chính Hà Nội"}
    files = {"file": ("to-trinh.pdf", heavy_pdf(), "application/pdf")}
    r = await office.post(
        "vanthu", "/api/documents/incoming/paper", data={"metadata": json.dumps(meta)}, files=files
    )
    assert r.status_code == 201, r.text
    assert r.json()["index_note"] == (
        "Không lập chỉ mục toàn văn: to-trinh.pdf: trích xuất văn bản quá 1 giây, đã dừng"
    )
    assert ClaimCheck.model_validate(r.json()["attachments"][0]["claim"]).size > 10_000_000

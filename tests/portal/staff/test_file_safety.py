"""Stored files never run in the portal's origin, and uploads are bounded and typed by their content.

On a real hub (documents, tasks, signing, notifications; nats-server, SQLite, the portal app): a task
report's HTML file and an axis edoc's text/html attachment come back as sandboxed downloads with nosniff,
never as text/html inline, while a PDF opens inline as application/pdf; the clerk's paper "scan" that is
HTML or a program is refused with a message naming the file, as is one over the configured limit, and
nothing is registered after a refusal.
"""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import func, select

from handlers.documents import DocumentsModule
from handlers.documents.models import Document
from handlers.tasks.models import TaskReport
from hub.runtime import Hub
from schemas.axis import AttachmentRef
from tests.handlers.documents.conftest import received_event
from tests.portal.staff.conftest import Office, client_of, login, pdf_bytes

HTML = "<!doctype html><html><body><script>window.__pwned=1</script><h1>Báo cáo</h1></body></html>".encode()
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 500


def assert_download(r: object) -> None:
    """A stored file handed out as a sandboxed download, never as HTML."""
    headers = r.headers  # type: ignore[attr-defined]
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    assert not headers["content-type"].startswith("text/html"), headers["content-type"]
    assert headers["content-disposition"].startswith("attachment;"), headers["content-disposition"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"].startswith("sandbox")


def assert_inline_pdf(r: object) -> None:
    headers = r.headers  # type: ignore[attr-defined]
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    assert headers["content-type"] == "application/pdf"
    assert headers["content-disposition"].startswith("inline;")
    assert headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in headers["content-security-policy"]


async def documents_count(hub: Hub) -> int:
    async with hub.db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(Document)) or 0)


async def test_a_task_report_html_file_is_refused_and_an_old_one_is_a_download(office: Office) -> None:
    async with client_of(office.app) as leader, client_of(office.app) as officer:
        await login(leader, "giamdoc")
        await login(officer, "chuyenvien")
        r = await leader.post(
            "/api/tasks",
            json={
                "title": "Báo cáo thu hút FDI",
                "assignee_user_id": "chuyenvien",
                "duration_working_days": 5,
            },
        )
        assert r.status_code == 201, r.text
        task_id = r.json()["id"]
        # the upload: HTML is refused by its content whatever it claims to be, and nothing is kept
        refused = await officer.post(
            f"/api/tasks/{task_id}/reports",
            data={"text": "Tiến độ", "progress": "10"},
            files={"files": ("bao-cao.html", HTML, "application/pdf")},
        )
        assert refused.status_code == 422, refused.text
        assert "bao-cao.html" in refused.json()["detail"] and "trang HTML" in refused.json()["detail"]
        async with office.hub.db.session() as s:
            assert await s.scalar(select(func.count()).select_from(TaskReport)) == 0
        # a PDF report: shown inline as application/pdf
        pdf = pdf_bytes("Báo cáo tiến độ tháng 11")
        r = await officer.post(
            f"/api/tasks/{task_id}/reports",
            data={"text": "Đã xong khung báo cáo", "progress": "40"},
            files={"files": ("bao-cao.pdf", pdf, "application/pdf")},
        )
        assert r.status_code == 201, r.text
        report_id = (await leader.get(f"/api/tasks/{task_id}")).json()["reports"][0]["id"]
        served = await leader.get(f"/api/tasks/{task_id}/reports/{report_id}/attachments/0")
        assert_inline_pdf(served)
        assert served.content == pdf
        # an HTML file kept before uploads were typed (declared text/html): a sandboxed download
        claim = await office.hub.claims.put(HTML, media_type="text/html")
        async with office.hub.db.session() as s:
            entry = await s.get(TaskReport, report_id)
            assert entry is not None
            entry.attachments = [
                *entry.attachments,
                {"name": "bao-cao.html", "claim": claim.model_dump(mode="json")},
            ]
            await s.commit()
        old = await leader.get(f"/api/tasks/{task_id}/reports/{report_id}/attachments/1")
        assert_download(old)
        assert old.content == HTML and old.headers["content-type"].startswith("text/plain")


async def edoc_with(office: Office, number: str, name: str, data: bytes, media: str) -> str:
    """An edoc from another agency over the axis, with one attachment; its document's id once stored."""
    payload = await received_event(office.hub, number=number, subject=f"Công văn số {number} của VPCP")
    claim = await office.hub.claims.put(data, media_type=media)
    ref = AttachmentRef(
        content_id="1", name=name, content_type=media, size=claim.size, sha256=claim.sha256, claim=claim
    )
    payload = payload.model_copy(update={"attachments": [ref]})
    await office.hub.publish("document.received", payload, source="vdxp", issue=payload.document_id)
    for _ in range(600):
        async with office.hub.db.session() as s:
            found = await s.scalar(
                select(Document.id).where(Document.edoc_document_id == payload.document_id)
            )
        if found:
            return str(found)
        await asyncio.sleep(0.1)
    raise AssertionError(f"edoc {number} was not stored")


async def test_an_axis_edoc_html_attachment_never_runs_in_the_viewer(office: Office) -> None:
    html_doc = await edoc_with(office, "301", "to-trinh.html", HTML, "text/html")
    pdf = pdf_bytes("Công văn của Văn phòng Chính phủ")
    pdf_doc = await edoc_with(office, "302", "cong-van.pdf", pdf, "application/pdf")
    async with client_of(office.app) as clerk:
        await login(clerk, "vanthu")
        # the inline viewer of the staff pages, and the API behind it
        for path in (f"/staff/van-ban/{html_doc}/pdf?v=0", f"/api/documents/{html_doc}/files/0"):
            served = await clerk.get(path)
            assert_download(served)
            assert served.content == HTML
        viewer = await clerk.get(f"/staff/van-ban/{pdf_doc}/pdf?v=0")
        assert_inline_pdf(viewer)
        assert viewer.headers["x-frame-options"] == "SAMEORIGIN"  # the document page frames it
        assert viewer.content == pdf


async def test_the_clerks_paper_scan_must_be_a_pdf_within_the_limit(office: Office) -> None:
    meta = {
        "subject": "Công văn về kế hoạch vốn năm 2027",
        "from_agency": "Sở Tài chính Hà Nội",
        "code": "88/STC-NS",
        "issued_date": "2026-11-25",
    }
    documents = office.hub.module("documents")
    assert isinstance(documents, DocumentsModule)
    before = await documents_count(office.hub)
    async with client_of(office.app) as clerk:
        await login(clerk, "vanthu")
        for name, data, reason in (
            ("ban-quet.html", HTML, "trang HTML"),
            ("ban-quet.pdf", HTML, "trang HTML"),  # renamed: the bytes decide
            ("scan.exe", EXE, "chương trình chạy được"),
        ):
            r = await clerk.post(
                "/api/documents/incoming/paper",
                data={"metadata": json.dumps(meta)},
                files={"file": (name, data, "application/pdf")},
            )
            assert r.status_code == 422, r.text
            detail = r.json()["detail"]
            assert name in detail and reason in detail and "không phải PDF" in detail, detail
        # a file over a small configured limit: 413, naming the file and the limit
        documents.ctx.settings.max_upload_mb = 1
        big = pdf_bytes("Bản quét") + b"%" + b"0" * (1024 * 1024)
        r = await clerk.post(
            "/api/documents/incoming/paper",
            data={"metadata": json.dumps(meta)},
            files={"file": ("ban-quet-lon.pdf", big, "application/pdf")},
        )
        assert r.status_code == 413, r.text
        assert "ban-quet-lon.pdf" in r.json()["detail"] and "1 MB" in r.json()["detail"]
        assert await documents_count(office.hub) == before  # nothing registered after a refusal
        # the staff page tells the clerk why, in Vietnamese
        page = await clerk.get("/staff/van-ban-giay")
        csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]
        form = {"csrf_token": csrf, **meta}
        answer = await clerk.post(
            "/staff/van-ban-giay", data=form, files={"file": ("scan.exe", EXE, "application/pdf")}
        )
        assert answer.status_code == 303, answer.text
        shown = await clerk.get(answer.headers["location"])
        assert "scan.exe" in shown.text and "không phải PDF" in shown.text
        assert await documents_count(office.hub) == before
        # a real PDF scan is registered
        documents.ctx.settings.max_upload_mb = 50
        r = await clerk.post(
            "/api/documents/incoming/paper",
            data={"metadata": json.dumps(meta)},
            files={"file": ("ban-quet.pdf", pdf_bytes("Kế hoạch vốn"), "application/pdf")},
        )
        assert r.status_code == 201, r.text
        assert await documents_count(office.hub) == before + 1

"""hub.files: a stored file's type read from its bytes, the headers it is served with, and uploads read
in chunks within a limit and typed by content (the hostile cases: HTML, programs, renamed files)."""

from __future__ import annotations

import io
import zipfile

import pytest

from hub import files
from hub.errors import Invalid
from hub.settings import Settings

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HTML = b"<!doctype html><html><body><script>window.__pwned=1</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200


def docx() -> bytes:
    """A minimal Office Open XML word document (the parts a reader looks for)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("word/document.xml", '<?xml version="1.0"?><w:document/>')
    return out.getvalue()


class Chunked:
    """An upload that hands out its bytes a chunk at a time and counts how much was read."""

    def __init__(self, filename: str, size: int, chunk: bytes = b"%PDF") -> None:
        self.filename: str | None = filename
        self.size = size
        self.read_bytes = 0
        self.calls = 0
        self.chunk = chunk

    async def read(self, size: int = -1) -> bytes:
        self.calls += 1
        assert size > 0, "the whole upload was asked for at once"
        left = self.size - self.read_bytes
        n = min(size, left)
        self.read_bytes += n
        return (self.chunk * (n // len(self.chunk) + 1))[:n]


def test_types_are_read_from_the_bytes_never_from_the_name_or_declared_type() -> None:
    assert files.sniff(PDF) == "application/pdf"
    assert files.sniff(PNG) == "image/png"
    assert files.sniff(docx()).endswith("wordprocessingml.document")
    assert files.sniff("Báo cáo tiến độ quý IV".encode()) == "text/plain"
    assert files.sniff(HTML) == "text/html"
    assert files.sniff(EXE) == "application/x-msdownload"
    assert files.sniff(b"\x00\x01\x02\xff" * 10) is None
    # what a browser is handed: HTML never, a program as what it is, bytes nothing names as bytes
    assert files.served_type(HTML, "text/html") == "text/plain"
    assert files.served_type(EXE, "application/pdf") == "application/x-msdownload"
    assert files.served_type(b"\x00\x01\x02\xff", "text/html") == "application/octet-stream"
    assert files.served_type(b"<?xml version='1.0'?><edXML/>", "application/xml") == "application/xml"
    assert files.served_type(b"<svg onload=alert(1)>", "image/svg+xml") == "text/plain"


def test_an_html_file_is_a_sandboxed_download_and_a_pdf_opens_inline() -> None:
    html = files.stored_file(HTML, "bao-cao.html", declared="text/html")
    assert html.media_type == "text/plain"
    assert html.headers["content-disposition"].startswith("attachment;")
    assert html.headers["x-content-type-options"] == "nosniff"
    assert html.headers["content-security-policy"].startswith("sandbox")
    assert html.headers["x-frame-options"] == "DENY"

    pdf = files.stored_file(PDF, "quyết định 12.pdf", declared="application/octet-stream", framed=True)
    assert pdf.media_type == "application/pdf"
    assert pdf.headers["content-disposition"] == (
        "inline; filename=\"quyet-dinh-12.pdf\"; filename*=UTF-8''quy%E1%BA%BFt%20%C4%91%E1%BB%8Bnh%2012.pdf"
    )
    assert "default-src 'none'" in pdf.headers["content-security-policy"]
    assert pdf.headers["x-frame-options"] == "SAMEORIGIN"
    # a "PDF" whose bytes are a program is no PDF: saved, never shown
    fake = files.stored_file(EXE, "hoa-don.pdf", declared="application/pdf")
    assert fake.headers["content-disposition"].startswith("attachment;")
    # a PDF the caller wants saved is saved
    assert files.stored_file(PDF, "a.pdf", inline=False).headers["content-disposition"].startswith("attach")


def test_a_hostile_name_cannot_break_out_of_the_header() -> None:
    header = files.disposition("attachment", '..\\..\\evil"\r\nSet-Cookie: x=1;.html')
    assert "\r" not in header and "\n" not in header
    ascii_part = header.split(";")[1]
    assert '"' not in ascii_part.split("=", 1)[1].strip('"')
    assert "/" not in header.split("filename*=")[1] and "\\" not in header


def test_generated_exports_keep_their_type_with_the_same_headers() -> None:
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    r = files.export_file(b"PK\x03\x04", "bảng chấm công.xlsx", xlsx)
    assert r.media_type == xlsx and r.headers["content-disposition"].startswith("attachment;")
    assert r.headers["x-content-type-options"] == "nosniff"
    inline = files.export_file(PDF, "lich.pdf", "application/pdf", inline=True)
    assert inline.headers["content-disposition"].startswith("inline;")


async def test_html_and_programs_are_refused_as_scans_naming_the_file() -> None:
    with pytest.raises(Invalid) as html:
        files.check_kind("ban-quet.pdf", HTML, files.PDF_ONLY)
    assert "ban-quet.pdf" in html.value.message and "trang HTML" in html.value.message
    assert "không phải PDF" in html.value.message
    with pytest.raises(Invalid) as exe:
        files.check_kind("scan.exe", EXE, files.PDF_ONLY)
    assert "scan.exe" in exe.value.message and "chương trình chạy được" in exe.value.message
    with pytest.raises(Invalid) as empty:
        files.check_kind("rong.pdf", b"", files.PDF_ONLY)
    assert "rỗng" in empty.value.message
    assert files.check_kind("ban-quet.pdf", PDF, files.PDF_ONLY) == "application/pdf"
    # attachments: PDF, pictures, office documents and plain text, never HTML or programs
    assert files.check_kind("de-an.docx", docx(), files.ATTACHMENTS).endswith("document")
    assert files.check_kind("ghi-chu.txt", "Số liệu".encode(), files.ATTACHMENTS) == "text/plain"
    for name, data in (("bao-cao.html", HTML), ("bao-cao.docx", EXE)):
        with pytest.raises(Invalid) as refused:
            files.check_kind(name, data, files.ATTACHMENTS)
        assert name in refused.value.message and "chỉ nhận PDF, ảnh" in refused.value.message


async def test_an_upload_over_the_limit_is_refused_without_being_read_whole() -> None:
    limit = 256 * 1024
    huge = Chunked("qua-lon.pdf", size=50 * 1024 * 1024)
    with pytest.raises(files.TooLarge) as refused:
        await files.read_upload(huge, limit, files.PDF_ONLY)
    assert refused.value.status == 413
    assert "qua-lon.pdf" in refused.value.message and "256 KB" in refused.value.message
    assert huge.read_bytes <= limit + files.CHUNK, huge.read_bytes  # stopped just past the limit
    # at the limit: read whole, in chunks, and typed
    exact = Chunked("vua-du.pdf", size=limit)
    data, media = await files.read_upload(exact, limit, files.PDF_ONLY)
    assert len(data) == limit and media == "application/pdf" and exact.calls > 2


def test_the_hub_setting_of_the_upload_limit() -> None:
    assert Settings().max_upload_mb == 50
    assert files.upload_limit(Settings(max_upload_mb=2).max_upload_mb) == 2 * 1024 * 1024

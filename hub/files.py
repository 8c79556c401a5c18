"""Stored files served and uploaded files taken in, one way for every module and the portal.

Serving (`stored_file`): the type is read from the content (magic bytes, the `filetype` library, and
plain text told by its bytes), never taken from the name or from what the uploader declared. Only a PDF
or a picture whose bytes are one opens in the browser (inline); everything else is a download
(`Content-Disposition: attachment`, its name in RFC 6266 / 5987 form). Every file response carries
`X-Content-Type-Options: nosniff` and a Content-Security-Policy that lets no script run, so a file that
is HTML, SVG or script in disguise never runs in the portal's origin. Files the code itself renders
(XLSX, PDF, iCalendar exports) keep their type (`export_file`) with the same headers.

Uploading (`read_upload`): an upload is read in chunks and refused as soon as it passes the limit
(never read whole first), then typed by its content against the kinds the endpoint accepts; a refusal
is an `Invalid` (422) or `TooLarge` (413) with a Vietnamese message naming the file and the reason.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Protocol
from urllib.parse import quote

import filetype
from fastapi.responses import Response

from hub.errors import DomainError, Invalid

CHUNK = 64 * 1024
MB = 1024 * 1024
PDF = "application/pdf"
OCTET = "application/octet-stream"
TEXT = "text/plain"
HTML = "text/html"  # told apart from text only to refuse it: never served as such
IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
OFFICE = frozenset(
    {
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
    }
)
ZIP = "application/zip"
INLINE = frozenset({PDF, *IMAGES})
# what an endpoint accepts, by detected type
PDF_ONLY = frozenset({PDF})
ATTACHMENTS = frozenset({PDF, *IMAGES, *OFFICE, TEXT})
KIND_WORDS = {
    PDF_ONLY: "PDF",
    ATTACHMENTS: "PDF, ảnh (PNG, JPG, GIF, WEBP), văn bản Word, Excel, PowerPoint, OpenDocument hoặc văn "
    "bản thuần (TXT)",
}
# a declared type kept for content no signature names (generated data), when it cannot run in a browser
HARMLESS = frozenset({"application/xml", "text/csv", "text/calendar", ZIP, "application/json"})
FILE_CSP = "sandbox; default-src 'none'; frame-ancestors 'none'"
INLINE_CSP = {
    PDF: "default-src 'none'; object-src 'self'; frame-ancestors 'self'",
    "image": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'",
}
TEXT_PROBE = 8192
MARKUP = re.compile(rb"<\s*(!doctype|html|head|body|script|svg|iframe|img)\b", re.IGNORECASE)


class TooLarge(DomainError):
    """An uploaded file over the size limit (413)."""

    status = 413


class Readable(Protocol):
    """What an upload offers: its name and its bytes read a chunk at a time (FastAPI's UploadFile)."""

    filename: str | None

    async def read(self, size: int = -1) -> bytes: ...


def looks_like_text(data: bytes) -> bool:
    """UTF-8 text without control characters other than tab, newlines and form feed."""
    head = data[:TEXT_PROBE]
    if not head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # a character cut at the probe's end is fine
            return False
        text = head[: exc.start].decode("utf-8")
    return all(ch in "\t\n\r\f" or unicodedata.category(ch) != "Cc" for ch in text)


def sniff(data: bytes) -> str | None:
    """The type the content is (a MIME type), or None when no signature names it and it is not text."""
    kind = filetype.guess(data[: 256 * 1024])
    if kind is not None:
        return str(kind.mime)
    if not looks_like_text(data):
        return None
    return HTML if MARKUP.search(data[:TEXT_PROBE]) else TEXT


def safe_name(name: str, fallback: str = "tep") -> str:
    """The file's own name: no folders, no control characters, at most 150 characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    base = base.strip().strip(".")[:150]
    return base or fallback


def disposition(kind: str, name: str) -> str:
    """An RFC 6266 Content-Disposition: an ASCII `filename` fallback and the UTF-8 `filename*`."""
    clean = safe_name(name)
    folded = clean.replace("đ", "d").replace("Đ", "D")  # the one Vietnamese letter NFKD keeps whole
    ascii_name = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_name).strip("-.") or "tep"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(clean, safe='')}"


def served_type(data: bytes, declared: str | None = None) -> str:
    """The type a stored file is served as: what its bytes are; for text, a harmless declared type
    (XML, CSV); never HTML; bytes when nothing names it."""
    detected = sniff(data)
    base = (declared or "").split(";")[0].strip().lower()
    if detected in {TEXT, HTML, None} and base in HARMLESS:
        return base  # text a signature cannot name (XML, CSV, iCalendar): its declared type, saved
    if detected == HTML:
        return TEXT  # markup is shown as the text it is, never rendered
    return detected or OCTET


def stored_file(
    data: bytes, filename: str, *, declared: str | None = None, inline: bool = True, framed: bool = False
) -> Response:
    """A stored file as the browser may safely receive it (see the module's docstring).

    `inline=False` makes even a PDF a download; `framed` lets the portal's own pages frame an inline
    file (the embedded PDF viewer)."""
    media = served_type(data, declared)
    shown = inline and media in INLINE
    headers = {
        "Content-Disposition": disposition("inline" if shown else "attachment", filename),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": (INLINE_CSP[PDF if media == PDF else "image"] if shown else FILE_CSP),
        "X-Frame-Options": "SAMEORIGIN" if shown and framed else "DENY",
    }
    return Response(data, media_type=media, headers=headers)


def export_file(
    data: bytes, filename: str, media_type: str, *, inline: bool = False, framed: bool = False
) -> Response:
    """A file the code itself rendered (an export, a form): its own type, the same safe headers."""
    pdf = media_type.startswith(PDF)
    shown = inline and pdf
    headers = {
        "Content-Disposition": disposition("inline" if shown else "attachment", filename),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": INLINE_CSP[PDF] if shown else FILE_CSP,
        "X-Frame-Options": "SAMEORIGIN" if shown and framed else "DENY",
    }
    return Response(data, media_type=media_type, headers=headers)


def upload_limit(max_upload_mb: int) -> int:
    """The limit in bytes of a setting in megabytes."""
    return max_upload_mb * MB


def size_words(limit: int) -> str:
    """A limit as a person reads it: "50 MB", "64 KB"."""
    return f"{limit // MB} MB" if limit >= MB else f"{max(1, limit // 1024)} KB"


async def read_limited(file: Readable, limit: int) -> bytes:
    """The upload's bytes, read a chunk at a time; refused (`TooLarge`) as soon as it passes `limit`."""
    name = safe_name(file.filename or "", "tệp tải lên")
    parts: list[bytes] = []
    total = 0
    while chunk := await file.read(CHUNK):
        total += len(chunk)
        if total > limit:
            raise TooLarge(f"Tệp {name} quá lớn: tối đa {size_words(limit)}.", field="file")
        parts.append(chunk)
    return b"".join(parts)


def check_kind(name: str, data: bytes, kinds: frozenset[str]) -> str:
    """The file's detected type when the endpoint accepts it; `Invalid` naming the file else."""
    shown = safe_name(name, "tệp tải lên")
    if not data:
        raise Invalid(f"Tệp {shown} rỗng.", field="file")
    detected = sniff(data)
    if detected not in kinds:
        what = f"nội dung là {_kind_word(detected)}" if detected else "không nhận ra được loại tệp"
        if kinds == PDF_ONLY:
            raise Invalid(f"Tệp {shown} không phải PDF ({what}); chỉ nhận tệp PDF.", field="file")
        words = KIND_WORDS.get(kinds, ", ".join(sorted(kinds)))
        raise Invalid(f"Tệp {shown} không được nhận ({what}); chỉ nhận {words}.", field="file")
    return detected


async def read_upload(file: Readable, limit: int, kinds: frozenset[str]) -> tuple[bytes, str]:
    """An upload read within `limit` and typed by its content: its bytes and its detected type."""
    data = await read_limited(file, limit)
    return data, check_kind(file.filename or "", data, kinds)


def _kind_word(media: str) -> str:
    """A detected type in words ("trang HTML", "chương trình chạy được")."""
    if media == HTML:
        return "trang HTML"
    if media == TEXT:
        return "văn bản thuần"
    if media in {"application/x-msdownload", "application/x-executable"}:
        return "chương trình chạy được"
    return media

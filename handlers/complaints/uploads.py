"""What a citizen may attach to a case: PDF, pictures and office documents, told apart by their content.

The name's extension must be one of ours and agree with what the bytes are (a renamed program is refused
whatever it is called); office files are opened as the zip they are and refused with macros. Sizes are
bounded per file and in all (`Limits`); the web layer also cuts the request while it streams. Every
refusal is an `Invalid` with a message a citizen can act on.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from hub.errors import Invalid

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of .doc and .xls
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"mif1", b"msf1"}
# kind -> (media type, extensions)
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "pdf": ("application/pdf", (".pdf",)),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg")),
    "png": ("image/png", (".png",)),
    "webp": ("image/webp", (".webp",)),
    "heic": ("image/heic", (".heic", ".heif")),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    "odt": ("application/vnd.oasis.opendocument.text", (".odt",)),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", (".ods",)),
    "doc": ("application/msword", (".doc",)),
    "xls": ("application/vnd.ms-excel", (".xls",)),
}
EXTENSIONS = {ext: kind for kind, (_, exts) in KINDS.items() for ext in exts}
ACCEPT = ",".join(sorted(EXTENSIONS))  # for <input type=file accept=...>
ALLOWED_WORDS = "PDF, ảnh (JPG, PNG, WEBP, HEIC) và văn bản Word, Excel (DOC, DOCX, XLS, XLSX, ODT, ODS)"
OOXML_PARTS = {"word/document.xml": "docx", "xl/workbook.xml": "xlsx"}
ODF_TYPES = {KINDS["odt"][0]: "odt", KINDS["ods"][0]: "ods"}


@dataclass(frozen=True)
class Limits:
    """How much a citizen may attach: per file, in all, and how many files."""

    file_bytes: int
    total_bytes: int
    count: int


@dataclass(frozen=True)
class Checked:
    """A file that passed: its clean name, what it is, and its bytes."""

    name: str
    media_type: str
    data: bytes


def megabytes(n: int) -> str:
    """A size as a citizen reads it: "10 MB", "2,5 MB" ("800 KB" below one megabyte)."""
    if n < 1024 * 1024:
        return f"{max(1, round(n / 1024))} KB"
    value = n / (1024 * 1024)
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") + " MB"


def clean_name(name: str) -> str:
    """The file's own name (no folders, no control characters), at most 120 characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C")
    base = base.strip().strip(".") or "tep-dinh-kem"
    if len(base) > 120:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 119 - len(ext)] + dot + ext) if dot and len(ext) <= 8 else base[:120]
    return base


def _zip_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                return "macro"
            for part, kind in OOXML_PARTS.items():
                if part in names and "[Content_Types].xml" in names:
                    return kind
            if "mimetype" in names:
                return ODF_TYPES.get(z.read("mimetype")[:100].decode("ascii", "replace").strip())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    return None


def sniff(data: bytes) -> str | None:
    """What the bytes are (a key of KINDS, "ole" for .doc/.xls, "macro"), None when none of ours."""
    head = data[:16]
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "heic"
    if head.startswith(OLE):
        return "ole"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    return None


def check_file(name: str, data: bytes, limits: Limits) -> Checked:
    """One attached file, or the reason it is refused (Invalid, in Vietnamese)."""
    shown = clean_name(name)
    if not data:
        raise Invalid(f"Tệp “{shown}” rỗng, không có nội dung", field="files")
    if len(data) > limits.file_bytes:
        raise Invalid(
            f"Tệp “{shown}” có dung lượng {megabytes(len(data))}, vượt mức tối đa "
            f"{megabytes(limits.file_bytes)} cho mỗi tệp",
            field="files",
        )
    ext = "." + shown.rpartition(".")[2].lower() if "." in shown else ""
    claimed = EXTENSIONS.get(ext)
    if claimed is None:
        raise Invalid(f"Tệp “{shown}” không được nhận: chỉ nhận {ALLOWED_WORDS}", field="files")
    found = sniff(data)
    if found == "macro":
        raise Invalid(
            f"Tệp “{shown}” có chứa macro, không được nhận; hãy lưu lại không có macro", field="files"
        )
    if found == "ole" and claimed in ("doc", "xls"):
        found = claimed
    if found != claimed:
        raise Invalid(
            f"Tệp “{shown}” có đuôi {ext} nhưng nội dung không phải tệp {ext[1:].upper()}; "
            f"chỉ nhận {ALLOWED_WORDS}",
            field="files",
        )
    return Checked(shown, KINDS[found][0], data)


def check_files(files: list[tuple[str, bytes]], limits: Limits) -> list[Checked]:
    """Every attached file checked, with the count and the total bounded."""
    if len(files) > limits.count:
        raise Invalid(f"Chỉ được đính kèm tối đa {limits.count} tệp", field="files")
    total = sum(len(data) for _, data in files)
    if total > limits.total_bytes:
        raise Invalid(
            f"Tổng dung lượng tệp đính kèm {megabytes(total)} vượt mức tối đa "
            f"{megabytes(limits.total_bytes)}",
            field="files",
        )
    return [check_file(name, data, limits) for name, data in files]

"""Decree 30 rules as data and small functions: type abbreviations, numbering notation, urgency labels,
diacritic folding for search, and the deadline status of a document."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from kit.workcal import WorkingCalendar

# App. III §I: type name (folded) -> abbreviation. Công văn and thư công have none.
TYPE_ABBREVIATIONS: dict[str, str] = {
    "Nghị quyết": "NQ",
    "Quyết định": "QĐ",
    "Chỉ thị": "CT",
    "Quy chế": "QC",
    "Quy định": "QyĐ",
    "Thông cáo": "TC",
    "Thông báo": "TB",
    "Hướng dẫn": "HD",
    "Chương trình": "CTr",
    "Kế hoạch": "KH",
    "Phương án": "PA",
    "Đề án": "ĐA",
    "Dự án": "DA",
    "Báo cáo": "BC",
    "Biên bản": "BB",
    "Tờ trình": "TTr",
    "Hợp đồng": "HĐ",
    "Công điện": "CĐ",
    "Bản ghi nhớ": "BGN",
    "Bản thỏa thuận": "BTT",
    "Giấy ủy quyền": "GUQ",
    "Giấy mời": "GM",
    "Giấy giới thiệu": "GGT",
    "Giấy nghỉ phép": "GNP",
    "Phiếu gửi": "PG",
    "Phiếu chuyển": "PC",
    "Phiếu báo": "PB",
    "Bản sao y": "SY",
    "Bản trích sao": "TrS",
    "Bản sao lục": "SL",
}
WITHOUT_ABBREVIATION = ("Công văn", "Thư công")

PRIORITY_BY_CODE = {0: "Thường", 1: "Khẩn", 2: "Thượng khẩn", 3: "Hỏa tốc", 4: "Hỏa tốc hẹn giờ"}
CODE_BY_PRIORITY = {label: code for code, label in PRIORITY_BY_CODE.items()}
URGENT = ("Khẩn", "Thượng khẩn", "Hỏa tốc", "Hỏa tốc hẹn giờ")
CONFIDENTIAL = ("Mật", "Tối mật", "Tuyệt mật")

# The Vietnamese words for a document's status, used in the module's own refusals and history.
STATUS_WORDS = {
    "received": "chờ vào sổ",
    "registered": "đã vào sổ, chờ chỉ đạo",
    "rejected": "đã từ chối",
    "assigned": "đã giao xử lý",
    "processing": "đang xử lý",
    "completed": "đã hoàn thành",
    "revoked": "đã thu hồi",
    "replaced": "đã bị thay thế",
    "draft": "dự thảo",
    "returned": "bị trả lại",
    "pending_approval": "chờ duyệt",
    "signing": "đang ký số",
    "approved": "đã duyệt, chờ ban hành",
    "issuing": "đang ban hành",
    "issued": "đã ban hành",
    "issue_failed": "ban hành không thành công",
}


def status_word(status: str) -> str:
    """How a status is said to a person ("đang xử lý"), never the code itself."""
    return STATUS_WORDS.get(status, "không xác định")


_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """Lower-case text without Vietnamese diacritics ("Quyết định" -> "quyet dinh"), spaces collapsed."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", bare.lower()).strip()


def canonical_type(name: str) -> str | None:
    """The Decree 30 spelling of a document type name given in any case or without diacritics."""
    wanted = fold(name)
    for known in (*TYPE_ABBREVIATIONS, *WITHOUT_ABBREVIATION):
        if fold(known) == wanted:
            return known
    return None


def type_abbreviation(name: str) -> str | None:
    """The abbreviation of a type (None for công văn / thư công); ValueError for an unknown type."""
    known = canonical_type(name)
    if known is None:
        raise ValueError(f"loại văn bản không có trong Nghị định 30: {name!r}")
    return TYPE_ABBREVIATIONS.get(known)


def format_number(number: int) -> str:
    """Numbers below 10 get a leading zero (Decree 30 App. I §3)."""
    return f"{number:02d}"


def notation(document_type: str, agency: str, unit: str | None) -> str:
    """Ký hiệu: type abbreviation and agency (QĐ-SKHĐT); a công văn takes agency and drafting unit."""
    abbreviation = type_abbreviation(document_type)
    if abbreviation is None:
        return f"{agency}-{unit}" if unit else agency
    return f"{abbreviation}-{agency}"


def number_and_notation(number: int, document_type: str, agency: str, unit: str | None) -> str:
    """Số và ký hiệu, e.g. 15/QĐ-SKHĐT or 05/SKHĐT-TH."""
    return f"{format_number(number)}/{notation(document_type, agency, unit)}"


DEADLINE_LABELS = {
    "no_deadline": "Không có hạn",
    "on_time": "Trong hạn",
    "due_soon": "Sắp đến hạn",
    "due_today": "Đến hạn hôm nay",
    "overdue": "Quá hạn",
    "done_on_time": "Hoàn thành đúng hạn",
    "done_late": "Hoàn thành quá hạn",
}


def deadline_status(
    deadline: date | None, completed_on: date | None, today: date, calendar: WorkingCalendar
) -> str:
    """Where a document stands against its deadline; "due soon" is within two working days."""
    if deadline is None:
        return "no_deadline"
    if completed_on is not None:
        return "done_on_time" if completed_on <= deadline else "done_late"
    if today > deadline:
        return "overdue"
    if today == deadline:
        return "due_today"
    if calendar.working_days_between(today, deadline) <= 2:
        return "due_soon"
    return "on_time"

"""Stamps show Vietnamese text with its diacritics, in the Decree 30 order."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pdfminer.high_level import extract_text
from pyhanko.pdf_utils.reader import PdfFileReader

from adapters.signing.settings import DEFAULT_BOLD_FONT, DEFAULT_FONT
from adapters.signing.stamp import Fonts, approval_appearance, issue_appearance, vietnamese_date_line
from tests.adapters.signing.documents import seal_png, signature_png

FONTS = Fonts(DEFAULT_FONT, DEFAULT_BOLD_FONT)
AT = datetime(2026, 3, 5, 9, 30, 15, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def test_date_line_pads_day_below_10_and_month_below_3() -> None:
    assert vietnamese_date_line("Hà Nội", date(2026, 3, 5)) == "Hà Nội, ngày 05 tháng 3 năm 2026"
    assert vietnamese_date_line("Hà Nội", date(2026, 2, 15)) == "Hà Nội, ngày 15 tháng 02 năm 2026"
    assert vietnamese_date_line("Hà Nội", date(2026, 11, 28)) == "Hà Nội, ngày 28 tháng 11 năm 2026"


def test_approval_stamp_shows_position_name_and_time_in_order(tmp_path: Path) -> None:
    pdf = approval_appearance(
        width=210,
        height=110,
        fonts=FONTS,
        position="KT. Giám đốc\nPhó Giám đốc",
        full_name="Trần Thị Bình",
        signed_at=AT,
        signature_image=signature_png(tmp_path / "sig.png"),
    )
    text = extract_text(io.BytesIO(pdf))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Trần Thị Bình", "Ký số: 05/03/2026 09:30:15 +07:00"]


def test_issue_stamp_shows_number_date_and_organisation(tmp_path: Path) -> None:
    pdf = issue_appearance(
        width=260,
        height=90,
        fonts=FONTS,
        organisation="SỞ KẾ HOẠCH VÀ ĐẦU TƯ",
        document_number="15/QĐ-SKHĐT",
        date_line=vietnamese_date_line("Hà Nội", AT.date()),
        signed_at=AT,
        seal_image=seal_png(tmp_path / "seal.png"),
    )
    text = extract_text(io.BytesIO(pdf))
    assert "Số: 15/QĐ-SKHĐT" in text
    assert "Hà Nội, ngày 05 tháng 3 năm 2026" in text
    assert "SỞ KẾ HOẠCH VÀ ĐẦU TƯ" in text


def test_narrow_issue_stamp_wraps_instead_of_shrinking(tmp_path: Path) -> None:
    pdf = issue_appearance(
        width=140,
        height=80,
        fonts=FONTS,
        organisation="SỞ KẾ HOẠCH VÀ ĐẦU TƯ",
        document_number="15/QĐ-SKHĐT",
        date_line=vietnamese_date_line("Hà Nội", AT.date()),
        signed_at=AT,
        seal_image=seal_png(tmp_path / "seal.png"),
    )
    words = " ".join(extract_text(io.BytesIO(pdf)).split())
    assert "Hà Nội, ngày 05 tháng 3 năm 2026" in words
    sizes = {round(float(s), 1) for s in re.findall(rb"/F\d+ ([\d.]+) Tf", _content(pdf))}
    assert sizes
    assert min(sizes) >= 6.0


def _content(pdf: bytes) -> bytes:
    reader = PdfFileReader(io.BytesIO(pdf))
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    return bytes(page["/Contents"].get_object().data)

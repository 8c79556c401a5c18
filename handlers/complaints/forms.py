"""The conclusion document of a case (kết luận / quyết định giải quyết), an A4 PDF ready for signing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from fpdf import FPDF

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
# Where the leader's visible signature goes (PDF points, origin bottom-left, A4 page 1).
SIGNATURE_BOX = {"page": 1, "x1": 320.0, "y1": 60.0, "x2": 560.0, "y2": 150.0}


@dataclass(frozen=True)
class Conclusion:
    agency_name: str
    kind_label: str
    case_number: str
    submitter_name: str
    subject: str
    received_on: date
    result_label: str
    summary: str
    issued_on: date


def render_conclusion(c: Conclusion) -> bytes:
    pdf = FPDF(orientation="P", unit="mm", format=(210.0, 297.0))
    pdf.set_margins(20, 15, 15)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=60)
    pdf.add_page()
    w = pdf.epw
    pdf.set_font("DejaVu", "B", 10)
    # the number and date come from the outgoing register at issue, in the seal's stamp
    pdf.multi_cell(w / 2, 5, c.agency_name.upper() + "\nSố:       (cấp khi ban hành)", align="C")
    pdf.set_xy(20 + w / 2, 15)
    pdf.multi_cell(w / 2, 5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc", align="C")
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(
        w, 6, f"Hà Nội, ngày      tháng      năm {c.issued_on:%Y}", align="R", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 13)
    pdf.multi_cell(w, 7, f"KẾT LUẬN GIẢI QUYẾT ĐƠN {c.kind_label.upper()}", align="C")
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 11)
    for line in (
        f"Đơn số {c.case_number} của {c.submitter_name}, nhận ngày {c.received_on:%d/%m/%Y}.",
        f"Nội dung: {c.subject}",
        f"Kết quả xác minh: {c.result_label}.",
        c.summary,
    ):
        pdf.multi_cell(w, 6, line)
        pdf.ln(2)
    return bytes(pdf.output())

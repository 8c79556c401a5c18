"""Printed forms of the one-stop desk (Circular 01/2018/TT-VPCP), rendered as A5 PDFs with fpdf2."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from fpdf import FPDF

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


@dataclass(frozen=True)
class ApologyForm:
    """What Mẫu 04 (Phiếu xin lỗi và hẹn lại ngày trả kết quả) says."""

    agency_name: str
    unit_name: str
    code: str
    applicant_name: str
    procedure_name: str
    received_on: date
    old_due_date: date
    new_due_date: date
    reason: str
    issued_on: date


def _vn(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _pdf() -> FPDF:
    pdf = FPDF(orientation="P", unit="mm", format=(148.0, 210.0))  # A5
    pdf.set_margins(12, 12, 12)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    return pdf


def render_apology(form: ApologyForm) -> bytes:
    """Render Mẫu 04 as a PDF."""
    pdf = _pdf()
    width = pdf.epw
    pdf.set_font("DejaVu", "B", 8)
    pdf.multi_cell(width / 2, 4, form.agency_name.upper() + "\n" + form.unit_name, align="C", new_x="RIGHT")
    pdf.set_xy(12 + width / 2, 12)
    pdf.multi_cell(width / 2, 4, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc", align="C")
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 8)
    pdf.cell(width, 5, f"Hà Nội, ngày {_vn(form.issued_on)}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(width, 6, "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", align="C")
    pdf.set_font("DejaVu", "", 8)
    pdf.cell(width, 5, "(Mẫu 04 - Thông tư 01/2018/TT-VPCP)", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("DejaVu", "", 9)
    lines = [
        f"Kính gửi: {form.applicant_name}",
        f"Ngày {_vn(form.received_on)}, {form.agency_name} tiếp nhận hồ sơ "
        f"mã số {form.code} về thủ tục: {form.procedure_name}.",
        f"Ngày hẹn trả kết quả: {_vn(form.old_due_date)}.",
        f"Tuy nhiên đến nay, {form.unit_name} chưa giải quyết xong hồ sơ của Ông/Bà. Lý do: {form.reason}",
        f"Sự chậm trễ này đã gây phiền hà cho Ông/Bà. {form.unit_name} xin lỗi Ông/Bà và sẽ trả kết quả "
        f"giải quyết hồ sơ vào ngày {_vn(form.new_due_date)}.",
        "Kính mong Ông/Bà thông cảm.",
    ]
    for line in lines:
        pdf.multi_cell(width, 5, line)
        pdf.ln(1)
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 9)
    pdf.cell(width, 5, "THỦ TRƯỞNG ĐƠN VỊ", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    pdf.cell(width, 5, "(Ký, ghi rõ họ tên, đóng dấu)", align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


@dataclass(frozen=True)
class ReceiptForm:
    """What Mẫu 01 (Giấy tiếp nhận hồ sơ và hẹn trả kết quả) says."""

    agency_name: str
    code: str
    applicant_name: str
    applicant_address: str
    applicant_phone: str
    procedure_name: str
    documents: list[str]
    received_on: date
    due_date: date


def render_receipt(form: ReceiptForm) -> bytes:
    """Render Mẫu 01 as a PDF."""
    pdf = _pdf()
    width = pdf.epw
    pdf.set_font("DejaVu", "B", 8)
    pdf.multi_cell(width / 2, 4, form.agency_name.upper() + "\nBỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ", align="C")
    pdf.set_xy(12 + width / 2, 12)
    pdf.multi_cell(width / 2, 4, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc", align="C")
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(width, 6, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", align="C")
    pdf.set_font("DejaVu", "", 8)
    pdf.cell(width, 5, f"Mã hồ sơ: {form.code}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 9)
    lines = [
        f"Tiếp nhận hồ sơ của: {form.applicant_name}",
        f"Địa chỉ: {form.applicant_address}",
        f"Số điện thoại: {form.applicant_phone}",
        f"Nội dung yêu cầu giải quyết: {form.procedure_name}",
        "Thành phần hồ sơ:",
        *(f"  {i}. {name}" for i, name in enumerate(form.documents or ["(hồ sơ giấy)"], start=1)),
        f"Ngày nhận hồ sơ: {_vn(form.received_on)}",
        f"Thời gian trả kết quả giải quyết hồ sơ: ngày {_vn(form.due_date)}",
        f"Tra cứu tình trạng hồ sơ bằng mã số {form.code}.",
    ]
    for line in lines:
        pdf.multi_cell(width, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 9)
    pdf.cell(width, 5, "NGƯỜI TIẾP NHẬN HỒ SƠ", align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())

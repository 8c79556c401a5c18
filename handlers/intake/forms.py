"""Printed forms of the one-stop desk (Circular 01/2018/TT-VPCP), rendered as PDFs with fpdf2: Mẫu 01 to 05
on A5, Mẫu 06 (the register) on A4 landscape."""

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


def _heading(pdf: FPDF, left: str, title: str, subtitle: str) -> None:
    """The two header blocks, the form's title and its number under the circular."""
    width = pdf.epw
    top = pdf.get_y()
    pdf.set_font("DejaVu", "B", 8)
    pdf.multi_cell(width / 2, 4, left, align="C")
    pdf.set_xy(pdf.l_margin + width / 2, top)
    pdf.multi_cell(width / 2, 4, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc", align="C")
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(width, 6, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    pdf.cell(width, 5, subtitle, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _lines(pdf: FPDF, lines: list[str]) -> None:
    pdf.set_font("DejaVu", "", 9)
    for line in lines:
        pdf.multi_cell(pdf.epw, 5, line, new_x="LMARGIN", new_y="NEXT")


def _signature(pdf: FPDF, who: str) -> None:
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 9)
    pdf.cell(pdf.epw, 5, who, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    pdf.cell(pdf.epw, 5, "(Ký và ghi rõ họ tên)", align="R", new_x="LMARGIN", new_y="NEXT")


@dataclass(frozen=True)
class SupplementForm:
    """What Mẫu 02 (Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ) says: every item asked for, at once."""

    agency_name: str
    code: str
    applicant_name: str
    procedure_name: str
    received_on: date
    items: list[str]
    requested_on: date
    note: str = ""


def render_supplement(form: SupplementForm) -> bytes:
    """Render Mẫu 02 as a PDF."""
    pdf = _pdf()
    _heading(
        pdf,
        form.agency_name.upper() + "\nBỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        f"(Mẫu 02 - Thông tư 01/2018/TT-VPCP) · Mã hồ sơ: {form.code}",
    )
    _lines(
        pdf,
        [
            f"Hà Nội, ngày {_vn(form.requested_on)}",
            f"Hồ sơ của: {form.applicant_name}",
            f"Nội dung yêu cầu giải quyết: {form.procedure_name}",
            f"Ngày nhận hồ sơ: {_vn(form.received_on)}",
            "Yêu cầu bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:",
            *(f"  {i}. {item}" for i, item in enumerate(form.items, start=1)),
            *([f"Lý do: {form.note}"] if form.note and form.note not in form.items else []),
            "Các nội dung trên được hướng dẫn đầy đủ một lần. Trong quá trình hoàn thiện hồ sơ, nếu có "
            "vướng mắc, Ông/Bà liên hệ Bộ phận tiếp nhận và trả kết quả để được hướng dẫn.",
        ],
    )
    _signature(pdf, "NGƯỜI HƯỚNG DẪN")
    return bytes(pdf.output())


@dataclass(frozen=True)
class RefusalForm:
    """What Mẫu 03 (Phiếu từ chối tiếp nhận giải quyết hồ sơ) says."""

    agency_name: str
    code: str
    applicant_name: str
    procedure_name: str
    received_on: date
    reason: str
    refused_on: date


def render_refusal(form: RefusalForm) -> bytes:
    """Render Mẫu 03 as a PDF."""
    pdf = _pdf()
    _heading(
        pdf,
        form.agency_name.upper() + "\nBỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
        "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
        f"(Mẫu 03 - Thông tư 01/2018/TT-VPCP) · Mã hồ sơ: {form.code}",
    )
    _lines(
        pdf,
        [
            f"Hà Nội, ngày {_vn(form.refused_on)}",
            f"Bộ phận tiếp nhận và trả kết quả {form.agency_name} tiếp nhận hồ sơ của: {form.applicant_name}",
            f"Nội dung yêu cầu giải quyết: {form.procedure_name}",
            f"Ngày nhận hồ sơ: {_vn(form.received_on)}",
            "Qua xem xét, cơ quan từ chối tiếp nhận, giải quyết hồ sơ này với lý do sau:",
            form.reason,
            "Xin thông báo để Ông/Bà được biết và thực hiện.",
        ],
    )
    _signature(pdf, "NGƯỜI LẬP PHIẾU")
    return bytes(pdf.output())


@dataclass(frozen=True)
class ControlRow:
    """One step on Mẫu 05: what was done, when, by whom (and which unit), with the note."""

    action: str
    at: str
    by: str
    note: str


@dataclass(frozen=True)
class ControlForm:
    """What Mẫu 05 (Phiếu kiểm soát quá trình giải quyết hồ sơ) says."""

    agency_name: str
    code: str
    applicant_name: str
    procedure_name: str
    received_on: date
    due_date: date | None
    rows: list[ControlRow]


def _table(pdf: FPDF, widths: list[float], header: list[str], rows: list[list[str]], size: float) -> None:
    pdf.set_font("DejaVu", "B", size)
    with pdf.table(
        col_widths=widths, text_align="LEFT", line_height=size * 0.5, padding=1, first_row_as_headings=True
    ) as t:
        head = t.row()
        for h in header:
            head.cell(h)
        pdf.set_font("DejaVu", "", size)
        for r in rows:
            line = t.row()
            for value in r:
                line.cell(value)


def render_control(form: ControlForm) -> bytes:
    """Render Mẫu 05 as a PDF: every step of the dossier in order."""
    pdf = _pdf()
    _heading(
        pdf,
        form.agency_name.upper() + "\nBỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
        "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        f"(Mẫu 05 - Thông tư 01/2018/TT-VPCP) · Mã hồ sơ: {form.code}",
    )
    _lines(
        pdf,
        [
            f"Người nộp: {form.applicant_name}",
            f"Thủ tục: {form.procedure_name}",
            f"Ngày nhận: {_vn(form.received_on)}"
            + (f" · Hẹn trả kết quả: {_vn(form.due_date)}" if form.due_date else ""),
        ],
    )
    pdf.ln(2)
    _table(
        pdf,
        [26, 22, 30, 46],
        ["Bước", "Thời gian", "Người thực hiện", "Kết quả, ghi chú"],
        [[r.action, r.at, r.by, r.note] for r in form.rows],
        7.5,
    )
    return bytes(pdf.output())


@dataclass(frozen=True)
class RegisterRow:
    """One dossier on Mẫu 06 (Sổ theo dõi hồ sơ)."""

    code: str
    procedure_name: str
    applicant: str
    contact: str
    unit: str
    received_on: str
    due_date: str
    transferred_on: str
    result_on: str
    returned_on: str
    note: str


def render_register(agency_name: str, start: date, end: date, rows: list[RegisterRow]) -> bytes:
    """Render Mẫu 06 (A4 landscape): the dossiers received in the period, one line each."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_margins(10, 10, 10)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=10)
    pdf.add_page()
    _heading(
        pdf,
        agency_name.upper() + "\nBỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
        "SỔ THEO DÕI HỒ SƠ",
        f"(Mẫu 06 - Thông tư 01/2018/TT-VPCP) · Từ ngày {_vn(start)} đến ngày {_vn(end)}",
    )
    header = [
        "STT",
        "Mã hồ sơ",
        "Tên thủ tục",
        "Tên cá nhân, tổ chức",
        "Địa chỉ, số điện thoại",
        "Cơ quan chủ trì giải quyết",
        "Ngày nhận",
        "Ngày hẹn trả",
        "Ngày chuyển",
        "Ngày có kết quả / yêu cầu bổ sung",
        "Ngày trả kết quả",
        "Ghi chú",
    ]
    body = [
        [
            str(i),
            r.code,
            r.procedure_name,
            r.applicant,
            r.contact,
            r.unit,
            r.received_on,
            r.due_date,
            r.transferred_on,
            r.result_on,
            r.returned_on,
            r.note,
        ]
        for i, r in enumerate(rows, start=1)
    ]
    if not body:
        body = [["", "", "Không có hồ sơ trong kỳ", "", "", "", "", "", "", "", "", ""]]
    _table(pdf, [9, 40, 34, 28, 30, 26, 17, 17, 17, 22, 17, 20], header, body, 6.5)
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 8)
    pdf.cell(pdf.epw, 5, f"Tổng số hồ sơ: {len(rows)}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())

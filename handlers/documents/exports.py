"""Exports: incoming and outgoing registers (Decree 30 App. IV columns) as XLSX and PDF, and a work
dossier as PDF (cover, table of contents, documents in order) plus XML metadata (App. VI Part II)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF
from lxml import etree
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from handlers.documents.clock import local_date
from handlers.documents.models import DocDossier, Document
from handlers.documents.rules import CODE_BY_PRIORITY, status_word
from schemas.edxml.codes import VN_TZ

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
BOLD_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")

INCOMING_COLUMNS = (
    "Ngày đến",
    "Số đến",
    "Tác giả",
    "Số, ký hiệu văn bản",
    "Ngày tháng văn bản",
    "Tên loại và trích yếu nội dung",
    "Đơn vị hoặc người nhận",
    "Ngày chuyển",
    "Ký nhận",
    "Ghi chú",
)
OUTGOING_COLUMNS = (
    "Số, ký hiệu văn bản",
    "Ngày tháng văn bản",
    "Tên loại và trích yếu nội dung",
    "Người ký",
    "Nơi nhận văn bản",
    "Đơn vị, người nhận bản lưu",
    "Số lượng bản",
    "Ngày chuyển",
    "Ký nhận",
    "Ghi chú",
)


def _d(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local_date(value)
    return value.strftime("%d/%m/%Y")


def incoming_row(doc: Document) -> list[str]:
    """One line of the incoming register."""
    recipients = ", ".join(u for u in [doc.lead_unit_id, *doc.coordinating_unit_ids] if u)
    note = doc.note or ""
    if doc.status in ("revoked", "replaced", "rejected"):
        note = note or status_word(doc.status).capitalize()
    return [
        _d(doc.arrived_at),
        str(doc.number or ""),
        doc.from_agency or "",
        doc.code or "",
        _d(doc.issued_date),
        f"{doc.document_type or ''} {doc.subject}".strip(),
        recipients,
        _d(doc.assigned_at),
        "",
        note,
    ]


def outgoing_row(doc: Document, signer: str) -> list[str]:
    """One line of the outgoing register."""
    recipients = "; ".join(
        str(r.get("name") or r.get("code") or r.get("unit_id") or "") for r in doc.recipients
    )
    return [
        doc.code or "",
        _d(doc.issued_date),
        f"{doc.document_type or ''} {doc.subject}".strip(),
        signer,
        recipients,
        f"VT, {doc.drafting_unit_id}" if doc.drafting_unit_id else "VT",
        str(len(doc.recipients) + 1),
        _d(doc.issued_at),
        "",
        doc.note or "",
    ]


@dataclass(frozen=True)
class Download:
    """A file handed to the caller: content, media type, the name it is saved under."""

    data: bytes
    media_type: str
    filename: str


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REGISTER_WIDTHS = (18, 12, 34, 24, 18, 60, 28, 18, 14, 30)  # mm on landscape A4: the App. IV registers


@dataclass
class Register:
    """A table to export (a register, an index): title, columns, rows, and the columns' widths in mm."""

    title: str
    columns: tuple[str, ...]
    rows: list[list[str]]
    widths: tuple[int, ...] = REGISTER_WIDTHS
    mark: str = ""  # under the title: the period, the totals, who exported it
    printed: str = ""  # at the foot of every page: who took it from the system and when (App. VI I.III.6.k)


def print_mark(name: str, moment: datetime) -> str:
    """The mark of a file taken from the system: by whom and when (Hanoi time)."""
    local = moment.astimezone(VN_TZ)
    return f"In từ Văn phòng điện tử bởi {name} lúc {local:%H:%M} ngày {local:%d/%m/%Y}"


def register_xlsx(register: Register) -> bytes:
    """The register as an XLSX workbook, one sheet, header row bold."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "So"
    ws.append([register.title])
    ws["A1"].font = Font(bold=True, size=13)
    if register.mark:
        ws.append([register.mark])
    ws.append(list(register.columns))
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for row in register.rows:
        ws.append(row)
    if register.printed:  # after the table, so the sheet's columns start where they always did
        ws.append([])
        ws.append([register.printed])
    for index, width in enumerate(register.widths):  # mm on paper, about as many characters in a cell
        ws.column_dimensions[chr(ord("A") + index)].width = max(8, round(width * 0.8))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


class _MarkedPDF(FPDF):
    """A PDF whose every page carries the print mark at its foot (Decree 30 App. VI I.III.6.k)."""

    def __init__(self, mark: str = "", **kw: Any) -> None:
        super().__init__(**kw)
        self.mark = mark

    def footer(self) -> None:
        if not self.mark:
            return
        self.set_y(-9)
        self.set_font("DejaVu", "", 7)
        self.cell(0, 5, f"{self.mark} · trang {self.page_no()}", align="R")


def _pdf(mark: str = "") -> FPDF:
    pdf = _MarkedPDF(mark, orientation="L", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_font("DejaVu", "B", str(BOLD_FONT))
    pdf.set_auto_page_break(True, margin=12)
    return pdf


def register_pdf(register: Register) -> bytes:
    """The register as a landscape PDF table (Unicode font for Vietnamese), the mark on every page."""
    pdf = _pdf(register.printed)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 13)
    pdf.cell(0, 10, register.title, align="C", new_x="LMARGIN", new_y="NEXT")
    if register.mark:
        pdf.set_font("DejaVu", "", 8)
        pdf.cell(0, 6, register.mark, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 7)
    with pdf.table(col_widths=register.widths, line_height=4) as table:
        header = table.row()
        for name in register.columns:
            header.cell(name)
        for values in register.rows:
            row = table.row()
            for value in values:
                row.cell(value)
    return bytes(pdf.output())


def register_docx(register: Register) -> bytes:
    """The table as a Word document (.docx), landscape A4, the mark under the title."""
    from docx import Document as Word
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm, Pt

    word = Word()
    section = word.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(12))
    word.add_heading(register.title, level=1)
    if register.mark:
        word.add_paragraph(register.mark)
    if register.printed:
        section.footer.paragraphs[0].text = register.printed
    table = word.add_table(rows=1, cols=len(register.columns))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, register.columns, strict=True):
        cell.text = name
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for values in register.rows:
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.text = value
    for row in table.rows:
        for cell, width in zip(row.cells, register.widths, strict=True):
            cell.width = Mm(width)
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(8)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


@dataclass
class DossierEntry:
    """A document or a note of a dossier, in order."""

    at: datetime
    kind: str
    title: str
    document: Document | None = None
    pages: int = 0


def dossier_pdf(dossier: DossierEntryHeader, entries: list[DossierEntry], mark: str = "") -> bytes:
    """Cover sheet, table of contents and each entry's metadata in chronological order; `mark` (who
    printed it and when) at the foot of every page."""
    pdf = _MarkedPDF(mark, unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.add_font("DejaVu", "B", str(BOLD_FONT))
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 9, "HỒ SƠ CÔNG VIỆC", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 12)
    pdf.multi_cell(0, 7, dossier.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 10)
    for label, value in dossier.fields():
        pdf.multi_cell(0, 6, f"{label}: {value}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(0, 7, "Mục lục văn bản", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    with pdf.table(col_widths=(10, 25, 40, 115), line_height=5) as table:
        head = table.row()
        for name in ("STT", "Ngày", "Số, ký hiệu", "Trích yếu / ghi chú"):
            head.cell(name)
        for n, entry in enumerate(entries, 1):
            row = table.row()
            row.cell(str(n))
            row.cell(_d(entry.at))
            row.cell(entry.document.code or "" if entry.document else "Ghi chú")
            row.cell(entry.title)
    for n, entry in enumerate(entries, 1):
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 11)
        pdf.multi_cell(0, 7, f"{n}. {entry.title}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        doc = entry.document
        if doc is None:
            pdf.multi_cell(0, 6, f"Ghi chú ngày {_d(entry.at)}", new_x="LMARGIN", new_y="NEXT")
            continue
        direction = "Văn bản đến" if doc.direction == "in" else "Văn bản đi"
        lines = [
            ("Loại", direction),
            ("Số, ký hiệu", doc.code or ""),
            ("Ngày văn bản", _d(doc.issued_date)),
            ("Cơ quan ban hành", doc.from_agency or ""),
            ("Số đến/đi", str(doc.number or "")),
            ("Độ khẩn", doc.priority),
            ("Độ mật", doc.confidentiality),
            ("Trạng thái", doc.status),
        ]
        for label, value in lines:
            pdf.multi_cell(0, 6, f"{label}: {value}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


@dataclass
class DossierEntryHeader:
    """What the dossier export shows about the dossier itself."""

    dossier: DocDossier
    organ_id: str
    start: date | None
    end: date | None
    doc_total: int
    page_total: int

    @property
    def title(self) -> str:
        return self.dossier.title

    def fields(self) -> list[tuple[str, str]]:
        d = self.dossier
        return [
            ("Mã hồ sơ", d.file_code),
            ("Thời hạn bảo quản", d.retention or d.maintenance or ""),
            ("Chế độ sử dụng", d.rights),
            ("Người lập hồ sơ", d.creator_id),
            ("Ngôn ngữ", d.language),
            ("Thời gian bắt đầu", _d(self.start)),
            ("Thời gian kết thúc", _d(self.end)),
            ("Tổng số văn bản", str(self.doc_total)),
            ("Chú giải", d.description),
        ]


def _sub(parent: Any, name: str, value: object) -> None:
    element = etree.SubElement(parent, name)
    element.text = "" if value is None else str(value)


def dossier_xml(header: DossierEntryHeader, entries: list[DossierEntry]) -> bytes:
    """Metadata of the dossier and its documents, with the field names of Decree 30 App. VI Part II."""
    d = header.dossier
    root = etree.Element("HoSo")
    meta = etree.SubElement(root, "File")
    for name, value in (
        ("FileCode", d.file_code),
        ("OrganId", header.organ_id),
        ("FileCatalog", (header.start or local_date(d.created_at)).year),
        ("FileNotation", d.file_code.rsplit(".", 1)[-1]),
        ("Title", d.title),
        ("Maintenance", d.retention or d.maintenance),
        ("Rights", d.rights),
        ("Creator", d.creator_id),
        ("Language", d.language),
        ("StartDate", _d(header.start)),
        ("EndDate", _d(header.end)),
        ("DocTotal", header.doc_total),
        ("PageTotal", header.page_total),
        ("Description", d.description),
    ):
        _sub(meta, name, value)
    docs = etree.SubElement(root, "Documents")
    ordinal = 0
    for entry in entries:
        doc = entry.document
        if doc is None:
            note = etree.SubElement(docs, "Note")
            _sub(note, "Date", _d(entry.at))
            _sub(note, "Description", entry.title)
            continue
        ordinal += 1
        el = etree.SubElement(docs, "IncomingDocument" if doc.direction == "in" else "OutgoingDocument")
        number, _, notation = (doc.code or "").partition("/")
        for name, value in (
            ("FileCode", d.file_code),
            ("DocOrdinal", ordinal),
            ("TypeName", doc.document_type or ""),
            ("CodeNumber", number),
            ("CodeNotation", notation),
            ("IssuedDate", _d(doc.issued_date)),
            ("OrganName", doc.from_agency or ""),
            ("Subject", doc.subject),
            ("Language", "Tiếng Việt"),
            ("PageAmount", entry.pages or ""),
            ("Description", doc.note or ""),
        ):
            _sub(el, name, value)
        if doc.direction == "in":
            _sub(el, "ArrivalDate", _d(doc.arrived_at))
            _sub(el, "ArrivalNumber", doc.number or "")
        else:
            to = etree.SubElement(el, "To")
            for r in doc.recipients:
                organ = etree.SubElement(to, "Organ")
                _sub(organ, "OrganId", r.get("code") or r.get("unit_id") or "")
                _sub(organ, "OrganName", r.get("name") or "")
            _sub(el, "IssuedAmount", len(doc.recipients) + 1)
        signer = etree.SubElement(el, "SignerInfo")
        _sub(signer, "FullName", doc.signer_name or doc.signed_by or "")
        _sub(el, "Priority", CODE_BY_PRIORITY.get(doc.priority, 0))
        _sub(el, "DueDate", _d(doc.due_date))
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data

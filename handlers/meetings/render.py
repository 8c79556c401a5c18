"""The weekly schedule as iCalendar, PDF and XLSX, in the usual Vietnamese layout."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace
from icalendar import Calendar, Event, vCalAddress, vText
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from handlers.meetings.conflicts import WEEKDAY_NAMES, local

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
HEADERS = ("Thứ, ngày", "Thời gian", "Nội dung", "Chủ trì", "Thành phần", "Địa điểm", "Chuẩn bị")
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
)


@dataclass(frozen=True)
class Letterhead:
    """The two lines over the schedule's left column: the governing body and the agency."""

    parent: str = "UBND THÀNH PHỐ HÀ NỘI"
    agency: str = "SỞ KẾ HOẠCH VÀ ĐẦU TƯ"


@dataclass
class Item:
    """A meeting with names resolved, ready to render."""

    id: str
    title: str
    chair: str
    participants: list[str]
    units: list[str]
    place: str
    starts_at: datetime
    ends_at: datetime
    preparation: str
    sequence: int
    cancelled: bool
    updated_at: datetime
    attendees: list[tuple[str, str]] = field(default_factory=list)  # (name, email)


def title_of_week(week_start: date) -> str:
    end = week_start + timedelta(days=6)
    return f"(Từ ngày {week_start:%d/%m/%Y} đến ngày {end:%d/%m/%Y})"


def _utc(moment: datetime) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def ical(items: Sequence[Item], name: str) -> bytes:
    """An iCalendar feed (RFC 5545) any calendar client can subscribe to."""
    cal = Calendar()
    cal.add("prodid", "-//Lienthong//Lich cong tac tuan//VI")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Ho_Chi_Minh")
    for item in items:
        ev = Event()
        ev.add("uid", f"{item.id}@lienthong")
        ev.add("dtstamp", _utc(item.updated_at))
        ev.add("dtstart", _utc(item.starts_at))
        ev.add("dtend", _utc(item.ends_at))
        ev.add("summary", item.title)
        ev.add("location", item.place)
        ev.add("sequence", item.sequence)
        ev.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        lines = [f"Chủ trì: {item.chair}"]
        if item.participants or item.units:
            lines.append("Thành phần: " + ", ".join([*item.participants, *item.units]))
        if item.preparation:
            lines.append(f"Chuẩn bị: {item.preparation}")
        ev.add("description", "\n".join(lines))
        for person, email in item.attendees:
            address = vCalAddress(f"mailto:{email}")
            address.params["cn"] = vText(person)
            address.params["role"] = vText("REQ-PARTICIPANT")
            ev.add("attendee", address, encode=False)
        cal.add_component(ev)
    data: bytes = cal.to_ical()
    return data


def _by_day(items: Sequence[Item]) -> dict[date, list[Item]]:
    days: dict[date, list[Item]] = defaultdict(list)
    for item in sorted(items, key=lambda i: i.starts_at):
        days[local(item.starts_at).date()].append(item)
    return dict(sorted(days.items()))


def _cells(item: Item) -> list[str]:
    s, e = local(item.starts_at), local(item.ends_at)
    session = "Sáng" if s.hour < 12 else "Chiều" if s.hour < 18 else "Tối"
    title = f"[HỦY] {item.title}" if item.cancelled else item.title
    return [
        f"{session}\n{s:%H:%M}–{e:%H:%M}",
        title,
        item.chair,
        ", ".join([*item.participants, *item.units]),
        item.place,
        item.preparation,
    ]


def _day_label(day: date) -> str:
    return f"{WEEKDAY_NAMES[day.weekday()]}\n{day:%d/%m/%Y}"


def font_path() -> Path:
    for path in FONT_CANDIDATES:
        if path.exists():
            return path
    raise FileNotFoundError("no Unicode TTF font found (install fonts-dejavu-core)")


def schedule_pdf(
    items: Sequence[Item], week_start: date, version: int, head: Letterhead = Letterhead()
) -> bytes:
    """The weekly schedule as an A4 landscape PDF."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_margins(10, 10, 10)
    pdf.set_auto_page_break(True, 12)
    regular = font_path()
    bold = regular.with_name("DejaVuSans-Bold.ttf")
    pdf.add_font("vn", "", str(regular))
    pdf.add_font("vn", "B", str(bold if bold.exists() else regular))
    pdf.add_page()
    pdf.set_font("vn", "", 10)
    width = pdf.epw / 2
    y = pdf.get_y()
    pdf.multi_cell(width, 5, f"{head.parent}\n**{head.agency}**", align="C", markdown=True)
    pdf.set_xy(10 + width, y)
    pdf.multi_cell(width, 5, f"**{NATION}**\n**{MOTTO}**", align="C", markdown=True)
    pdf.ln(6)
    pdf.set_font("vn", "B", 14)
    pdf.cell(0, 8, "LỊCH CÔNG TÁC TUẦN CỦA LÃNH ĐẠO SỞ", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("vn", "", 10)
    pdf.cell(0, 6, title_of_week(week_start), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, f"Bản phát hành lần {version}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("vn", "", 8.5)
    heading = FontFace(emphasis="BOLD", fill_color=(225, 225, 225))
    with pdf.table(
        col_widths=(24, 22, 70, 34, 60, 34, 33), headings_style=heading, line_height=4.6, text_align="LEFT"
    ) as table:
        row = table.row()
        for label in HEADERS:
            row.cell(label, align="C")
        days = _by_day(items)
        if not days:
            row = table.row()
            row.cell("Chưa có lịch công tác được duyệt trong tuần", colspan=len(HEADERS), align="C")
        for day, day_items in days.items():
            for n, item in enumerate(day_items):
                row = table.row()
                if n == 0:
                    row.cell(_day_label(day), rowspan=len(day_items), align="C", v_align="M")
                for text in _cells(item):
                    row.cell(text)
    pdf.ln(6)
    pdf.set_font("vn", "", 9)
    pdf.cell(
        0, 5, "Nơi nhận: Ban Giám đốc Sở; các phòng, đơn vị thuộc Sở; lưu VT.", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_x(10 + width)
    pdf.set_font("vn", "B", 10)
    pdf.cell(width, 6, "TL. GIÁM ĐỐC", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(10 + width)
    pdf.cell(width, 6, "CHÁNH VĂN PHÒNG", align="C")
    return bytes(pdf.output())


def schedule_xlsx(
    items: Sequence[Item], week_start: date, version: int, head: Letterhead = Letterhead()
) -> bytes:
    """The weekly schedule as an XLSX sheet in the same layout."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = f"Lich tuan {week_start:%d-%m-%Y}"
    bold = Font(bold=True)
    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    center = Alignment(wrap_text=True, horizontal="center", vertical="center")
    ws["A1"], ws["A2"] = head.parent, head.agency
    ws["E1"], ws["E2"] = NATION, MOTTO
    for ref in ("A2", "E1", "E2"):
        ws[ref].font = bold
    ws.merge_cells("A4:G4")
    ws.merge_cells("A5:G5")
    ws["A4"] = "LỊCH CÔNG TÁC TUẦN CỦA LÃNH ĐẠO SỞ"
    ws["A4"].font = Font(bold=True, size=14)
    ws["A5"] = f"{title_of_week(week_start)} – bản phát hành lần {version}"
    ws["A4"].alignment = ws["A5"].alignment = center
    for col, (label, width) in enumerate(zip(HEADERS, (14, 13, 45, 22, 40, 22, 25), strict=True), start=1):
        cell = ws.cell(row=7, column=col, value=label)
        cell.font, cell.alignment, cell.border = bold, center, box
        ws.column_dimensions[cell.column_letter].width = width
    r = 8
    for day, day_items in _by_day(items).items():
        first = r
        for item in day_items:
            ws.cell(row=r, column=1, value=_day_label(day))
            for col, text in enumerate(_cells(item), start=2):
                ws.cell(row=r, column=col, value=text)
            for col in range(1, 8):
                ws.cell(row=r, column=col).border = box
                ws.cell(row=r, column=col).alignment = wrap
            r += 1
        if r - first > 1:
            ws.merge_cells(start_row=first, start_column=1, end_row=r - 1, end_column=1)
        ws.cell(row=first, column=1).alignment = center
    ws.cell(row=r + 1, column=5, value="TL. GIÁM ĐỐC").font = bold
    ws.cell(row=r + 2, column=5, value="CHÁNH VĂN PHÒNG").font = bold
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()

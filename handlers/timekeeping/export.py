"""The timesheet as an XLSX workbook in the usual Vietnamese layout."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from handlers.timekeeping.rules import SYMBOL_LEGEND
from handlers.timekeeping.timesheet import PersonMonth, Sheet, day_symbol

WEEKDAYS = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")
TOTALS_HEAD = (
    "Số công",
    "Phép (P)",
    "Ốm (Ô)",
    "Công tác (CT)",
    "Vắng (V)",
    "Đi muộn (lần)",
    "Về sớm (lần)",
)
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
BOLD = Font(bold=True)
GREY = PatternFill("solid", fgColor="DDDDDD")
HEAD, SUB = 7, 8  # the two rows of the table's heading
FIRST_DAY_COL = 4  # after STT, Họ và tên, Chức vụ


def _num(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def timesheet_xlsx(sheet: Sheet, agency: str) -> bytes:
    """Render the unit's month: one row per person, one column per day, then the totals."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = f"Cham cong {sheet.month}"
    days = [sheet.first + timedelta(i) for i in range((sheet.last - sheet.first).days + 1)]
    last_col = FIRST_DAY_COL - 1 + len(days) + len(TOTALS_HEAD)
    _title(ws, sheet, agency, last_col)
    _table_heading(ws, days)
    for n, person in enumerate(sheet.people, start=1):
        _person_row(ws, SUB + n, n, sheet, person, days)
    _frame(ws, SUB + len(sheet.people), last_col)
    _legend_and_signatures(ws, SUB + len(sheet.people) + 2, sheet.working_days, last_col)
    ws.freeze_panes = ws.cell(row=SUB + 1, column=FIRST_DAY_COL)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _title(ws: Worksheet, sheet: Sheet, agency: str, last_col: int) -> None:
    """The agency and unit at the top left, the national motto at the right, the title centred."""
    ws["A1"] = agency
    ws["A2"] = sheet.unit_name.upper()
    ws.cell(row=1, column=last_col - 8, value="CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").font = BOLD
    ws.cell(row=2, column=last_col - 8, value="Độc lập - Tự do - Hạnh phúc").font = BOLD
    ws["A1"].font = ws["A2"].font = BOLD
    ws.merge_cells(start_row=4, start_column=1, end_row=4, end_column=last_col)
    ws.merge_cells(start_row=5, start_column=1, end_row=5, end_column=last_col)
    ws["A4"] = "BẢNG CHẤM CÔNG"
    ws["A4"].font = Font(bold=True, size=14)
    ws["A5"] = f"Tháng {sheet.first.month:02d} năm {sheet.first.year}"
    ws["A4"].alignment = ws["A5"].alignment = CENTER


def _table_heading(ws: Worksheet, days: list[date]) -> None:
    """Two heading rows: who, then each day with its weekday, then the totals."""
    for col, label in enumerate(("STT", "Họ và tên", "Chức vụ"), start=1):
        ws.merge_cells(start_row=HEAD, start_column=col, end_row=SUB, end_column=col)
        ws.cell(row=HEAD, column=col, value=label)
    for i, day in enumerate(days):
        ws.cell(row=HEAD, column=FIRST_DAY_COL + i, value=day.day)
        ws.cell(row=SUB, column=FIRST_DAY_COL + i, value=WEEKDAYS[day.weekday()])
        ws.column_dimensions[get_column_letter(FIRST_DAY_COL + i)].width = 4.2
    for j, label in enumerate(TOTALS_HEAD):
        col = FIRST_DAY_COL + len(days) + j
        ws.merge_cells(start_row=HEAD, start_column=col, end_row=SUB, end_column=col)
        ws.cell(row=HEAD, column=col, value=label)
        ws.column_dimensions[get_column_letter(col)].width = 9
    ws.column_dimensions["A"].width = 5
    ws.column_dimensions["B"].width = 24
    ws.column_dimensions["C"].width = 22


def _person_row(ws: Worksheet, r: int, n: int, sheet: Sheet, person: PersonMonth, days: list[date]) -> None:
    """One person's line: a symbol per day (non-working days greyed), then the month's figures."""
    ws.cell(row=r, column=1, value=n)
    ws.cell(row=r, column=2, value=person.full_name)
    ws.cell(row=r, column=3, value=person.position)
    for i, day in enumerate(days):
        cell = ws.cell(row=r, column=FIRST_DAY_COL + i, value=day_symbol(sheet, person, day) or None)
        if person.days.get(day) is None:
            cell.fill = GREY
    t = person.totals
    assert t is not None
    figures = [t.worked, t.annual_leave, t.sick_leave, t.business_trip, t.absent, t.late_count]
    for j, value in enumerate([*figures, t.early_leave_count]):
        ws.cell(row=r, column=FIRST_DAY_COL + len(days) + j, value=_num(value))


def _frame(ws: Worksheet, last_row: int, last_col: int) -> None:
    """Borders round every cell of the table, centred figures, a bold heading."""
    for row in ws.iter_rows(min_row=HEAD, max_row=last_row, max_col=last_col):
        for cell in row:
            cell.border = BOX
            if cell.column not in (2, 3):
                cell.alignment = CENTER
    for row in ws.iter_rows(min_row=HEAD, max_row=SUB, max_col=last_col):
        for cell in row:
            cell.font = BOLD


def _legend_and_signatures(ws: Worksheet, foot: int, working_days: int, last_col: int) -> None:
    """The month's working days and the symbols' legend at the left, the two signatures at the right."""
    ws.cell(row=foot, column=2, value=f"Số ngày làm việc trong tháng: {working_days}")
    ws.cell(row=foot + 1, column=2, value="Ký hiệu chấm công:").font = BOLD
    for k, (symbol, meaning) in enumerate(SYMBOL_LEGEND.items()):
        ws.cell(row=foot + 2 + k, column=2, value=f"{symbol}: {meaning}")
    sign = foot + 2
    ws.cell(row=sign, column=last_col - 12, value="Người chấm công").font = BOLD
    ws.cell(row=sign, column=last_col - 4, value="Trưởng đơn vị").font = BOLD
    ws.cell(row=sign + 1, column=last_col - 12, value="(Ký, ghi rõ họ tên)")
    ws.cell(row=sign + 1, column=last_col - 4, value="(Ký, ghi rõ họ tên)")

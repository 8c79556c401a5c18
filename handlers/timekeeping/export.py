"""The timesheet as an XLSX workbook in the usual Vietnamese layout."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from handlers.timekeeping.rules import SYMBOL_LEGEND
from handlers.timekeeping.timesheet import Sheet, day_symbol

AGENCY = "SỞ KẾ HOẠCH VÀ ĐẦU TƯ HÀ NỘI"
WEEKDAYS = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _num(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def timesheet_xlsx(sheet: Sheet) -> bytes:
    """Render the unit's month: one row per person, one column per day, then the totals."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = f"Cham cong {sheet.month}"
    days = [sheet.first + timedelta(i) for i in range((sheet.last - sheet.first).days + 1)]
    totals_head = [
        "Số công",
        "Phép (P)",
        "Ốm (Ô)",
        "Công tác (CT)",
        "Vắng (V)",
        "Đi muộn (lần)",
        "Về sớm (lần)",
    ]
    last_col = 3 + len(days) + len(totals_head)
    bold = Font(bold=True)
    ws["A1"] = AGENCY
    ws["A2"] = sheet.unit_name.upper()
    ws.cell(row=1, column=last_col - 8, value="CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").font = bold
    ws.cell(row=2, column=last_col - 8, value="Độc lập - Tự do - Hạnh phúc").font = bold
    ws["A1"].font = ws["A2"].font = bold
    ws.merge_cells(start_row=4, start_column=1, end_row=4, end_column=last_col)
    ws.merge_cells(start_row=5, start_column=1, end_row=5, end_column=last_col)
    ws["A4"] = "BẢNG CHẤM CÔNG"
    ws["A4"].font = Font(bold=True, size=14)
    ws["A5"] = f"Tháng {sheet.first.month:02d} năm {sheet.first.year}"
    ws["A4"].alignment = ws["A5"].alignment = CENTER
    head, sub = 7, 8
    for col, label in enumerate(("STT", "Họ và tên", "Chức vụ"), start=1):
        ws.merge_cells(start_row=head, start_column=col, end_row=sub, end_column=col)
        ws.cell(row=head, column=col, value=label)
    for i, day in enumerate(days):
        ws.cell(row=head, column=4 + i, value=day.day)
        ws.cell(row=sub, column=4 + i, value=WEEKDAYS[day.weekday()])
        ws.column_dimensions[get_column_letter(4 + i)].width = 4.2
    for j, label in enumerate(totals_head):
        col = 4 + len(days) + j
        ws.merge_cells(start_row=head, start_column=col, end_row=sub, end_column=col)
        ws.cell(row=head, column=col, value=label)
        ws.column_dimensions[get_column_letter(col)].width = 9
    ws.column_dimensions["A"].width = 5
    ws.column_dimensions["B"].width = 24
    ws.column_dimensions["C"].width = 22
    grey = PatternFill("solid", fgColor="DDDDDD")
    for n, person in enumerate(sheet.people, start=1):
        r = sub + n
        ws.cell(row=r, column=1, value=n)
        ws.cell(row=r, column=2, value=person.full_name)
        ws.cell(row=r, column=3, value=person.position)
        for i, day in enumerate(days):
            cell = ws.cell(row=r, column=4 + i, value=day_symbol(sheet, person, day) or None)
            if person.days.get(day) is None:
                cell.fill = grey
        t = person.totals
        assert t is not None
        figures = [t.worked, t.annual_leave, t.sick_leave, t.business_trip, t.absent, t.late_count]
        for j, value in enumerate([*figures, t.early_leave_count]):
            ws.cell(row=r, column=4 + len(days) + j, value=_num(value))
    for row in ws.iter_rows(min_row=head, max_row=sub + len(sheet.people), max_col=last_col):
        for cell in row:
            cell.border = BOX
            if cell.column != 2 and cell.column != 3:
                cell.alignment = CENTER
    for row in ws.iter_rows(min_row=head, max_row=sub, max_col=last_col):
        for cell in row:
            cell.font = bold
    foot = sub + len(sheet.people) + 2
    ws.cell(row=foot, column=2, value=f"Số ngày làm việc trong tháng: {sheet.working_days}")
    ws.cell(row=foot + 1, column=2, value="Ký hiệu chấm công:").font = bold
    for k, (symbol, meaning) in enumerate(SYMBOL_LEGEND.items()):
        ws.cell(row=foot + 2 + k, column=2, value=f"{symbol}: {meaning}")
    sign = foot + 2
    ws.cell(row=sign, column=last_col - 12, value="Người chấm công").font = bold
    ws.cell(row=sign, column=last_col - 4, value="Trưởng đơn vị").font = bold
    ws.cell(row=sign + 1, column=last_col - 12, value="(Ký, ghi rõ họ tên)")
    ws.cell(row=sign + 1, column=last_col - 4, value="(Ký, ghi rõ họ tên)")
    ws.freeze_panes = ws.cell(row=sub + 1, column=4)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()

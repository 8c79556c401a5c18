"""Evaluation results and per-unit statistics as XLSX."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.worksheet import Worksheet

from handlers.evaluation.models import Assessment, Cycle
from schemas.evaluation import LEVEL_LABELS, LEVELS, QuotaWarning

THIN = Side(style="thin")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)
RESULT_HEADINGS = (
    "STT",
    "Họ và tên",
    "Đơn vị",
    "Tự đánh giá",
    "Gợi ý từ dữ liệu",
    "Trưởng đơn vị đánh giá",
    "Quyết định",
)


def _label(level: str | None) -> str:
    return LEVEL_LABELS[level] if level else ""


def results_xlsx(
    cycle: Cycle,
    rows: Sequence[Assessment],
    names: dict[str, str],
    units: dict[str, str],
    warnings: Sequence[QuotaWarning],
    agency: str = "SỞ KẾ HOẠCH VÀ ĐẦU TƯ HÀ NỘI",
) -> bytes:
    """Sheet 1: each person's self, suggested, reviewed and final level; sheet 2: counts per unit."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    results_sheet(ws, cycle, rows, names, units, agency)
    stats_sheet(wb.create_sheet("Thong ke"), rows, units, warnings)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def results_sheet(
    ws: Worksheet,
    cycle: Cycle,
    rows: Sequence[Assessment],
    names: dict[str, str],
    units: dict[str, str],
    agency: str,
) -> None:
    """Each person's self, suggested, reviewed and final level, by unit and name."""
    ws.title = "Ket qua"
    ws["A1"], ws["A2"] = agency, "KẾT QUẢ ĐÁNH GIÁ, XẾP LOẠI CÔNG CHỨC"
    ws["A3"] = f"{cycle.name} ({cycle.period_start:%d/%m/%Y} – {cycle.period_end:%d/%m/%Y})"
    for ref in ("A1", "A2"):
        ws[ref].font = BOLD
    for col, label in enumerate(RESULT_HEADINGS, start=1):
        cell = ws.cell(row=5, column=col, value=label)
        cell.font, cell.border = BOLD, BOX
    for letter, width in zip("ABCDEFG", (5, 26, 28, 30, 30, 30, 30), strict=True):
        ws.column_dimensions[letter].width = width
    ordered = sorted(rows, key=lambda a: (a.unit_id or "", names.get(a.user_id, a.user_id)))
    for n, a in enumerate(ordered, start=1):
        values: list[object] = [
            n,
            names.get(a.user_id, a.user_id),
            units.get(a.unit_id or "", a.unit_id or ""),
            _label(a.self_level),
            _label(a.suggested_level),
            _label(a.review_level),
            _label(a.final_level),
        ]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=5 + n, column=col, value=value)
            cell.border = BOX
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def counts_per_unit(rows: Sequence[Assessment]) -> dict[str, Counter[str]]:
    """Per unit, how many at each level (decided, else reviewed)."""
    per_unit: dict[str, Counter[str]] = defaultdict(Counter)
    for a in rows:
        level = a.final_level or a.review_level
        if level:
            per_unit[a.unit_id or ""][level] += 1
    return per_unit


def count_line(name: str, counts: Counter[str]) -> list[object]:
    n = sum(counts.values())
    return [name, n, *[counts[x] for x in LEVELS], counts["xuat_sac"] / n if n else 0]


def stats_sheet(
    stats: Worksheet, rows: Sequence[Assessment], units: dict[str, str], warnings: Sequence[QuotaWarning]
) -> None:
    """Counts per unit and for the whole department, the share of excellent, and the quota warnings."""
    stats["A1"] = "THỐNG KÊ KẾT QUẢ XẾP LOẠI THEO ĐƠN VỊ"
    stats["A1"].font = BOLD
    header = ["Đơn vị", "Tổng số", *[LEVEL_LABELS[x] for x in LEVELS], "Tỷ lệ xuất sắc"]
    for col, label in enumerate(header, start=1):
        cell = stats.cell(row=3, column=col, value=label)
        cell.font, cell.border = BOLD, BOX
        cell.alignment = Alignment(wrap_text=True)
    total: Counter[str] = Counter()
    r = 4
    for unit_id, counts in sorted(counts_per_unit(rows).items()):
        total.update(counts)
        line = count_line(units.get(unit_id, unit_id), counts)
        for col, value in enumerate(line, start=1):
            stats.cell(row=r, column=col, value=value).border = BOX
        stats.cell(row=r, column=len(line)).number_format = "0%"
        r += 1
    line = count_line("Toàn Sở", total)
    for col, value in enumerate(line, start=1):
        cell = stats.cell(row=r, column=col, value=value)
        cell.font, cell.border = BOLD, BOX
    stats.cell(row=r, column=len(line)).number_format = "0%"
    for i, w in enumerate(warnings):
        stats.cell(row=r + 2 + i, column=1, value=f"Cảnh báo: {w.message}")
    stats.column_dimensions["A"].width = 30

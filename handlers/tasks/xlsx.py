"""Monthly report of a unit's tasks as an XLSX workbook (openpyxl): summary, tasks, urgings per person."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from handlers.tasks.models import Task
from handlers.tasks.status import LABELS, status_of
from handlers.tasks.views import UrgingCount
from kit.workcal import WorkingCalendar

HEADERS = [
    "Mã nhiệm vụ",
    "Nội dung",
    "Cán bộ xử lý",
    "Người giao",
    "Độ khẩn",
    "Hạn xử lý",
    "Trạng thái",
    "Tiến độ (%)",
    "Ngày hoàn thành",
    "Hệ số quy đổi",
]
URGING_HEADERS = ["Cán bộ", "Nhắc nhở", "Phê bình", "Tự phê bình", "Tổng số lần đôn đốc"]


def monthly_report(
    unit_name: str,
    year: int,
    month: int,
    tasks: list[Task],
    as_of: date,
    cal: WorkingCalendar,
    *,
    urgings: list[UrgingCount] | None = None,
    names: dict[str, str] | None = None,
) -> bytes:
    """Workbook: a summary, one row per task due or finished in the month, urgings per person and type."""
    names = names or {}
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = "Tổng hợp"
    summary.append([f"BÁO CÁO TÌNH HÌNH THỰC HIỆN NHIỆM VỤ THÁNG {month:02d}/{year}"])
    summary.append([f"Đơn vị: {unit_name}"])
    summary.append([f"Số liệu đến ngày {as_of:%d/%m/%Y}"])
    summary.append([])
    summary["A1"].font = Font(bold=True, size=13)
    counts = dict.fromkeys(LABELS, 0)
    statuses = [status_of(t, as_of, cal) for t in tasks]
    for st in statuses:
        counts[st.code] += 1
        counts["due_today"] += st.due_today
        counts["due_soon"] += st.due_soon
    summary.append(["Chỉ tiêu", "Số lượng"])
    summary.append(["Tổng số nhiệm vụ", len(tasks)])
    for code, label in LABELS.items():
        summary.append([label, counts[code]])
    done = counts["done_on_time"] + counts["done_overdue"]
    rate = counts["done_on_time"] / done if done else 0.0
    summary.append(["Tỷ lệ hoàn thành đúng hạn", rate])
    summary.cell(row=summary.max_row, column=2).number_format = "0.0%"
    summary.column_dimensions["A"].width = 36
    detail = wb.create_sheet("Chi tiết")
    detail.append(HEADERS)
    for cell in detail[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
    for task, st in zip(tasks, statuses, strict=True):
        detail.append(
            [
                task.id,
                task.title,
                names.get(task.assignee_user_id or "", task.assignee_user_id or ""),
                names.get(task.assigner, task.assigner),
                task.priority,
                task.deadline,
                st.label,
                task.progress,
                task.completed_at.date() if task.completed_at else None,
                task.product_weight,
            ]
        )
        detail.cell(row=detail.max_row, column=6).number_format = "DD/MM/YYYY"
        detail.cell(row=detail.max_row, column=9).number_format = "DD/MM/YYYY"
    detail.column_dimensions["B"].width = 60
    _urgings_sheet(wb, urgings or [])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _urgings_sheet(wb: Workbook, urgings: list[UrgingCount]) -> None:
    """Urging (đôn đốc) per person and type in the month (Decree 30 Appendix VI I.III.1.l–m)."""
    sheet = wb.create_sheet("Đôn đốc")
    sheet.append(URGING_HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in urgings:
        sheet.append([row.full_name, row.reminder, row.criticism, row.self_criticism, row.total])
    if not urgings:
        sheet.append(["Không có lần đôn đốc nào trong tháng"])
    sheet.column_dimensions["A"].width = 32

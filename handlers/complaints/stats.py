"""Statistics of cases per period, kind and unit, with the on-time rate; XLSX export."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.complaints.models import Case
from schemas.complaints import KIND_LABELS

COLUMNS = ("received", "accepted", "rejected", "concluded", "on_time", "late", "open", "overdue")
HEADERS = (
    "Tiếp nhận",
    "Thụ lý",
    "Không thụ lý",
    "Đã giải quyết",
    "Đúng hạn",
    "Quá hạn",
    "Đang giải quyết",
    "Đang quá hạn",
    "Tỷ lệ đúng hạn (%)",
)


async def cases_in(session: AsyncSession, start: date, end: date) -> list[Case]:
    q = select(Case).where(Case.received_on >= start, Case.received_on <= end).order_by(Case.received_on)
    return list((await session.execute(q)).scalars())


def tally(cases: list[Case], key: str, today: date) -> list[dict[str, Any]]:
    """One row per kind or unit: counts and on-time rate (concluded on time / concluded)."""
    rows: dict[str, dict[str, Any]] = defaultdict(lambda: dict.fromkeys(COLUMNS, 0))
    for c in cases:
        k = {"kind": c.kind, "unit": c.unit_id, "month": c.received_on.strftime("%Y-%m")}[key] or "-"
        r = rows[k]
        r["received"] += 1
        if c.accepted_on is not None:
            r["accepted"] += 1
        if c.status == "rejected":
            r["rejected"] += 1
        if c.status == "concluded":
            r["concluded"] += 1
            r["on_time" if c.on_time else "late"] += 1
        elif c.status in ("accepted", "concluding"):
            r["open"] += 1
            if c.resolution_due is not None and today > c.resolution_due:
                r["overdue"] += 1
    out = []
    for k in sorted(rows):
        r = rows[k]
        rate = round(100.0 * r["on_time"] / r["concluded"], 1) if r["concluded"] else None
        label = KIND_LABELS.get(k, k) if key == "kind" else k
        out.append({"key": k, "label": label, **r, "on_time_rate": rate})
    return out


def workbook(
    by_kind: list[dict[str, Any]],
    by_unit: list[dict[str, Any]],
    cases: list[Case],
    by_month: list[dict[str, Any]] | None = None,
) -> bytes:
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    sheets = [("Theo loại đơn", by_kind, "Loại đơn"), ("Theo đơn vị", by_unit, "Đơn vị")]
    if by_month is not None:
        sheets.append(("Theo tháng", by_month, "Tháng"))
    for title, rows, head in sheets:
        ws = wb.create_sheet(title)
        ws.append([head, *HEADERS])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for r in rows:
            ws.append([r["label"], *(r[c] for c in COLUMNS), r["on_time_rate"]])
    ws = wb.create_sheet("Danh sách đơn")
    ws.append(
        [
            "Số đơn",
            "Loại",
            "Kênh",
            "Ngày nhận",
            "Trích yếu",
            "Trạng thái",
            "Đơn vị",
            "Hạn thụ lý",
            "Ngày thụ lý",
            "Hạn giải quyết",
            "Ngày kết luận",
            "Đúng hạn",
            "Trùng với",
        ]
    )
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for c in cases:
        ws.append(
            [
                c.number,
                KIND_LABELS.get(c.kind or "", ""),
                c.channel,
                c.received_on,
                c.subject,
                c.status,
                c.unit_id,
                c.acceptance_due,
                c.accepted_on,
                c.resolution_due,
                c.concluded_on,
                None if c.on_time is None else ("Có" if c.on_time else "Không"),
                c.duplicate_of,
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

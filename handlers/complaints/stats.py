"""Statistics of cases per period, kind and unit, with the on-time rate; XLSX export."""

from __future__ import annotations

import io
from datetime import date
from typing import Literal, NamedTuple

from openpyxl import Workbook
from openpyxl.styles import Font
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.complaints.models import Case
from handlers.complaints.service import CHANNEL_LABELS, HANDLING, STATUS_LABELS
from hub.orgchart import Unit
from schemas.complaints import KIND_LABELS

NO_UNIT = "Chưa giao đơn vị"

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


class TallyRow(BaseModel):
    """One kind, unit or month: how many cases in each state, and the on-time rate."""

    key: str = Field(description="Kind code, unit id or YYYY-MM; '-' when none")
    label: str
    received: int = 0
    accepted: int = 0
    rejected: int = 0
    concluded: int = 0
    on_time: int = 0
    late: int = 0
    open: int = 0
    overdue: int = 0
    on_time_rate: float | None = Field(default=None, description="Concluded on time / concluded, in %")


class Tallies(NamedTuple):
    """The period's cases counted three ways."""

    by_kind: list[TallyRow]
    by_unit: list[TallyRow]
    by_month: list[TallyRow]


async def cases_in(
    session: AsyncSession, start: date, end: date, visible: ColumnElement[bool] | None = None
) -> list[Case]:
    """The cases received in the period, among those `visible` (`access.readable`; None: every case)."""
    q = select(Case).where(Case.received_on >= start, Case.received_on <= end).order_by(Case.received_on)
    if visible is not None:
        q = q.where(visible)
    return list((await session.execute(q)).scalars())


def _count(row: TallyRow, c: Case, today: date) -> None:
    row.received += 1
    if c.accepted_on is not None:
        row.accepted += 1
    if c.status == "rejected":
        row.rejected += 1
    if c.status == "concluded":
        row.concluded += 1
        if c.on_time:
            row.on_time += 1
        else:
            row.late += 1
    elif c.status in HANDLING:
        row.open += 1
        if c.resolution_due is not None and today > c.resolution_due:
            row.overdue += 1


def _label(key: str, k: str, units: dict[str, str]) -> str:
    """The words for a tally's key: the kind, the unit's name, the month as mm/yyyy."""
    if key == "kind":
        return KIND_LABELS.get(k, "Chưa phân loại")
    if key == "unit":
        return units.get(k, NO_UNIT if k == "-" else k)
    return f"{k[5:7]}/{k[:4]}"


def tally(
    cases: list[Case], key: Literal["kind", "unit", "month"], today: date, units: dict[str, str] | None = None
) -> list[TallyRow]:
    """One row per kind, unit or month of receipt: counts and on-time rate (concluded on time / concluded)."""
    rows: dict[str, TallyRow] = {}
    for c in cases:
        k = {"kind": c.kind, "unit": c.unit_id, "month": c.received_on.strftime("%Y-%m")}[key] or "-"
        _count(rows.setdefault(k, TallyRow(key=k, label=_label(key, k, units or {}))), c, today)
    out = [rows[k] for k in sorted(rows)]
    for r in out:
        r.on_time_rate = round(100.0 * r.on_time / r.concluded, 1) if r.concluded else None
    return out


def tallies(cases: list[Case], today: date, units: dict[str, str] | None = None) -> Tallies:
    """The cases counted per kind, per unit (named) and per month of receipt."""
    return Tallies(
        tally(cases, "kind", today), tally(cases, "unit", today, units), tally(cases, "month", today)
    )


async def unit_names(session: AsyncSession) -> dict[str, str]:
    """Every unit's name, by id (the statistics name units, never show their ids)."""
    return {u.id: u.name for u in (await session.execute(select(Unit))).scalars()}


def workbook(counts: Tallies, cases: list[Case], units: dict[str, str] | None = None) -> bytes:
    """The three tallies, one sheet each, then the list of cases."""
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    sheets = [
        ("Theo loại đơn", counts.by_kind, "Loại đơn"),
        ("Theo đơn vị", counts.by_unit, "Đơn vị"),
        ("Theo tháng", counts.by_month, "Tháng"),
    ]
    for title, rows, head in sheets:
        ws = wb.create_sheet(title)
        ws.append([head, *HEADERS])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for r in rows:
            figures = r.model_dump()
            ws.append([r.label, *(figures[c] for c in COLUMNS), r.on_time_rate])
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
                CHANNEL_LABELS.get(c.channel, c.channel),
                c.received_on,
                c.subject,
                STATUS_LABELS.get(c.status, c.status),
                (units or {}).get(c.unit_id or "", c.unit_id or ""),
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

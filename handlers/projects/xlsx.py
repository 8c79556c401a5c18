"""The registry's Excel layout: one row per project, shared by import and export."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from pydantic import ValidationError

from hub.errors import Invalid
from schemas.projects import ProjectData

FUNDING_IN = {"FDI": "FDI", "NSNN": "NSNN", "NGOÀI NSNN": "NGOAI_NSNN", "NGOAI_NSNN": "NGOAI_NSNN"}
FUNDING_OUT = {"FDI": "FDI", "NSNN": "NSNN", "NGOAI_NSNN": "Ngoài NSNN"}
STATUS_IN = {
    "đang hoạt động": "active",
    "tạm ngừng": "suspended",
    "chấm dứt": "terminated",
    "active": "active",
    "suspended": "suspended",
    "terminated": "terminated",
}
STATUS_OUT = {"active": "Đang hoạt động", "suspended": "Tạm ngừng", "terminated": "Chấm dứt"}
# header -> ProjectData field
COLUMNS: list[tuple[str, str]] = [
    ("Mã dự án", "code"),
    ("Tên dự án", "name"),
    ("Nguồn vốn", "funding"),
    ("Nhà đầu tư", "investors"),
    ("Quốc tịch", "nationalities"),
    ("Quận/huyện", "district"),
    ("Ngành", "sector"),
    ("Mục tiêu", "objectives"),
    ("Diện tích đất (m2)", "land_area_m2"),
    ("Vốn góp (VND)", "contributed_vnd"),
    ("Vốn huy động (VND)", "mobilised_vnd"),
    ("Vốn góp (USD)", "contributed_usd"),
    ("Vốn huy động (USD)", "mobilised_usd"),
    ("Số GCNĐKĐT", "certificate_number"),
    ("Ngày cấp lần đầu", "first_issued_on"),
    ("Ngày điều chỉnh", "adjusted_on"),
    ("Thời hạn (năm)", "duration_years"),
    ("Tiến độ", "milestones"),
    ("Ưu đãi", "incentives"),
    ("Trạng thái", "status"),
]
MAX_ERRORS = 200  # messages in full; every further bad row is still named, by its number


class ImportErrors(Invalid):
    """The file has rows that cannot be read; each error (in `errors`) names the row and column."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"Tệp nhập có {len(errors)} lỗi: " + "; ".join(errors[:5]))
        self.errors = errors


def to_row(d: ProjectData) -> list[Any]:
    return [
        d.code,
        d.name,
        FUNDING_OUT[d.funding],
        "; ".join(i.name for i in d.investors),
        "; ".join(i.nationality for i in d.investors),
        d.district,
        d.sector,
        d.objectives,
        d.land_area_m2,
        d.contributed_vnd,
        d.mobilised_vnd,
        d.contributed_usd,
        d.mobilised_usd,
        d.certificate_number,
        d.first_issued_on,
        d.adjusted_on,
        d.duration_years,
        "; ".join(f"{m.name}: {m.due.isoformat()}" for m in d.milestones),
        "; ".join(d.incentives),
        STATUS_OUT[d.status],
    ]


def write(items: list[ProjectData]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Dự án đầu tư")
    header = []
    for title, _ in COLUMNS:
        header.append(title)
    ws.append(header)
    for d in items:
        ws.append(to_row(d))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _split(value: Any) -> list[str]:
    return [p.strip() for p in str(value or "").split(";") if p.strip()]


def _date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if "/" in text:
        d, m, y = text.split("/")
        return date(int(y), int(m), int(d))
    return date.fromisoformat(text)


def _record(cells: dict[str, Any]) -> dict[str, Any]:
    names, countries = _split(cells["investors"]), _split(cells["nationalities"])
    if len(names) != len(countries):
        raise ValueError(
            f"{len(names)} nhà đầu tư nhưng {len(countries)} quốc tịch (cột 'Nhà đầu tư', 'Quốc tịch')"
        )
    milestones = []
    for part in _split(cells["milestones"]):
        name, _, due = part.rpartition(":")
        milestones.append({"name": name.strip(), "due": _date(due.strip())})
    funding = FUNDING_IN.get(str(cells["funding"] or "").strip().upper())
    status = STATUS_IN.get(str(cells["status"] or "active").strip().lower())
    if funding is None:
        raise ValueError(f"cột 'Nguồn vốn': {cells['funding']!r} không phải FDI, NSNN hoặc Ngoài NSNN")
    if status is None:
        raise ValueError(f"cột 'Trạng thái': {cells['status']!r} không hợp lệ")
    return {
        "code": str(cells["code"] or "").strip(),
        "name": str(cells["name"] or "").strip(),
        "funding": funding,
        "investors": [{"name": n, "nationality": c} for n, c in zip(names, countries, strict=True)],
        "district": cells["district"],
        "sector": cells["sector"],
        "objectives": cells["objectives"] or "",
        "land_area_m2": cells["land_area_m2"] or 0,
        "contributed_vnd": cells["contributed_vnd"] or 0,
        "mobilised_vnd": cells["mobilised_vnd"] or 0,
        "contributed_usd": cells["contributed_usd"] or 0,
        "mobilised_usd": cells["mobilised_usd"] or 0,
        "certificate_number": str(cells["certificate_number"]) if cells["certificate_number"] else None,
        "first_issued_on": _date(cells["first_issued_on"]),
        "adjusted_on": _date(cells["adjusted_on"]),
        "duration_years": cells["duration_years"] or None,
        "milestones": milestones,
        "incentives": _split(cells["incentives"]),
        "status": status,
    }


def _ranges(rows: list[int]) -> str:
    """Row numbers as short ranges: 7, 9-12, 15."""
    parts: list[str] = []
    for n in rows:
        if parts and "-" not in parts[-1] and int(parts[-1]) == n - 1:
            parts[-1] = f"{parts[-1]}-{n}"
        elif parts and "-" in parts[-1] and int(parts[-1].split("-")[1]) == n - 1:
            parts[-1] = f"{parts[-1].split('-')[0]}-{n}"
        else:
            parts.append(str(n))
    return ", ".join(parts)


def _row_errors(
    n: int, cells: dict[str, Any], titles: dict[str, str]
) -> tuple[ProjectData | None, list[str]]:
    """One row read: the project, or what is wrong with it (row number and column in each message)."""
    try:
        return ProjectData.model_validate(_record(cells)), []
    except ValidationError as exc:
        found = []
        for e in exc.errors(include_url=False):
            field = str(e["loc"][0]) if e["loc"] else ""
            column = f", cột '{titles[field]}'" if field in titles else ""
            found.append(f"Dòng {n}{column}: {_vietnamese(e['msg'])}")
        return None, found
    except (ValueError, TypeError) as exc:
        return None, [f"Dòng {n}: {exc}"]


MESSAGES: list[tuple[str, str]] = [
    (r"Field required", "thiếu giá trị"),
    (r"greater than or equal to 0\b", "phải là số không âm"),
    (r"greater than or equal to (\S+)", r"phải từ \1 trở lên"),
    (r"less than or equal to (\S+)", r"không được quá \1"),
    (r"valid integer", "phải là số nguyên"),
    (r"valid number", "phải là số"),
    (r"valid date", "ngày không hợp lệ (ngày/tháng/năm)"),
    (r"String should have at least (\d+)", r"quá ngắn (ít nhất \1 ký tự)"),
    (r"String should have at most (\d+)", r"quá dài (tối đa \1 ký tự)"),
    (r"List should have at least 1", "cần ít nhất một giá trị"),
    (
        r"an FDI project needs at least one foreign investor",
        "dự án FDI cần ít nhất một nhà đầu tư nước ngoài",
    ),
    (r"adjusted_on is before first_issued_on", "ngày điều chỉnh trước ngày cấp lần đầu"),
]


def _vietnamese(message: str) -> str:
    """The validator's message in Vietnamese (the usual ones); any other stays as the validator says."""
    for english, vietnamese in MESSAGES:
        found = re.search(english, message)
        if found:
            return found.expand(vietnamese)
    return message


def read(data: bytes) -> list[ProjectData]:
    """Parse a workbook; ImportErrors names every bad row: the first MAX_ERRORS messages in full with the
    row number and column, every further bad row by its number."""
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise ImportErrors([f"Tệp không phải Excel (.xlsx) đọc được: {type(exc).__name__}"]) from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [str(h or "").strip() for h in next(rows, ())]
    missing = [t for t, _ in COLUMNS if t not in header]
    if missing:
        raise ImportErrors([f"Thiếu cột: {', '.join(missing)}"])
    index = {field: header.index(title) for title, field in COLUMNS}
    titles = {f: t for t, f in COLUMNS}
    items: list[ProjectData] = []
    errors: list[str] = []
    more: list[int] = []  # bad rows past MAX_ERRORS messages
    seen: dict[str, int] = {}
    for n, row in enumerate(rows, start=2):
        if not any(v not in (None, "") for v in row):
            continue
        cells = {f: (row[i] if i < len(row) else None) for f, i in index.items()}
        item, found = _row_errors(n, cells, titles)
        if item is not None and item.code in seen:
            found = [f"Dòng {n}, cột 'Mã dự án': mã {item.code} trùng với dòng {seen[item.code]}"]
        if item is not None and not found:
            seen[item.code] = n
            items.append(item)
        elif len(errors) < MAX_ERRORS:
            errors.extend(found)
        else:
            more.append(n)
    wb.close()
    if more:
        errors.append(f"Các dòng lỗi khác ({len(more)} dòng): {_ranges(more)}")
    if errors:
        raise ImportErrors(errors)
    return items


def header_font(ws: Any) -> None:
    for cell in ws[1]:
        cell.font = Font(bold=True)

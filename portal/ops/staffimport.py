"""Staff imported from a spreadsheet: every row checked, every bad row named, all or nothing.

The sheet has one person per row under a header row with the Vietnamese column names of `COLUMNS`
(the template from `template_xlsx()`). Each person is created as the page's "Thêm cán bộ" would
(`orgchart.create_person`: audited, with an initial password shown once to the administrator), and the
unit and roles asked for wait for a second administrator like any other access change.
"""

from __future__ import annotations

import asyncio
import io
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook, load_workbook
from pydantic import ValidationError
from sqlalchemy import select

from hub.orgchart import ROLE_LABELS, Unit, User, weak_password
from hub.runtime import Hub
from portal.ops import orgchart

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000
COLUMNS = {  # heading -> field
    "Tên đăng nhập": "username",
    "Họ và tên": "full_name",
    "Chức vụ": "position",
    "Mã đơn vị": "unit_id",
    "Vai trò": "roles",
    "Thư điện tử": "email",
    "Điện thoại": "phone",
}
REQUIRED = ("username", "full_name")
EXAMPLE = ["nguyenvana", "Nguyễn Văn A", "Chuyên viên", "TH", "Chuyên viên", "nguyenvana@example.gov.vn", ""]


def _fold(text: str) -> str:
    """Lower case without diacritics, for headings and role names typed by hand."""
    text = unicodedata.normalize("NFD", text.strip().lower()).replace("đ", "d")
    return re.sub(r"\s+", " ", "".join(ch for ch in text if not unicodedata.combining(ch)))


HEADINGS = {_fold(k): v for k, v in COLUMNS.items()} | {"email": "email", "so dien thoai": "phone"}
ROLE_NAMES = {_fold(label): code for code, label in ROLE_LABELS.items()} | {
    code: code for code in ROLE_LABELS
}


@dataclass
class Imported:
    """What an import did: the people created with their initial passwords, or why nothing was."""

    created: list[dict[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def template_xlsx() -> bytes:
    """The sheet to fill: the headings and one example row."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Can bo"
    sheet.append(list(COLUMNS))
    sheet.append(EXAMPLE)
    for column, width in zip("ABCDEFG", (18, 26, 22, 12, 28, 30, 14), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number typed as a number
    return str(value).strip()


def read_sheet(data: bytes) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """The rows of the first sheet as (line number, fields), and the problems of the sheet itself."""
    if len(data) > MAX_BYTES:
        return [], [f"Tệp lớn hơn {MAX_BYTES // (1024 * 1024)} MB"]
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        return [], ["Tệp không phải bảng tính Excel (.xlsx) đọc được"]
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        heading = next(rows, None)
        if heading is None:
            return [], ["Bảng tính trống"]
        fields = [HEADINGS.get(_fold(_cell(h))) for h in heading]
        missing = [name for name, key in COLUMNS.items() if key in REQUIRED and key not in fields]
        if missing:
            return [], [f"Thiếu cột: {', '.join(missing)} (dòng 1 phải là tiêu đề cột như bảng mẫu)"]
        out: list[tuple[int, dict[str, str]]] = []
        for line, values in enumerate(rows, start=2):
            row = {f: _cell(v) for f, v in zip(fields, values, strict=False) if f is not None}
            if not any(row.values()):
                continue
            if len(out) >= MAX_ROWS:
                return [], [f"Quá {MAX_ROWS} cán bộ trong một lần nhập: hãy chia thành nhiều tệp"]
            out.append((line, row))
        return out, [] if out else ["Bảng tính không có dòng cán bộ nào dưới dòng tiêu đề"]
    finally:
        book.close()


def _roles(text: str) -> tuple[list[str], list[str]]:
    """Role codes from a cell ("Văn thư, Chuyên viên"), and the names that are no role."""
    codes: list[str] = []
    unknown: list[str] = []
    for name in filter(None, (p.strip() for p in re.split(r"[,;\n]", text))):
        code = ROLE_NAMES.get(_fold(name))
        (codes if code else unknown).append(code or name)
    return sorted(set(codes)), unknown


def _initial_password(username: str) -> str:
    """A random first password that passes the department's password rules."""
    while True:
        password = secrets.token_urlsafe(12)
        if weak_password(password, username) is None:
            return password


FIELD_RULES = {  # what a refused field must look like, in the words the sheet's user reads
    "username": "Tên đăng nhập phải có 2-40 ký tự: chữ thường không dấu, chữ số, dấu chấm, gạch ngang",
    "full_name": "Họ và tên phải có từ 2 đến 120 ký tự",
    "position": "Chức vụ dài quá 120 ký tự",
    "roles": "Vai trò không hợp lệ",
}


def _problem(exc: ValidationError) -> str:
    """The refused fields of a row, each with its rule (never the validator's own English)."""
    labels = {v: k for k, v in COLUMNS.items()}
    parts = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        parts.append(FIELD_RULES.get(name, f"{labels.get(name, name)} không hợp lệ"))
    return "; ".join(dict.fromkeys(parts))


async def import_staff(hub: Hub, data: bytes, actor: str) -> Imported:
    """Check every row, then create everyone, or nobody when any row is wrong."""
    rows, problems = await asyncio.to_thread(read_sheet, data)
    if problems:
        return Imported(problems=problems)
    async with hub.db.session() as s:
        units = set((await s.execute(select(Unit.id))).scalars())
        taken = set((await s.execute(select(User.username))).scalars())
    people: list[tuple[orgchart.PersonIn, str]] = []
    seen: dict[str, int] = {}
    report = Imported()
    for line, row in rows:
        roles, unknown = _roles(row.get("roles", ""))
        wrong = [f"vai trò không có: {', '.join(unknown)}"] if unknown else []
        username = row.get("username", "").lower()
        password = _initial_password(username)
        try:
            person = orgchart.PersonIn(
                username=username,
                full_name=row.get("full_name", ""),
                password=password,
                position=row.get("position", ""),
                email=row.get("email") or None,
                phone=row.get("phone") or None,
                unit_id=row.get("unit_id") or None,
                roles=roles,
            )
        except ValidationError as exc:
            report.problems.append(f"Dòng {line}: {'; '.join([*wrong, _problem(exc)])}")
            continue
        if person.unit_id and person.unit_id not in units:
            wrong.append(f"không có đơn vị mã {person.unit_id}")
        if username in taken:
            wrong.append(f"tên đăng nhập {username} đã có người dùng")
        if username in seen:
            wrong.append(f"tên đăng nhập {username} trùng với dòng {seen[username]}")
        seen.setdefault(username, line)
        if wrong:
            report.problems.append(f"Dòng {line}: {'; '.join(wrong)}")
        else:
            people.append((person, password))
    if report.problems:
        return report
    for person, password in people:
        await orgchart.create_person(hub, person, actor)
        report.created.append(
            {"username": person.username, "full_name": person.full_name, "password": password}
        )
    return report

"""Staff imported from a spreadsheet in the ops portal: a sheet with bad rows names each of them and
creates nobody; the corrected sheet creates everyone with an initial password that logs in, audited, and
their units and roles wait for a second administrator; only an administrator may import."""

from __future__ import annotations

import io

import httpx
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from hub.models import AuditEntry
from hub.orgchart import AccessChange, User
from portal.ops.staffimport import COLUMNS
from tests.portal.ops.conftest import PortalHub, login
from tests.portal.ops.test_api import client_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GOOD = [
    (
        "tranthib",
        "Trần Thị B",
        "Chuyên viên",
        "TH",
        "Chuyên viên",
        "tranthib@sokhdt.hanoi.gov.vn",
        "0912000111",
    ),
    ("levanc", "Lê Văn C", "Phó Trưởng phòng", "DNDT", "Trưởng đơn vị, chuyen vien", "", 912000222),
    ("dothid", "Đỗ Thị D", "Văn thư", "VP", "Văn thư", "", ""),
]


def sheet(rows: list[tuple[object, ...]]) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(list(COLUMNS))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def send(c: httpx.AsyncClient, csrf: str, data: bytes, name: str = "can-bo.xlsx") -> httpx.Response:
    return await c.post(
        "/orgchart/people/import", data={"csrf_token": csrf}, files={"file": (name, data, XLSX)}
    )


async def people(ph: PortalHub) -> int:
    async with ph.hub.db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(User)) or 0)


async def test_a_sheet_with_bad_rows_names_them_and_the_corrected_one_creates_everyone(
    portal_hub: PortalHub,
) -> None:
    async with client_for(portal_hub) as c:
        csrf = await login(c, "quantri")
        template = await c.get("/orgchart/people/mau-nhap-can-bo.xlsx")
        assert template.status_code == 200 and "attachment" in template.headers["content-disposition"]
        headings = [
            cell.value for cell in next(load_workbook(io.BytesIO(template.content)).active.iter_rows())
        ]
        assert headings == list(COLUMNS)

        before = await people(portal_hub)
        bad = [
            *GOOD,
            ("chuyenvien", "Trùng Tên", "", "TH", "Chuyên viên", "", ""),  # taken by the demo chart
            ("x", "", "", "KHONGCO", "Giám đốc", "", ""),  # bad username, no name, no unit, no role
            ("tranthib", "Trần Thị B lặp", "", "TH", "", "", ""),  # twice in the file
        ]
        refused = await send(c, csrf, sheet(bad))
        assert refused.status_code == 400
        problems = refused.text.split('id="import-problems"')[1].split("</div>")[0]
        assert "Dòng 5:" in problems and "tên đăng nhập chuyenvien đã có người dùng" in problems
        assert "Dòng 6:" in problems and "vai trò không có: Giám đốc" in problems
        assert "Họ và tên phải có từ 2 đến 120 ký tự" in problems and "Tên đăng nhập phải có" in problems
        assert "String should" not in problems
        assert "Dòng 7:" in problems and "trùng với dòng 2" in problems
        assert "Dòng 2:" not in problems and "Dòng 3:" not in problems
        assert await people(portal_hub) == before  # all or nothing

        not_a_sheet = await send(c, csrf, b"<html><script>alert(1)</script></html>", "can-bo.xlsx")
        assert not_a_sheet.status_code == 400 and "không phải bảng tính Excel" in not_a_sheet.text

        done = await send(c, csrf, sheet(GOOD))
        assert done.status_code == 200 and "Đã tạo 3 cán bộ" in done.text
        table = done.text.split('id="import-passwords"')[1].split("</table>")[0]
        passwords = {
            row.split("<td>")[1].split("</td>")[0]: row.split("<code>")[1].split("</code>")[0]
            for row in table.split("<tr>")[2:]
        }
        assert set(passwords) == {"tranthib", "levanc", "dothid"}

    async with portal_hub.hub.db.session() as s:
        created = {
            u.username: u
            for u in (await s.execute(select(User).where(User.username.in_(passwords)))).scalars()
        }
        assert all(u.unit_id is None and not u.roles for u in created.values())  # rights wait
        assert created["levanc"].phone == "912000222"
        waiting = {
            c.user_id: c.after
            for c in (await s.execute(select(AccessChange))).scalars()
            if c.status == "pending"
        }
        audited = set(
            (await s.execute(select(AuditEntry.target).where(AuditEntry.action == "person.create"))).scalars()
        )
    assert waiting["levanc"] == {"unit_id": "DNDT", "roles": ["officer", "unit_head"]}
    assert waiting["dothid"] == {"unit_id": "VP", "roles": ["clerk"]}
    assert audited >= {"user:tranthib", "user:levanc", "user:dothid"}

    async with client_for(portal_hub) as c:
        await login(c, "levanc", passwords["levanc"])  # the initial password works

    async with client_for(portal_hub) as c:
        csrf = await login(c, "vanhanh")  # an operator, not an administrator
        assert (await send(c, csrf, sheet([("khac", "Người Khác", "", "TH", "", "", "")]))).status_code == 403
    assert "khac" not in {u.username for u in created.values()}

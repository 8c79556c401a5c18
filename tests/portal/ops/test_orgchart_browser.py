"""The org chart in headless Chromium: an administrator creates a unit and a person; the person's unit
and role wait for a second administrator, shown on the page and on the overview; staff are imported
from a spreadsheet (a bad row named first)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from hub.orgchart import get_user
from portal.ops.staffimport import COLUMNS
from tests.portal.ops.conftest import PASSWORD, PortalHub
from tests.portal.ops.test_browser import ARGS, ARTIFACTS, _chromium, served  # noqa: F401

pytestmark = pytest.mark.browser


def xlsx(rows: list[tuple[str, ...]]) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(list(COLUMNS)[:5])
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_admin_creates_a_unit_and_a_person_in_the_browser(
    portal_hub: PortalHub, served: str, tmp_path: Path
) -> None:
    executable = _chromium()
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=20_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1360, "height": 1000}, locale="vi-VN")
            await page.goto(served + "/orgchart")
            await page.fill("#username", "quantri")
            await page.fill("#password", PASSWORD)
            await page.click("button[type=submit]")
            await expect(page.locator("h1")).to_have_text("Sơ đồ tổ chức")

            unit = page.locator("#new-unit")
            await unit.locator("input[name=id]").fill("KTDN")
            await unit.locator("input[name=name]").fill("Phòng Kinh tế đối ngoại")
            await unit.locator("select[name=parent_id]").select_option("BGD")
            await unit.locator("button[type=submit]").click()
            await expect(page.locator("#org-done")).to_have_text("Đã lưu đơn vị")
            await expect(page.locator("#units-table tr.unit[data-id=KTDN] input[name=name]")).to_have_value(
                "Phòng Kinh tế đối ngoại"
            )

            person = page.locator("#new-person")
            await person.locator("input[name=username]").fill("nguyenan")
            await person.locator("input[name=full_name]").fill("Nguyễn Văn An")
            await person.locator("input[name=position]").fill("Chuyên viên")
            await person.locator("input[name=password]").fill("An-Chuyen-Vien-2026")
            await person.locator("select[name=unit_id]").select_option("KTDN")
            await person.locator("input[name=roles][value=officer]").check()
            await person.locator("button[type=submit]").click()
            await expect(page.locator("#org-done")).to_contain_text("chờ một quản trị viên khác duyệt")
            row = page.locator("#pending-changes tr.pending-change")
            await expect(row).to_have_count(1)
            await expect(row).to_contain_text("Nguyễn Văn An")
            await expect(row).to_contain_text("Phòng Kinh tế đối ngoại")
            await expect(row).to_contain_text("Cần quản trị viên khác duyệt")  # not this admin's to confirm
            await page.screenshot(path=str(ARTIFACTS / "ops-orgchart.png"), full_page=True)

            await page.goto(served + "/")
            alert = page.locator("#pending-access-alert")
            await expect(alert).to_contain_text(
                "1 thay đổi quyền truy cập đang chờ quản trị viên thứ hai duyệt"
            )
            await page.screenshot(path=str(ARTIFACTS / "ops-orgchart-alert.png"))

            # staff from a spreadsheet: a bad row is named and nobody created, then the fixed sheet
            await page.goto(served + "/orgchart")
            sheet = tmp_path / "can-bo.xlsx"
            sheet.write_bytes(
                xlsx([("phamthu", "Phạm Thu", "Chuyên viên", "KTDN", "Chuyên viên"), ("x", "", "", "", "")])
            )
            form = page.locator("#import-people")
            await form.locator("input[type=file]").set_input_files(str(sheet))
            await form.locator("button[type=submit]").click()
            await expect(page.locator("#import-problems")).to_contain_text("Dòng 3:")
            await page.screenshot(path=str(ARTIFACTS / "ops-orgchart-import-refused.png"), full_page=True)
            sheet.write_bytes(xlsx([("phamthu", "Phạm Thu", "Chuyên viên", "KTDN", "Chuyên viên")]))
            await page.locator("#import-people input[type=file]").set_input_files(str(sheet))
            await page.locator("#import-people button[type=submit]").click()
            await expect(page.locator("#import-done")).to_contain_text("Đã tạo 1 cán bộ")
            await expect(page.locator("#import-passwords")).to_contain_text("phamthu")
            await expect(page.locator("#pending-changes tr.pending-change")).to_have_count(2)
            await page.screenshot(path=str(ARTIFACTS / "ops-orgchart-import.png"), full_page=True)
        finally:
            await browser.close()
    an = await get_user(portal_hub.hub.db, "nguyenan")
    assert an is not None and an.full_name == "Nguyễn Văn An" and an.roles == []

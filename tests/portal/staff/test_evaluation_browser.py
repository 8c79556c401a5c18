"""The unit head's evaluation flow in headless Chromium (Decree 335/2025), against a real hub and uvicorn.

The head of Phòng Tổng hợp opens September 2026 for the unit; Vũ Thị Mai sees her suggested score with
its evidence and scores her general criteria; the head adjusts the general points, saves, sees the
20 % cap applied and confirms; another unit's head is refused the board; the director sees the
department. Screenshots: tests/artifacts/staff-evaluation-*.png.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.hub.conftest import nats  # noqa: F401
from tests.portal.staff.conftest import Office, serve
from tests.portal.staff.evaluation_office import COLLEAGUES, evaluation_office  # noqa: F401
from tests.portal.staff.journeys import chromium, done, login, submit

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]


@pytest.fixture
async def served(evaluation_office: Office) -> AsyncIterator[str]:
    async with serve(evaluation_office.app) as url:
        yield url


async def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"staff-evaluation-{name}.png"), full_page=True)


async def test_the_unit_head_scores_the_month_in_the_browser(evaluation_office: Office, served: str) -> None:
    executable = chromium()
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=30_000)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, args=ARGS)
        try:
            # the unit head opens September 2026 for the unit
            head = await login(browser, served, "truongphongth", width=1280)
            await head.get_by_role("link", name="Đánh giá", exact=True).click()
            await head.get_by_role("link", name="Đánh giá của đơn vị").click()
            await head.get_by_label("Loại kỳ").select_option("month")
            await head.get_by_label("Tháng (khi đánh giá theo tháng)").select_option("9")
            await head.get_by_label("Năm").fill("2026")
            await _shot(head, "1-open-period")
            await submit(head, "Mở kỳ đánh giá")
            await done(head, "Đã mở kỳ đánh giá Tháng 9/2026")
            board_url = head.url.split("?")[0]
            mai = head.locator("#hang-chuyenvien")
            await expect(mai).to_contain_text("68,83")
            await _shot(head, "2-board-opened")

            # the officer, on her phone, sees her suggested score with its evidence and scores herself
            officer = await login(browser, served, "chuyenvien", width=390)
            await officer.goto("/staff/danh-gia")
            main = officer.locator("main")
            await expect(main).to_contain_text("68,83/70")
            await expect(main).to_contain_text("Số lượng 100% · Chất lượng 100% · Tiến độ 95%")
            late = officer.locator("table.products tr", has_text="MAI-3")
            await expect(late).to_contain_text("Hoàn thành chậm")
            await expect(late).to_contain_text("trừ 25% điểm tiến độ")
            await officer.get_by_label(re.compile("Tự chấm điểm tiêu chí chung")).fill("27")
            await officer.get_by_label("Tự nhận xét kết quả công tác").fill(
                "Hoàn thành các nhiệm vụ được giao"
            )
            await submit(officer, "Gửi phiếu tự đánh giá")
            await done(officer, "Đã gửi phiếu tự đánh giá")
            await expect(main).to_contain_text("95,83/100")
            assert await officer.evaluate("document.documentElement.scrollWidth") <= 390  # nothing off-screen
            await _shot(officer, "3-officer-own-score")
            assert (await officer.goto(board_url)).status == 403
            await expect(officer.locator("main")).not_to_contain_text("Chuyên viên 01")

            # the head adjusts the general points, looks at the evidence, saves and sees the cap
            await head.goto(board_url)
            await expect(head.locator("#g-chuyenvien")).to_have_value("27")
            await head.locator("#g-chuyenvien").fill("25")
            await head.locator("#g-cv06").fill("25")
            for n in range(1, COLLEAGUES):
                await head.locator(f"#g-cv{n:02d}").fill("15")
            await mai.locator("xpath=following-sibling::tr[1]").locator("summary").click()
            await submit(head, "Lưu điểm")
            await done(head, "Đã lưu điểm")
            cap = head.locator("section.cap")
            await expect(cap).to_contain_text("tối đa 1 người xếp loại xuất sắc")
            await expect(cap).to_contain_text("Vũ Thị Mai xếp loại Hoàn thành tốt nhiệm vụ")
            await expect(head.locator("#hang-chuyenvien")).to_contain_text("93,83")
            await (
                head.locator("#hang-chuyenvien")
                .locator("xpath=following-sibling::tr[1]")
                .locator("summary")
                .click()
            )
            await _shot(head, "4-board-scored-cap-preview")

            await submit(head, "Xác nhận kết quả")
            await done(head, "Đã xác nhận kết quả")
            await expect(head.locator("main")).to_contain_text("Đã xác nhận lúc")
            await expect(head.locator("#hang-chuyenvien")).to_contain_text("Hạ theo tỷ lệ xuất sắc")
            await expect(head.locator("#hang-cv06")).to_contain_text("Hoàn thành xuất sắc nhiệm vụ")
            await expect(head.get_by_role("button", name="Lưu điểm")).to_have_count(0)
            await _shot(head, "5-board-confirmed")

            # another unit's head cannot read the board
            other = await login(browser, served, "truongphongdt", width=1280)
            assert (await other.goto(board_url)).status == 403
            await expect(other.get_by_role("alert")).to_contain_text("đơn vị mình")
            await expect(other.locator("main")).not_to_contain_text("Vũ Thị Mai")
            await _shot(other, "6-other-unit-refused")

            # the officer sees her result; the director sees the department
            await officer.goto("/staff/danh-gia")
            await expect(officer.locator("main")).to_contain_text("Kết quả xếp loại")
            await expect(officer.locator("main")).to_contain_text("xếp loại theo tỷ lệ xuất sắc tối đa 20%")
            director = await login(browser, served, "giamdoc", width=1280)
            await director.goto("/staff/danh-gia/toan-so")
            row = director.locator("tr", has_text="Phòng Tổng hợp, Quy hoạch")
            await expect(row).to_contain_text("Đã xác nhận")
            await _shot(director, "7-director-department")
        finally:
            await browser.close()

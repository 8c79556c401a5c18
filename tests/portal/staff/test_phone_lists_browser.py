"""Lists on a phone (390 px) in headless Chromium: the documents list and the register become cards,
one per document, each value labelled with its column, nothing wider than the screen; at desktop
width the same lists stay tables."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.portal.staff.conftest import Office, serve
from tests.portal.staff.journeys import ARGS, chromium, login, no_raw_words, shot
from tests.portal.staff.test_pages import _paper

pytestmark = pytest.mark.browser
SUBJECTS = ("Đề nghị bố trí vốn chuẩn bị đầu tư dự án trường THCS Phú Thượng", "Báo cáo giải ngân tháng 11")

LAYOUT = """table => {
  const row = table.querySelector("tbody tr"), cell = row.querySelector("td");
  return {
    row: getComputedStyle(row).display,
    head: table.querySelector("thead").getBoundingClientRect().height,
    label: getComputedStyle(cell, "::before").content,
    overflow: table.scrollWidth - table.parentElement.clientWidth,
    page: document.documentElement.scrollWidth,
  };
}"""


@pytest.fixture
async def served(office: Office) -> AsyncIterator[str]:
    async with serve(office.app) as url:
        yield url


async def test_lists_become_cards_on_a_phone_and_stay_tables_on_a_desk(office: Office, served: str) -> None:
    from playwright.async_api import async_playwright, expect

    for subject in SUBJECTS:
        await _paper(office, subject)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium(), args=ARGS)
        try:
            phone = await login(browser, served, "vanthu", width=390)
            desk = await login(browser, served, "vanthu")
            for path, first_label, name in (
                ("/staff/van-ban?direction=in", '"Số / ký hiệu: "', "documents"),
                ("/staff/so-van-ban", '"Số: "', "register"),
            ):
                await phone.goto(path)
                table = phone.locator("table.list").first
                await expect(table).to_contain_text(SUBJECTS[0])
                shape = await table.evaluate(LAYOUT)
                assert shape["row"] == "block" and shape["label"] == first_label, shape
                assert shape["head"] <= 1 and shape["overflow"] <= 0 and shape["page"] <= 390, shape
                for row in await table.locator("tbody tr").all():
                    box = await row.bounding_box()
                    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
                await no_raw_words(phone)
                await shot(phone, f"phone-{name}-cards")

                await desk.goto(path)
                wide = await desk.locator("table.list").first.evaluate(LAYOUT)
                assert wide["row"] == "table-row" and wide["head"] > 10 and wide["label"] == "none", wide
        finally:
            await browser.close()

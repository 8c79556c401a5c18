"""Searches from the documents list, in headless Chromium: the clerk filters the incoming documents,
orders them by subject, chooses the columns shown, saves the search under a name, finds it again from
the list and opens it with its filters and columns, downloads the results as .docx (marked with her
name) and drops the saved search."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
from docx import Document as Word

from tests.portal.staff.conftest import Office, serve
from tests.portal.staff.journeys import ARGS, chromium, done, login, no_raw_words, shot, submit
from tests.portal.staff.test_pages import _paper

pytestmark = pytest.mark.browser


@pytest.fixture
async def served(office: Office) -> AsyncIterator[str]:
    async with serve(office.app) as url:
        yield url


async def test_a_search_is_ordered_saved_used_again_exported_and_dropped(office: Office, served: str) -> None:
    from playwright.async_api import async_playwright, expect

    for subject in ("Đề nghị thẩm định vốn dự án B", "Báo cáo vốn đầu tư công A", "Công văn về vốn ODA C"):
        await _paper(office, subject)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium(), args=ARGS)
        try:
            clerk = await login(browser, served, "vanthu")
            await clerk.goto("/staff/van-ban")
            filters = clerk.locator("form.filters")
            await filters.get_by_label("Từ khóa").fill("von")
            await filters.locator("select[name=direction]").select_option(label="Văn bản đến")
            await filters.locator("select[name=order]").select_option(label="Theo trích yếu (A-Z)")
            await filters.locator("details.columns summary").click()  # the columns shown
            await filters.get_by_label("Nơi gửi / loại").uncheck()
            await filters.get_by_label("Ngày đến / ban hành").check()
            await submit(clerk, filters.get_by_role("button", name="Lọc"))
            headers = clerk.locator("table.list thead th")
            await expect(headers).to_have_text(
                ["Số / ký hiệu", "Ngày đến / ban hành", "Trích yếu", "Trạng thái", "Hạn"]
            )
            rows = clerk.locator("table.list tbody tr")
            await expect(rows).to_have_count(3)
            await expect(rows.nth(0)).to_contain_text("Báo cáo vốn đầu tư công A")
            await expect(rows.nth(2)).to_contain_text("Đề nghị thẩm định vốn dự án B")

            form = clerk.get_by_role("form", name="Lưu tìm kiếm")
            await form.get_by_label("Lưu bộ lọc đang xem với tên").fill("Văn bản đến về vốn")
            await submit(clerk, form.get_by_role("button", name="Lưu tìm kiếm"))
            await done(clerk, "Đã lưu tìm kiếm «Văn bản đến về vốn»")
            saved = clerk.locator("#tim-kiem-da-luu")
            await expect(saved).to_contain_text("Văn bản đến về vốn")
            await expect(saved).to_contain_text("Theo trích yếu (A-Z)")
            await no_raw_words(clerk)
            await shot(clerk, "saved-search")

            await clerk.goto("/staff/van-ban")  # the saved search is there on a bare list, and opens
            await clerk.locator("#tim-kiem-da-luu").get_by_role("link", name="Văn bản đến về vốn").click()
            await expect(clerk.locator("form.filters").get_by_label("Từ khóa")).to_have_value("von")
            await expect(headers).to_have_text(
                ["Số / ký hiệu", "Ngày đến / ban hành", "Trích yếu", "Trạng thái", "Hạn"]
            )
            await expect(rows).to_have_count(3)
            await expect(rows.nth(0)).to_contain_text("Báo cáo vốn đầu tư công A")

            href = (
                await clerk.locator("#xuat-ket-qua")
                .get_by_role("link", name="Word (.docx)")
                .get_attribute("href")
            )
            assert href and "order=subject" in href and "q=von" in href
            answer = await clerk.request.get(href)
            assert answer.ok, await answer.text()
            word = Word(io.BytesIO(await answer.body()))
            assert "Người xuất: Lê Thị Hoa" in word.paragraphs[1].text
            subjects = [row.cells[3].text for row in word.tables[0].rows[1:]]
            assert [s.split()[-1] for s in subjects] == ["A", "C", "B"], subjects  # by subject

            await submit(clerk, clerk.get_by_role("button", name="Xóa «Văn bản đến về vốn»"))
            await done(clerk, "Đã xóa tìm kiếm «Văn bản đến về vốn»")
            await expect(clerk.locator("#tim-kiem-da-luu")).to_contain_text("Chưa lưu tìm kiếm nào")
        finally:
            await browser.close()

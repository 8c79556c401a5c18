"""Registers and notation from the pages, in headless Chromium: the clerk goes from the register page
to "Quản lý sổ và ký hiệu", opens a register for decisions, gives a unit its abbreviation, is refused a
second register for the same type with the reason, finds the new register in the register page's
choice, and downloads the month's outgoing handling report from the register page; an officer reads
the registers and abbreviations but has no form to change them."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.portal.staff.conftest import Office, serve
from tests.portal.staff.journeys import ARGS, chromium, done, login, no_raw_words, shot, submit

pytestmark = pytest.mark.browser


@pytest.fixture
async def served(office: Office) -> AsyncIterator[str]:
    async with serve(office.app) as url:
        yield url


async def test_the_clerk_opens_a_register_and_sets_the_notation_from_the_pages(
    office: Office, served: str
) -> None:
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium(), args=ARGS)
        try:
            clerk = await login(browser, served, "vanthu")
            await clerk.goto("/staff/so-van-ban")
            await clerk.get_by_role("link", name="Quản lý sổ và ký hiệu").click()
            books = clerk.locator("table.list")
            await expect(books).to_contain_text("Sổ văn bản đến")
            await expect(books).to_contain_text("Sổ văn bản đi")

            form = clerk.get_by_role("form", name="Mở sổ mới")
            await form.get_by_label("Mã sổ").fill("QD")
            await form.get_by_label("Tên sổ").fill("Sổ quyết định")
            await form.get_by_label("Quyết định").check()
            await submit(clerk, form.get_by_role("button", name="Mở sổ"))
            await done(clerk, "Đã mở sổ «Sổ quyết định»")
            await expect(books).to_contain_text("Sổ quyết định")
            await expect(books.locator("tr", has_text="Sổ quyết định")).to_contain_text("Chưa cấp số nào")

            form = clerk.get_by_role("form", name="Mở sổ mới")
            await form.get_by_label("Mã sổ").fill("QD2")
            await form.get_by_label("Tên sổ").fill("Sổ quyết định khác")
            await form.get_by_label("Quyết định").check()
            await submit(clerk, form.get_by_role("button", name="Mở sổ"))
            await expect(clerk.locator("main > p.flash")).to_contain_text(
                "Loại «Quyết định» đã được vào sổ «Sổ quyết định»"
            )

            marks = clerk.get_by_role("form", name="Chữ viết tắt")
            await marks.get_by_label("Phòng Tổng hợp, Quy hoạch").fill("THQH")
            await submit(clerk, marks.get_by_role("button", name="Lưu chữ viết tắt"))
            await done(clerk, "Đã lưu chữ viết tắt")
            await expect(
                clerk.get_by_role("form", name="Chữ viết tắt").get_by_label("Phòng Tổng hợp, Quy hoạch")
            ).to_have_value("THQH")
            await no_raw_words(clerk)
            await shot(clerk, "registers-manage")

            await clerk.goto("/staff/so-van-ban")
            await clerk.locator("select[name=so]").select_option(label="Sổ quyết định")
            await submit(clerk, "Xem")
            await expect(clerk.locator("table.list caption, p.empty").first).to_be_visible()
            await expect(clerk.locator("main")).to_contain_text("Sổ chưa có văn bản")
            assert "register=QD" in (
                await clerk.get_by_role("link", name="Xuất Excel").get_attribute("href") or ""
            )

            # the handling report of this month, from the register page's form, as a file
            report = clerk.get_by_role("form", name="Báo cáo tình hình giải quyết văn bản")
            await report.get_by_label("Loại báo cáo").select_option(label="Văn bản đi")
            async with clerk.expect_download() as fetched:
                await report.get_by_role("button", name="Tải báo cáo (Excel)").click()
            download = await fetched.value
            assert download.suggested_filename.startswith("bao-cao-giai-quyet-van-ban-di-")
            assert download.suggested_filename.endswith(".xlsx")
            workbook = load_workbook(io.BytesIO(Path(await download.path()).read_bytes()))
            assert workbook.active["A1"].value == "BÁO CÁO TÌNH HÌNH GIẢI QUYẾT VĂN BẢN ĐI"

            officer = await login(browser, served, "chuyenvien")
            await officer.goto("/staff/so-van-ban/quan-ly")
            await expect(officer.locator("table.list")).to_contain_text("Sổ quyết định")
            await expect(officer.locator("main")).to_contain_text("Phòng Tổng hợp, Quy hoạch: THQH")
            await expect(officer.get_by_role("form", name="Mở sổ mới")).to_have_count(0)
            await expect(officer.get_by_role("form", name="Chữ viết tắt")).to_have_count(0)
        finally:
            await browser.close()

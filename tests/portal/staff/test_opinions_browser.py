"""Opinions journey in headless Chromium on the demo chart: the director asks a unit head and an officer
of another unit for their opinion on a registered document, with a deadline; each finds the request on
their first screen, opens the document and answers (Đồng ý; Không đồng ý with a reason); the director
sees the counts and each answer, extends the deadline and closes the round. Screenshots of each step
are kept in tests/artifacts."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest

from tests.portal.staff.conftest import Office, serve
from tests.portal.staff.journeys import ARGS, chromium, done, login, no_raw_words, shot, submit
from tests.portal.staff.test_pages import _paper

pytestmark = pytest.mark.browser
SUBJECT = "Kế hoạch đầu tư công trung hạn giai đoạn 2026-2030 của thành phố"
QUESTION = "Đề nghị cho ý kiến về danh mục dự án ưu tiên của kế hoạch"


@pytest.fixture
async def served(office: Office) -> AsyncIterator[str]:
    async with serve(office.app) as url:
        yield url


async def test_opinions_are_asked_answered_counted_extended_and_closed_in_the_browser(
    office: Office, served: str
) -> None:
    from playwright.async_api import async_playwright, expect

    doc_id = await _paper(office, SUBJECT)
    deadline = date.today() + timedelta(days=5)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium(), args=ARGS)
        try:
            director = await login(browser, served, "giamdoc")
            await director.goto(f"/staff/van-ban/{doc_id}")
            section = director.locator("#y-kien")
            await expect(section).to_contain_text("Chưa xin ý kiến về văn bản này")
            await section.get_by_role("link", name="Xin ý kiến về văn bản này").click()
            await director.get_by_label("Nội dung xin ý kiến").fill(QUESTION)
            await director.get_by_label("Hạn góp ý").fill(deadline.isoformat())
            ask = director.get_by_role("form", name="Gửi đề nghị góp ý")
            for unit in await ask.locator("details > summary").all():
                await unit.click()  # open every unit's list of people
            await ask.locator('input[name="to"][value="truongphongth"]').check()
            await ask.locator('input[name="to"][value="chuyenvien2"]').check()
            await shot(director, "opinions-1-director-asks")
            await submit(director, "Gửi xin ý kiến")
            await done(director, "Đã gửi xin ý kiến")
            await expect(section.locator(".counts")).to_contain_text("Chưa trả lời: 2")

            officer = await login(browser, served, "chuyenvien2", width=390)  # answers on her phone
            waiting = officer.locator(
                "section", has=officer.get_by_role("heading", name="Xin ý kiến chờ tôi trả lời")
            )
            await expect(waiting).to_contain_text(QUESTION)
            await shot(officer, "opinions-2-officer-home")
            await waiting.get_by_role("link", name=SUBJECT).click()
            form = officer.get_by_role("form", name="Trả lời góp ý")
            await form.get_by_role("radio", name="Không đồng ý").check()
            await submit(officer, form.get_by_role("button", name="Gửi ý kiến"))
            flash = officer.locator("main > p.flash")
            await expect(flash).to_contain_text("Không đồng ý: ghi rõ nội dung ý kiến")  # a reason is needed
            form = officer.get_by_role("form", name="Trả lời góp ý")
            await form.get_by_role("radio", name="Không đồng ý").check()
            await form.get_by_label(re.compile("^Nội dung ý kiến")).fill(
                "Đề nghị bổ sung dự án cải tạo trường học quận Long Biên"
            )
            await submit(officer, form.get_by_role("button", name="Gửi ý kiến"))
            await done(officer, "Đã gửi ý kiến của bạn")
            await no_raw_words(officer)
            assert await officer.evaluate("document.documentElement.scrollWidth") <= 390  # nothing off-screen
            await shot(officer, "opinions-3-officer-answered")

            head = await login(browser, served, "truongphongth")
            await (
                head.locator("section", has=head.get_by_role("heading", name="Xin ý kiến chờ tôi trả lời"))
                .get_by_role("link", name=SUBJECT)
                .click()
            )
            form = head.get_by_role("form", name="Trả lời góp ý")
            await form.get_by_role("radio", name="Đồng ý", exact=True).check()
            await submit(head, form.get_by_role("button", name="Gửi ý kiến"))
            await done(head, "Đã gửi ý kiến của bạn")

            await director.reload()
            counts = director.locator("#y-kien .counts")
            await expect(counts).to_contain_text("Đồng ý: 1")
            await expect(counts).to_contain_text("Không đồng ý: 1")
            await expect(counts).to_contain_text("Chưa trả lời: 0")
            await expect(director.locator("#y-kien table")).to_contain_text(
                "cải tạo trường học quận Long Biên"
            )
            later = deadline + timedelta(days=3)
            await director.get_by_label("Gia hạn đến").fill(later.isoformat())
            await submit(director, "Gia hạn")
            await done(director, "Đã gia hạn góp ý")
            await expect(director.locator("#y-kien .meta")).to_contain_text(f"{later:%d/%m/%Y}")
            await expect(director.locator("#y-kien .meta")).to_contain_text("đã gia hạn 1 lần")
            async with director.expect_download() as download_info:
                await director.get_by_role("link", name="Xuất bảng tổng hợp (Excel)").click()
            download = await download_info.value
            assert download.suggested_filename.startswith("tong-hop-y-kien-")
            await submit(director, "Kết thúc lấy ý kiến")
            await done(director, "Đã kết thúc lấy ý kiến")
            await expect(director.locator("#y-kien .meta")).to_contain_text("Đã kết thúc")
            await expect(director.locator(".timeline").first).to_be_visible()
            await no_raw_words(director)
            await shot(director, "opinions-4-director-summary")

            await officer.reload()
            await expect(officer.get_by_role("form", name="Trả lời góp ý")).to_have_count(0)  # closed
        finally:
            await browser.close()

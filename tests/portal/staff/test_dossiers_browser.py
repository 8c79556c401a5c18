"""Work dossiers from the pages, in headless Chromium: an officer opens a dossier from "Hồ sơ công
việc" and files her draft into it from the draft's page; the clerk files a registered document the
officer may not read into it too, and sees both while the officer sees only hers; she adds a note and
closes the dossier, the clerk takes it into the agency archive with its retention period; the list
filters it as archived, the search page finds it without diacritics, the yearly index downloads as a
PDF holding it, and an officer of another unit sees none of it."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import AsyncIterator

import pytest
from pdfminer.high_level import extract_text

from tests.handlers.documents.conftest import pdf_bytes
from tests.portal.staff.conftest import Office, client_of, serve
from tests.portal.staff.conftest import login as api_login
from tests.portal.staff.journeys import ARGS, chromium, done, login, no_raw_words, shot, submit
from tests.portal.staff.test_pages import _paper

pytestmark = pytest.mark.browser
TITLE = "Hồ sơ lấy ý kiến quy hoạch vùng huyện Sóc Sơn"


@pytest.fixture
async def served(office: Office) -> AsyncIterator[str]:
    async with serve(office.app) as url:
        yield url


async def test_a_dossier_is_opened_filled_closed_archived_and_indexed_from_the_pages(
    office: Office, served: str
) -> None:
    from playwright.async_api import async_playwright, expect

    subject = "Đề nghị góp ý quy hoạch vùng huyện Sóc Sơn"
    await _paper(office, subject)
    draft = "Báo cáo tổng hợp ý kiến quy hoạch vùng huyện Sóc Sơn"
    async with client_of(office.app) as api:
        await api_login(api, "chuyenvien")
        made = await api.post(
            "/api/documents/outgoing",
            json={"subject": draft, "document_type": "Báo cáo", "recipients": [{"unit_id": "VP"}]},
        )
        assert made.status_code == 201, made.text
        filed = await api.post(
            f"/api/documents/{made.json()['id']}/versions",
            files={"file": ("bc.pdf", pdf_bytes(draft), "application/pdf")},
        )
        assert filed.status_code == 201, filed.text
    year = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).year
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium(), args=ARGS)
        try:
            officer = await login(browser, served, "chuyenvien")
            await officer.get_by_role("link", name="Hồ sơ công việc").click()
            form = officer.get_by_role("form", name="Lập hồ sơ mới")
            await form.get_by_label("Tiêu đề hồ sơ").fill(TITLE)
            await form.get_by_label("Ký hiệu hồ sơ").fill("TH.07")
            await form.get_by_label("Thời hạn bảo quản dự kiến").fill("10 năm")
            await submit(officer, form.get_by_role("button", name="Lập hồ sơ"))
            await done(officer, "Đã lập hồ sơ")
            dossier_url = officer.url.split("?")[0]
            await expect(officer.locator("main")).to_contain_text("Đang mở")

            await officer.goto(f"/staff/van-ban/{made.json()['id']}")
            chosen = await officer.get_by_label("Đưa vào hồ sơ đang mở").input_value()
            assert chosen == dossier_url.rsplit("/", 1)[1]
            await submit(officer, "Đưa vào hồ sơ")
            await done(officer, "Đã đưa văn bản vào hồ sơ")
            await expect(officer.locator("#h-dossiers").locator("..")).to_contain_text(TITLE)

            clerk = await login(browser, served, "vanthu")
            await clerk.goto("/staff/van-ban?direction=in")
            await clerk.get_by_role("link", name=subject).first.click()
            await clerk.get_by_label("Đưa vào hồ sơ đang mở").select_option(dossier_url.rsplit("/", 1)[1])
            await submit(clerk, "Đưa vào hồ sơ")
            await done(clerk, "Đã đưa văn bản vào hồ sơ")
            await expect(clerk.locator("main")).to_contain_text("Văn bản đang nằm trong: ")
            await clerk.goto(dossier_url)
            await expect(clerk.locator("ol.history")).to_contain_text(subject)
            await expect(clerk.locator("ol.history")).to_contain_text(draft)

            await officer.goto(dossier_url)
            items = officer.locator("ol.history")
            await expect(items).to_contain_text(draft)
            await expect(items).not_to_contain_text(subject)  # filed by the clerk, not hers to read
            await officer.get_by_label("Thêm ghi chú vào hồ sơ").fill("Đã tổng hợp ý kiến của các phòng")
            await submit(officer, "Thêm ghi chú")
            await done(officer, "Đã thêm ghi chú vào hồ sơ")
            await expect(items).to_contain_text("Ghi chú: Đã tổng hợp ý kiến của các phòng")
            await submit(officer, "Đóng hồ sơ")
            await done(officer, "Đã đóng hồ sơ")
            await expect(officer.locator("main")).to_contain_text("Đã đóng")
            await expect(officer.get_by_role("button", name="Nhận vào lưu trữ cơ quan")).to_have_count(0)

            await clerk.goto(dossier_url)
            await expect(clerk.get_by_label("Thời hạn bảo quản")).to_have_value("10 năm")
            await submit(clerk, "Nhận vào lưu trữ cơ quan")
            await done(clerk, "Đã nhận hồ sơ vào lưu trữ cơ quan")
            await expect(clerk.locator("main")).to_contain_text("Đã nộp lưu")
            await no_raw_words(clerk)
            await shot(clerk, "dossier-archived")

            await officer.goto("/staff/ho-so")
            await officer.get_by_label("Trạng thái").select_option(label="Đã nộp lưu")
            await submit(officer, "Lọc")
            row = officer.locator("table.list tbody tr", has_text=TITLE)
            await expect(row).to_contain_text("1 văn bản · 1 ghi chú")  # the one she may read
            await expect(row).to_contain_text("Vũ Thị Mai")
            await expect(officer.locator("#h-counts + div")).to_contain_text("Vũ Thị Mai")
            await no_raw_words(officer)
            await shot(officer, "dossiers-list")

            await officer.goto("/staff/tim-kiem?q=ho+so+soc+son")
            await expect(officer.locator("#h-h + ul")).to_contain_text(TITLE)

            index = await officer.request.get(f"/api/documents/dossiers/index.pdf?year={year}")
            assert index.ok and (await index.body()).startswith(b"%PDF")
            text = extract_text(io.BytesIO(await index.body()))
            assert f".{year}.TH.07" in text and "Đã nộp lưu" in text

            other = await login(browser, served, "chuyenvien2")
            await other.goto("/staff/ho-so")
            await expect(other.locator("main")).not_to_contain_text(TITLE)
            await other.goto(dossier_url)
            await expect(other.locator("main")).not_to_contain_text(TITLE)
        finally:
            await browser.close()

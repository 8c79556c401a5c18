"""Comment threads in headless Chromium on the demo chart: the head of the lead unit writes on a
document's thread from a phone (390 px), the clerk who registered it is told, opens the notice and
lands on the thread, answers; the director reads both on the document's page, and the head of the
unit talks with the director on the unit's task. Screenshots of each step are kept in tests/artifacts."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import pytest

from tests.portal.staff.conftest import Office, client_of, serve
from tests.portal.staff.conftest import login as api_login
from tests.portal.staff.journeys import ARGS, chromium, done, login, no_raw_words, shot, submit
from tests.portal.staff.test_pages import _paper

pytestmark = pytest.mark.browser
SUBJECT = "Báo cáo tiến độ giải phóng mặt bằng dự án vành đai 4"
HEAD_SAYS = "Đề nghị văn thư xin bản gốc phụ lục 2 từ UBND huyện."
CLERK_SAYS = "Văn thư đã đề nghị, sẽ cập nhật khi nhận được."


@pytest.fixture
async def served(office: Office) -> AsyncIterator[str]:
    async with serve(office.app) as url:
        yield url


async def _unit_task(office: Office, doc_id: str) -> str:
    async with client_of(office.app) as leader:
        csrf = await api_login(leader, "giamdoc")
        await leader.post(f"/staff/van-ban/{doc_id}/giao", data={"csrf_token": csrf, "lead_unit_id": "TH"})
        for _ in range(100):
            items = (await leader.get(f"/api/tasks/by-document/{doc_id}")).json()["items"]
            if items:
                return str(items[0]["id"])
            await asyncio.sleep(0.1)
    raise AssertionError("the unit's task did not follow the assignment")


async def test_a_thread_is_written_on_a_phone_told_answered_and_read(office: Office, served: str) -> None:
    from playwright.async_api import async_playwright, expect

    doc_id = await _paper(office, SUBJECT)
    task_id = await _unit_task(office, doc_id)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium(), args=ARGS)
        try:
            head = await login(browser, served, "truongphongth", width=390)
            await head.goto(f"/staff/van-ban/{doc_id}")
            thread = head.locator("#trao-doi")
            await expect(thread).to_contain_text("Chưa có trao đổi nào")
            await thread.get_by_label("Nội dung trao đổi").fill(HEAD_SAYS)
            await submit(head, thread.get_by_role("button", name="Gửi trao đổi"))
            await done(head, "Đã gửi trao đổi")
            assert head.url.endswith("#trao-doi")
            await expect(head.locator("#trao-doi .comment")).to_have_count(1)
            await expect(head.locator("#trao-doi .comment")).to_contain_text(HEAD_SAYS)
            box = await head.locator("#trao-doi .comment").bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390  # fits the phone
            await no_raw_words(head)
            await shot(head, "comments-1-head-writes-on-phone")

            clerk = await login(browser, served, "vanthu")
            await expect(clerk.locator("#chua-doc")).to_contain_text("thông báo chưa đọc", timeout=30_000)
            await clerk.get_by_role("link", name="Tin nhắn").click()
            notices = clerk.locator("#thong-bao-cua-toi")
            await expect(notices).to_contain_text("Trao đổi mới")
            await notices.get_by_role("link", name=re.compile(f"Trao đổi mới: {SUBJECT}")).click()
            await clerk.wait_for_url(re.compile(rf"/staff/van-ban/{doc_id}(\?.*)?#trao-doi$"))
            await expect(clerk.locator("#trao-doi .comment")).to_contain_text(HEAD_SAYS)
            await clerk.locator("#trao-doi").get_by_label("Nội dung trao đổi").fill(CLERK_SAYS)
            await submit(clerk, clerk.locator("#trao-doi").get_by_role("button", name="Gửi trao đổi"))
            await done(clerk, "Đã gửi trao đổi")
            await shot(clerk, "comments-2-clerk-answers")

            director = await login(browser, served, "giamdoc")
            await director.goto(f"/staff/van-ban/{doc_id}")
            said = director.locator("#trao-doi .comment .said")
            await expect(said).to_have_text([HEAD_SAYS, CLERK_SAYS])
            await no_raw_words(director)
            await shot(director, "comments-3-director-reads")

            await head.goto(f"/staff/cong-viec/{task_id}")
            await head.locator("#trao-doi").get_by_label("Nội dung trao đổi").fill("Phòng cần thêm 2 ngày.")
            await submit(head, head.locator("#trao-doi").get_by_role("button", name="Gửi trao đổi"))
            await done(head, "Đã gửi trao đổi")
            await director.goto(f"/staff/cong-viec/{task_id}")
            await expect(director.locator("#trao-doi .comment")).to_contain_text("Phòng cần thêm 2 ngày.")
            await shot(director, "comments-4-task-thread")
        finally:
            await browser.close()

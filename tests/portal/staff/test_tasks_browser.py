"""The assigner's judgement of a task's product in headless Chromium (Decree 335/2025), and typed urging.

The director gives Vũ Thị Mai a task already past its day with a hệ số quy đổi, changes the weight and
criticises the delay; she explains the delay; he confirms it as an objective cause; she completes the
task; he judges its quality; the unit head sees the urgings counted per person; an officer of another
unit is refused the task. Every page is Vietnamese, without internal ids or English status words.
Screenshots: tests/artifacts/staff-tasks-*.png.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from handlers.tasks import TasksModule
from handlers.tasks.clock import LOCAL_TZ
from hub.core import module as core
from hub.embedded import NatsServer
from hub.migrate import aupgrade
from hub.runtime import Hub
from kit.workcal import default_calendar
from lienthong.seed import seed_demo
from tests.hub.conftest import make_settings, nats  # noqa: F401
from tests.portal.staff.conftest import PASSWORD, Office, client_of, login, serve, staff_app
from tests.portal.staff.journeys import chromium, done, submit
from tests.portal.staff.journeys import login as browser_login

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]
TITLE = "Báo cáo tình hình thu hút vốn FDI tháng 11"
REASON = "Cục Thống kê chậm gửi số liệu, đã có công văn đôn đốc"
# what staff must never read: internal user ids, the API's codes, English status words
RAW = re.compile(
    r"\b(chuyenvien2?|giamdoc|truongphong(th|dt)|pending|confirmed|rejected|done|in_progress|not_started"
    r"|reminder|criticism|self_criticism|None|null|True|False)\b"
)


@pytest.fixture
async def desk(nats: NatsServer, tmp_path: Path) -> AsyncIterator[Office]:
    """A hub with work tracking only, and the staff pages."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'tasks.db'}"
    await aupgrade(url, ["handlers.tasks"])
    hub = Hub(make_settings(tmp_path, url, secret_key="s" * 40), modules=[core, TasksModule()])
    await seed_demo(hub.db, PASSWORD)
    await hub.start([nats.url])
    try:
        yield Office(hub, staff_app(hub))
    finally:
        await hub.stop()


@pytest.fixture
async def served(desk: Office) -> AsyncIterator[str]:
    async with serve(desk.app) as url:
        yield url


async def _clean(page: Any) -> str:
    """The page's visible text, checked for raw ids and English codes."""
    text: str = await page.locator("main").inner_text()
    found = RAW.findall(text)
    assert not found, f"raw words on {page.url}: {found}\n{text}"
    return text


async def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"staff-tasks-{name}.png"), full_page=True)


async def test_the_assigner_judges_the_product_and_urges_in_the_browser(desk: Office, served: str) -> None:
    executable = chromium()
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=30_000)
    due = default_calendar().subtract_working_days(datetime.now(LOCAL_TZ).date(), 2)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, args=ARGS)
        try:
            # -- the director gives the task with its weight, then changes the weight and criticises --
            director = await browser_login(browser, served, "giamdoc")
            await director.goto("/staff/cong-viec")
            await director.fill("#title", TITLE)
            await director.select_option("#nguoi_nhan", "u:chuyenvien")
            await director.fill("#deadline", due.isoformat())
            await director.fill("#product_weight", "1.5")
            await _shot(director, "1-giao-viec")
            await submit(director, "Giao việc")
            await done(director, "Đã giao công việc")
            task_url = director.url.split("?")[0]
            await expect(director.locator("#he-so")).to_have_text("1,5")
            await director.fill("#product_weight", "2")
            await submit(director, "Lưu hệ số")
            await done(director, "Đã lưu hệ số quy đổi 2")
            await expect(director.locator("#he-so")).to_have_text("2")
            await director.select_option("#kind", "criticism")
            await director.fill("#urge-note", "Đã quá hạn, đề nghị hoàn thành ngay")
            await submit(director, "Đôn đốc")
            await done(director, "Đã đôn đốc (phê bình)")
            await expect(director.locator("#lich-su-don-doc")).to_contain_text("Phê bình Vũ Thị Mai")
            await expect(director.locator("#lich-su-don-doc")).to_contain_text("bởi Nguyễn Văn Hùng")
            await _clean(director)

            # -- the officer explains the delay --
            officer = await browser_login(browser, served, "chuyenvien")
            await officer.goto(task_url)
            await expect(officer.get_by_text("Quá hạn", exact=False).first).to_be_visible()
            await officer.fill("#reason", REASON)
            await submit(officer, "Gửi lý do chậm")
            await done(officer, "Đã gửi lý do chậm")
            await expect(officer.locator("#ly-do-cham")).to_contain_text("Chờ xác nhận")
            assert await officer.get_by_role("button", name="Lưu đánh giá").count() == 0
            await _shot(officer, "2-ly-do-cham")
            await _clean(officer)

            # -- the director confirms the objective cause --
            await director.goto(task_url)
            await director.fill("#cause-note", "Đúng, số liệu chưa có")
            await submit(director, "Xác nhận nguyên nhân khách quan")
            await done(director, "Đã xác nhận nguyên nhân khách quan")
            await expect(director.locator("#ly-do-cham")).to_contain_text(
                "Đã xác nhận là nguyên nhân khách quan"
            )
            await expect(director.locator("#tien-do")).to_contain_text("không trừ điểm tiến độ")
            await _shot(director, "3-xac-nhan")

            # -- the officer completes; the director judges the product --
            await officer.goto(task_url)
            await submit(officer, "Hoàn thành")
            await done(officer, "Đã hoàn thành công việc")
            await director.goto(task_url)
            await expect(director.get_by_text("Sản phẩm chưa được đánh giá chất lượng.")).to_be_visible()
            await director.fill("#quality_errors", "1")
            await director.fill("#judge-note", "Phần phân tích xu hướng còn thiếu số liệu quý III")
            await submit(director, "Lưu đánh giá")
            await done(director, "Đã lưu đánh giá chất lượng sản phẩm")
            judged = director.locator("#danh-gia")
            await expect(judged).to_contain_text("Nguyễn Văn Hùng: 1 lỗi lớn về nội dung")
            await expect(judged).to_contain_text("Phần phân tích xu hướng còn thiếu số liệu quý III")
            await expect(director.locator("main dl.facts")).to_contain_text("Chậm so với hạn")
            assert await director.get_by_role("button", name="Lưu hệ số").count() == 0
            await _shot(director, "4-danh-gia")
            await _clean(director)
            phone = await browser_login(browser, served, "giamdoc", width=390)
            await phone.goto(task_url)
            await _shot(phone, "5-danh-gia-390")

            # -- the unit head reads the urgings per person --
            head = await browser_login(browser, served, "truongphongth")
            await head.goto("/staff/cong-viec/bao-cao")
            row = head.locator("#don-doc-theo-nguoi tbody tr")
            await expect(row).to_have_count(1)
            await expect(row.locator("td")).to_have_text(["Vũ Thị Mai", "0", "1", "0", "1"])
            await _shot(head, "6-bao-cao-don-doc")
            await _clean(head)

            # -- an officer of another unit is refused the task --
            outsider = await browser_login(browser, served, "chuyenvien2")
            answer = await outsider.goto(task_url)
            assert answer is not None and answer.status == 404  # not hers: as if it did not exist
            text = await _clean(outsider)
            assert "bạn không có quyền xem" in text and TITLE not in text
            await _shot(outsider, "7-don-vi-khac")
        finally:
            await browser.close()


async def test_the_task_pages_render_for_every_role(desk: Office) -> None:
    async with client_of(desk.app) as leader:
        csrf = await login(leader, "giamdoc")
        r = await leader.post(
            "/staff/cong-viec/giao-viec",
            data={
                "csrf_token": csrf,
                "title": TITLE,
                "nguoi_nhan": "d:TH",
                "deadline": "2030-12-20",
                "product_weight": "1,5",
            },
        )
        assert r.status_code == 303 and "ok=" in r.headers["location"], r.headers["location"]
        task_url = r.headers["location"].split("?")[0]
        bad = await leader.post(
            "/staff/cong-viec/giao-viec",
            data={
                "csrf_token": csrf,
                "title": "x",
                "nguoi_nhan": "u:chuyenvien",
                "deadline": "2030-12-20",
                "product_weight": "0",
            },
        )
        assert "loi=" in bad.headers["location"]
    for user in ("vanthu", "giamdoc", "truongphongth", "chuyenvien", "chuyenvien2"):
        async with client_of(desk.app) as client:
            await login(client, user)
            for path in (
                "/staff/cong-viec",
                "/staff/cong-viec?scope=assigned",
                "/staff/cong-viec/bao-cao",
                task_url,
            ):
                page = await client.get(path)
                expected = (
                    404 if path == task_url and user in ("vanthu", "chuyenvien", "chuyenvien2") else 200
                )
                assert page.status_code == expected, (user, path, page.text[:300])
                main = page.text.split("<main", 1)[1].split("</main>", 1)[0]
                visible = re.sub(r"<[^>]+>", " ", main)
                assert not RAW.findall(visible), (user, path, RAW.findall(visible))

"""The weekly leadership schedule in headless Chromium, on the demo seed.

An officer registers next week's meeting chaired by the director; a second one at the same time is
refused on the form with the reason in Vietnamese and goes in at another hour. An officer of another
unit can neither open nor approve the unpublished items. The clerk (for the office) moves to next week,
approves the first, refuses the second with a reason and publishes the week; the participant is told
and the notice opens the week; the registrant is told of the refusal and its notice opens the item.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import icalendar
import pytest
from sqlalchemy import select

from handlers.meetings.models import Meeting
from tests.portal.staff.conftest import Office
from tests.portal.staff.journeys import (
    ARGS,
    chromium,
    csrf_of,
    desk,  # noqa: F401
    done,
    login,
    no_raw_words,
    served_desk,  # noqa: F401
    shot,
    submit,
)

pytestmark = pytest.mark.browser
HANOI = timezone(timedelta(hours=7))
FIRST = "Họp triển khai kế hoạch đầu tư công năm 2027"
SECOND = "Làm việc với nhà đầu tư Khu công nghệ cao Hòa Lạc"


async def register(page: object, title: str, day: str, start: str, end: str) -> None:
    p: object = page
    await p.get_by_label("Nội dung", exact=True).fill(title)  # type: ignore[attr-defined]
    await p.get_by_label("Ngày", exact=True).fill(day)  # type: ignore[attr-defined]
    await p.get_by_label("Từ giờ").fill(start)  # type: ignore[attr-defined]
    await p.get_by_label("Đến giờ").fill(end)  # type: ignore[attr-defined]
    await p.get_by_label("Chủ trì").select_option(label="Nguyễn Văn Hùng — Giám đốc Sở")  # type: ignore[attr-defined]


async def test_register_clash_review_publish_and_notices_in_the_browser(
    desk: Office,
    served_desk: str,
) -> None:
    executable = chromium()
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=30_000)
    today = datetime.now(HANOI).date()
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    tuesday = (monday + timedelta(days=1)).isoformat()

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        try:
            # 1. The officer registers next week's meeting chaired by the director.
            officer = await login(browser, served_desk, "chuyenvien")
            await officer.get_by_role("link", name="Lịch họp").click()
            await expect(officer.locator("h1")).to_contain_text("Lịch công tác tuần từ")
            form = officer.get_by_role("form", name="Đăng ký lịch")
            await register(officer, FIRST, tuesday, "08:00", "10:00")
            await form.locator("details", has_text="Phòng Đăng ký đầu tư").locator("summary").click()
            await form.get_by_label("Hoàng Văn Nam").check()
            await (
                form.get_by_role("group", name=re.compile("Đơn vị được mời"))
                .get_by_label("Phòng Đăng ký đầu tư")
                .check()
            )
            await officer.get_by_label("Địa điểm khác").fill("Hội trường tầng 3, 16 Cát Linh")
            await officer.get_by_label("Chuẩn bị").fill("Phòng Tổng hợp chuẩn bị báo cáo tổng hợp")
            await shot(officer, "mt-1-officer-register")
            await submit(officer, "Đăng ký lịch")
            await done(officer, "Đã đăng ký lịch, chờ Văn phòng duyệt")
            await expect(officer.locator(".meta")).to_contain_text("Chờ duyệt")
            first_url = officer.url.split("?")[0]

            # 2. The same director at the same time: refused on the form, with the reason, values kept.
            await officer.goto(f"/staff/lich-hop?week={monday}")
            await register(officer, SECOND, tuesday, "09:00", "11:00")
            await officer.get_by_label("Địa điểm khác").fill("Khu công nghệ cao Hòa Lạc")
            await submit(officer, "Đăng ký lịch")
            clash = officer.locator("#trung-lich")
            await expect(clash).to_contain_text("Lịch bị trùng, không đăng ký được")
            await expect(clash).to_contain_text(
                f"Lãnh đạo Nguyễn Văn Hùng đã có lịch «{FIRST}» (08:00–10:00 Thứ Ba"
            )
            await expect(clash).to_contain_text("không thể có mặt ở hai nơi")
            await expect(officer.get_by_label("Nội dung", exact=True)).to_have_value(SECOND)
            await shot(officer, "mt-2-officer-clash")
            await officer.get_by_label("Từ giờ").fill("14:00")
            await officer.get_by_label("Đến giờ").fill("16:00")
            await submit(officer, "Đăng ký lịch")
            await done(officer, "Đã đăng ký lịch")
            second_url = officer.url.split("?")[0]
            await no_raw_words(officer)

            # 3. An officer of another unit: cannot open, approve or change the unpublished items.
            other = await login(browser, served_desk, "chuyenvien2")
            answer = await other.goto(first_url)
            assert answer is not None and answer.status == 404
            await expect(other.locator("main")).not_to_contain_text(FIRST)
            meeting_id = first_url.rsplit("/", 1)[1]
            token = await csrf_of(other)
            for method, path in (
                ("POST", f"/api/meetings/{meeting_id}/approve"),
                ("PATCH", f"/api/meetings/{meeting_id}"),
                ("POST", f"/api/meetings/{meeting_id}/cancel"),
            ):
                r = await other.request.fetch(
                    path, method=method, data={"reason": "x"}, headers={"X-CSRF-Token": token}
                )
                hidden = not path.endswith("/approve")  # not hers to see: changing it answers as if not there
                assert r.status == (404 if hidden else 403), (method, path, r.status, await r.text())
            async with desk.hub.db.session() as s:
                stored = await s.get(Meeting, meeting_id)
                assert stored is not None and stored.status == "registered" and stored.sequence == 0

            # 4. The clerk, for the office, moves to next week, approves, refuses with a reason, publishes.
            clerk = await login(browser, served_desk, "vanthu")
            await clerk.get_by_role("link", name="Lịch họp").click()
            await clerk.get_by_role("link", name="Tuần sau →").click()
            await expect(clerk.locator("h1")).to_contain_text(monday.strftime("%d/%m/%Y"))
            waiting = clerk.locator(
                "section", has=clerk.get_by_role("heading", name=re.compile("Lịch chờ duyệt"))
            )
            await expect(waiting).to_contain_text("Lịch chờ duyệt (2)")
            await shot(clerk, "mt-3-clerk-waiting")
            await submit(clerk, waiting.get_by_role("button", name=f"Duyệt «{FIRST}»"))
            await done(clerk, "Đã duyệt lịch")
            await clerk.goto(second_url)
            await clerk.get_by_label(re.compile("Ý kiến")).fill("Đề nghị làm việc tại Sở, không đi Hòa Lạc")
            await submit(clerk, "Không duyệt")
            await done(clerk, "Đã không duyệt lịch")
            await expect(clerk.locator(".meta")).to_contain_text("Không duyệt")
            await clerk.get_by_role("link", name="Về lịch công tác tuần").click()
            await submit(clerk, "Phát hành lịch tuần")
            await done(clerk, "Đã phát hành lịch tuần (bản 1): 1 cuộc họp, đã báo 3 người")
            await expect(clerk.locator("#tinh-trang-tuan")).to_contain_text("Đã phát hành")
            tuesday_box = clerk.get_by_role("region", name=re.compile("^Thứ Ba"))
            await expect(tuesday_box).to_contain_text(FIRST)
            await expect(tuesday_box).to_contain_text("Đã phát hành")
            await expect(tuesday_box).to_contain_text("Hoàng Văn Nam, Phòng Đăng ký đầu tư")
            await no_raw_words(clerk)
            await shot(clerk, "mt-4-clerk-published")
            printed = await clerk.request.get(
                await clerk.get_by_role("link", name="In lịch tuần (PDF)").get_attribute("href")
            )
            assert printed.ok and (await printed.body()).startswith(b"%PDF")

            # 5. The participant is told; the notice opens the week and is read on the way.
            await other.goto("/staff/tin-nhan")
            await expect(other.locator("#chua-doc")).to_contain_text("1 thông báo chưa đọc")
            notices = other.locator("#thong-bao-cua-toi")
            await notices.get_by_role("link", name=re.compile("^Lịch công tác tuần")).click()
            await other.wait_for_url(re.compile(rf"/staff/lich-hop\?week={monday}$"))
            await expect(other.locator("main")).to_contain_text(FIRST)
            await expect(other.locator("main")).not_to_contain_text(SECOND)  # refused: not published
            await expect(other.locator("#chua-doc")).to_have_text("")
            await shot(other, "mt-5-participant-week")
            await other.get_by_role("link", name="← Tuần trước").click()
            await expect(other.locator("main")).to_contain_text("Tuần này chưa có lịch nào được phát hành")
            await other.goto(first_url)
            await expect(other.locator("main")).to_contain_text("Hội trường tầng 3, 16 Cát Linh")

            # 5b. The participant subscribes her phone's calendar: the address works without a login.
            await other.goto(f"/staff/lich-hop?week={monday}")
            feed_box = other.locator("#lich-dien-thoai")
            await expect(feed_box).to_contain_text("Chưa có địa chỉ lịch")
            await submit(other, feed_box.get_by_role("button", name="Tạo địa chỉ lịch"))
            address = await other.get_by_role("textbox", name="Địa chỉ lịch").input_value()
            assert re.search(r"/public/meetings/lich/[A-Za-z0-9_-]{43}\.ics$", address), address
            webcal = await other.get_by_role("link", name="Mở bằng ứng dụng lịch").get_attribute("href")
            assert webcal == "webcal://" + address.split("://", 1)[1]
            await shot(other, "mt-5b-calendar-address")
            app = await browser.new_context()  # a calendar app: no session cookie
            try:
                ics = await app.request.get(address)
                titles = [
                    str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(await ics.body()).walk("VEVENT")
                ]
                assert ics.ok and FIRST in titles and SECOND not in titles, titles
            finally:
                await app.close()
            await other.goto(f"/staff/lich-hop?week={monday}")
            await expect(other.locator("#lich-dien-thoai")).to_contain_text("ứng dụng lịch đọc lần cuối lúc")

            # 5c. After publication the office moves the meeting: a published change the participant sees
            # on the item and her calendar app reads at the same address.
            await clerk.goto(first_url)
            change = clerk.get_by_role("form", name="Thay đổi lịch")
            await change.get_by_label("Địa điểm khác").fill("Phòng họp số 2, 16 Cát Linh")
            await change.get_by_label("Lý do thay đổi").fill("Hội trường tầng 3 có sự kiện của Thành ủy")
            await submit(clerk, change.get_by_role("button", name="Lưu thay đổi"))
            await done(clerk, "Đã thay đổi lịch")
            await other.goto(first_url)
            await expect(other.locator("main")).to_contain_text("Phòng họp số 2, 16 Cát Linh")
            app = await browser.new_context()
            try:
                cal = icalendar.Calendar.from_ical(await (await app.request.get(address)).body())
                [event] = [e for e in cal.walk("VEVENT") if str(e["SUMMARY"]) == FIRST]
                assert "Phòng họp số 2, 16 Cát Linh" in str(event["LOCATION"]), event["LOCATION"]
            finally:
                await app.close()
            await shot(other, "mt-5c-participant-sees-the-change")

            # 6. The registrant is told of the refusal; its notice opens the item with the reason.
            await officer.goto("/staff/tin-nhan")
            notices = officer.locator("#thong-bao-cua-toi")
            await notices.get_by_role("link", name=f"Lịch không được duyệt: {SECOND}").click()
            await officer.wait_for_url(re.compile(rf"{re.escape(second_url)}$"))
            await expect(officer.locator("main")).to_contain_text("Đề nghị làm việc tại Sở")
            await no_raw_words(officer)
            await officer.set_viewport_size({"width": 390, "height": 844})
            await officer.goto(f"/staff/lich-hop?week={monday}")
            await shot(officer, "mt-6-officer-phone")
            async with desk.hub.db.session() as s:
                rows = {m.title: m for m in (await s.execute(select(Meeting))).scalars()}
            assert rows[FIRST].published_version == 1 and rows[SECOND].status == "rejected"
        finally:
            await browser.close()

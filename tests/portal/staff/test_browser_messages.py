"""Messages and notifications in headless Chromium, on the demo seed.

The head of Phòng Tổng hợp creates a working group and writes to a whole unit and the group at once,
Khẩn; the pickers list units and people in Vietnamese alphabetical order. A recipient is told, the
notice opens the message (read receipt) and the unread counts go down; the sender's sent folder shows
who has read it. A notice whose link is an API path (as stored before) still opens the staff page.
An officer of another unit can neither open the message nor write to a unit not her own.
"""

from __future__ import annotations

import re

import pytest

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
SUBJECT = "Chuẩn bị số liệu giải ngân vốn đầu tư công quý IV"
UNITS = [
    "Ban Giám đốc",
    "Phòng Đăng ký đầu tư",
    "Phòng Đăng ký kinh doanh",
    "Phòng Tổng hợp, Quy hoạch",
    "Thanh tra Sở",
    "Văn phòng Sở",
]


async def test_write_to_units_and_groups_read_it_and_the_sent_folder_in_the_browser(
    desk: Office,
    served_desk: str,
) -> None:
    executable = chromium()
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=30_000)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        try:
            # 1. The unit head creates a working group; names and units are in Vietnamese order.
            head = await login(browser, served_desk, "truongphongth")
            await head.get_by_role("link", name="Tin nhắn").click()
            compose = head.get_by_role("form", name="Soạn tin nhắn")
            units = compose.get_by_role("group", name=re.compile("Gửi tới đơn vị"))
            # all_inner_texts does not wait: the messages page must be there before it is read
            await expect(units.locator("label")).to_have_count(len(UNITS))
            assert [x.strip() for x in await units.locator("label").all_inner_texts()] == UNITS
            group_form = head.get_by_role("form", name="Tạo nhóm")
            await head.get_by_label("Tên nhóm").fill("Tổ công tác giải ngân")
            await group_form.locator("details", has_text="Phòng Đăng ký đầu tư").locator("summary").click()
            await group_form.get_by_label("Hoàng Văn Nam").check()
            await group_form.get_by_label("Bùi Thanh Tùng").check()
            await submit(head, "Tạo nhóm")
            await done(head, "Đã tạo nhóm «Tổ công tác giải ngân» (3 thành viên)")

            # 2. ... and writes to his whole unit and the group at once, Khẩn.
            compose = head.get_by_role("form", name="Soạn tin nhắn")
            await (
                compose.get_by_role("group", name=re.compile("Gửi tới đơn vị"))
                .get_by_label("Phòng Tổng hợp, Quy hoạch")
                .check()
            )
            await compose.get_by_label("Tổ công tác giải ngân").check()
            await head.get_by_label("Độ khẩn").select_option(label="Khẩn")
            await head.get_by_label("Tiêu đề").fill(SUBJECT)
            await head.get_by_label("Nội dung", exact=True).fill("Đề nghị gửi số liệu trước 16 giờ thứ Sáu.")
            await shot(head, "msg-1-head-compose")
            await submit(head, "Gửi tin nhắn")
            await done(head, "Đã gửi tin nhắn tới 3 người")
            await expect(head.locator(".facts")).to_contain_text(
                "Phòng Tổng hợp, Quy hoạch, Nhóm Tổ công tác giải ngân"
            )
            await expect(head.locator(".meta")).to_contain_text("Khẩn")
            message_url = head.url.split("?")[0]
            await no_raw_words(head)

            # 3. A recipient of another unit (through the group) is told; people are listed A to Z.
            nam = await login(browser, served_desk, "chuyenvien2")
            await expect(nam.locator("#chua-doc")).to_contain_text("1 thông báo chưa đọc")
            await nam.get_by_role("link", name="Tin nhắn").click()
            await expect(nam.get_by_role("link", name=re.compile("^Tin nhắn đến"))).to_contain_text(
                "1 chưa đọc"
            )
            th = nam.get_by_role("form", name="Soạn tin nhắn").locator("details", has_text="Phòng Tổng hợp")
            names = [x.split("—")[0].strip() for x in await th.locator("label").all_text_contents()]
            assert names == ["Đỗ Quang Vinh", "Vũ Thị Mai"], names  # Đ after D, before V
            notices = nam.locator("#thong-bao-cua-toi")
            await expect(notices).to_contain_text("Khẩn")
            await shot(nam, "msg-2-recipient-inbox")
            await notices.get_by_role(
                "link", name=re.compile(f"Tin nhắn từ Đỗ Quang Vinh: {SUBJECT}")
            ).click()
            await nam.wait_for_url(re.compile(rf"{re.escape(message_url)}$"))
            await expect(nam.locator("main")).to_contain_text("Đề nghị gửi số liệu trước 16 giờ thứ Sáu.")
            await expect(nam.locator("#chua-doc")).to_have_text("")  # the notice was read on the way
            await nam.get_by_role("link", name="Về hộp thư").click()
            await expect(nam.get_by_role("link", name=re.compile("^Tin nhắn đến"))).not_to_contain_text(
                "chưa đọc"
            )
            await no_raw_words(nam)

            # 4. The other recipient opens the message from her inbox: its notice is read too.
            mai = await login(browser, served_desk, "chuyenvien")
            await expect(mai.locator("#chua-doc")).to_contain_text("1 thông báo chưa đọc")
            await mai.goto("/staff/tin-nhan")
            await mai.locator(".msg-list").get_by_role("link", name=SUBJECT).click()
            await expect(mai.locator("#chua-doc")).to_have_text("")

            # 5. The sender's sent folder: whom it went to and how many have read it.
            await head.goto("/staff/tin-nhan")
            await head.get_by_role("link", name="Tin đã gửi").click()
            sent = head.locator(".msg-list")
            await expect(sent).to_contain_text(SUBJECT)
            await expect(sent).to_contain_text("Đã đọc 2/3")
            await head.goto(message_url)
            await expect(head.locator("main")).to_contain_text("Đã đọc 2/3")
            await expect(head.locator("main")).to_contain_text("Chưa đọc: Bùi Thanh Tùng")
            await shot(head, "msg-3-head-receipts")

            # 6. A notice stored with an API path still opens the staff page of its object.
            await desk.hub.publish(
                "notify.requested",
                {
                    "recipients": ["chuyenvien"],
                    "title": "Tin nhắn cũ",
                    "link": message_url.split(served_desk, 1)[1].replace("/staff/tin-nhan/", "/messages/"),
                    "dedup_key": "legacy-link-test",
                },
                source="messaging",
            )
            await mai.goto("/staff/tin-nhan")
            await expect(mai.locator("#thong-bao-cua-toi")).to_contain_text("Tin nhắn cũ", timeout=60_000)
            await mai.locator("#thong-bao-cua-toi").get_by_role("link", name="Tin nhắn cũ").click()
            await mai.wait_for_url(re.compile(rf"{re.escape(message_url)}$"))
            await expect(mai.locator("main")).not_to_contain_text("Không tìm thấy")

            # 7. Another unit: her officer cannot open the message nor write to a unit not her own.
            other_head = await login(browser, served_desk, "truongphongdt")
            await other_head.goto(message_url)  # Bùi Thanh Tùng is a recipient: he may
            await expect(other_head.locator("main")).to_contain_text(SUBJECT)
            outsider = await login(browser, served_desk, "vanthu")
            answer = await outsider.goto(message_url)
            assert answer is not None and answer.status == 404
            await expect(outsider.locator("main")).not_to_contain_text(SUBJECT)
            await nam.goto("/staff/tin-nhan")
            compose = nam.get_by_role("form", name="Soạn tin nhắn")
            await (
                compose.get_by_role("group", name=re.compile("Gửi tới đơn vị"))
                .get_by_label("Phòng Tổng hợp, Quy hoạch")
                .check()
            )
            await nam.get_by_label("Tiêu đề").fill("Thử gửi cả phòng khác")
            await nam.get_by_label("Nội dung", exact=True).fill("Không được phép")
            await submit(nam, "Gửi tin nhắn")
            flash = nam.locator("main > p.flash.err")
            await expect(flash).to_contain_text("Chỉ được gửi tin tới đơn vị của mình")
            receipts = await nam.request.get(f"/api/messages/{message_url.rsplit('/', 1)[1]}/receipts")
            assert receipts.status == 403
            token = await csrf_of(nam)
            assert token
            await nam.set_viewport_size({"width": 390, "height": 844})
            await nam.goto(message_url)
            await shot(nam, "msg-4-recipient-phone")
        finally:
            await browser.close()

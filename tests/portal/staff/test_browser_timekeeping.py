"""Timekeeping in headless Chromium, as the officer and her unit head would on the demo seed.

The officer (Vũ Thị Mai, Phòng Tổng hợp) sees her own month (days not over yet blank), asks for leave
twice; the unit head is told, opens the notice (it leads to the request's page and is read), approves
one and refuses the other from the buttons; the officer is told and sees both decisions; the unit
head's timesheet of the unit speaks Vietnamese. An officer and a unit head of another unit can neither
open nor decide her request.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from handlers.timekeeping.models import Leave, Punch
from hub.runtime import wait_for
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


def previous_working_day(today: date) -> date:
    day = today - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


async def punch_in_and_out(office: Office, user: str, day: date) -> None:
    """A check-in at 07:52 and a check-out at 17:06 from the attendance device, through the bus."""
    for n, (hour, minute) in enumerate(((7, 52), (17, 6))):
        at = datetime.combine(day, time(hour, minute), HANOI).astimezone(UTC)
        await office.hub.publish(
            "attendance.punched",
            {
                "punch_id": f"may-1-{user}-{day}-{n}",
                "employee_code": user,
                "at": at.isoformat(),
                "source": "device",
            },
            source="attendance",
        )

    async def stored() -> bool:
        async with office.hub.db.session() as s:
            return len(list((await s.execute(select(Punch).where(Punch.user_id == user))).scalars())) >= 2

    assert await wait_for(stored, timeout=60), "the device punches were not stored"


async def test_officer_month_leave_and_the_unit_head_deciding_it_in_the_browser(
    desk: Office,
    served_desk: str,
) -> None:
    executable = chromium()
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=30_000)
    today = datetime.now(HANOI).date()
    worked = previous_working_day(today)
    await punch_in_and_out(desk, "chuyenvien", worked)
    first_leave = today + timedelta(days=14)
    second_leave = today + timedelta(days=21)

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        try:
            # 1. The officer sees her own month: no refusal, her name, days not over yet left blank.
            officer = await login(browser, served_desk, "chuyenvien")
            await officer.get_by_role("link", name="Chấm công, nghỉ phép").click()
            main = officer.locator("main")
            await expect(main).not_to_contain_text("Chỉ lãnh đạo, trưởng đơn vị hoặc văn thư")
            await expect(main).to_contain_text("Vũ Thị Mai · Phòng Tổng hợp, Quy hoạch")
            row = officer.locator("table.sheet tbody tr").first
            cells = await row.locator("td").all_inner_texts()
            heads = await officer.locator("table.sheet thead th").all_inner_texts()
            assert len(cells) == len(heads) >= 28
            future = [cells[d - 1] for d in range(today.day + 1, len(cells) + 1)]
            assert all(c.strip() == "" for c in future), f"days after today are marked: {future}"
            await expect(main).to_contain_text("Ngày đi làm")
            await no_raw_words(officer)
            if worked.month != today.month:
                async with officer.expect_navigation():  # all_inner_texts below does not wait
                    await officer.get_by_role("link", name="← Tháng trước").click()
                row = officer.locator("table.sheet tbody tr").first
                cells = await row.locator("td").all_inner_texts()
            assert cells[worked.day - 1].strip() == "+", cells
            await shot(officer, "tk-1-officer-month")

            # 2. She asks for leave twice (annual leave, then a business trip).
            for start, kind, reason in (
                (first_leave, "Nghỉ phép", "Việc gia đình ở quê"),
                (second_leave, "Đi công tác", "Khảo sát dự án tại Sóc Sơn"),
            ):
                await officer.goto("/staff/cham-cong")
                await officer.get_by_label("Loại nghỉ").select_option(label=kind)
                await officer.get_by_label("Từ ngày").fill(start.isoformat())
                await officer.get_by_label("Đến ngày").fill((start + timedelta(days=1)).isoformat())
                await officer.get_by_label("Lý do").fill(reason)
                await submit(officer, "Gửi đơn nghỉ")
                await done(officer, "Đã gửi đơn nghỉ")
                await expect(officer.locator(".meta")).to_have_text("Chờ duyệt")
            await shot(officer, "tk-2-officer-leave-sent")
            async with desk.hub.db.session() as s:
                leaves = {x.kind: x for x in (await s.execute(select(Leave))).scalars()}
            annual, trip = leaves["annual"], leaves["business_trip"]

            # 3. The unit head is told; the notice leads to the request and is read on the way.
            head = await login(browser, served_desk, "truongphongth")
            await expect(head.locator("#chua-doc")).to_contain_text("2 thông báo chưa đọc")
            await head.goto("/staff/tin-nhan")
            notices = head.locator("#thong-bao-cua-toi")
            link = notices.get_by_role("link", name=re.compile("Đơn nghỉ phép chờ duyệt: Vũ Thị Mai"))
            await link.click()
            await head.wait_for_url(re.compile(rf"/staff/cham-cong/nghi-phep/{annual.id}$"))
            await expect(head.locator("main")).not_to_contain_text("Không tìm thấy")
            await expect(head.locator("#chua-doc")).to_contain_text("1 thông báo chưa đọc")
            await expect(head.locator("main")).to_contain_text("Việc gia đình ở quê")
            await shot(head, "tk-3-head-leave-page")
            await submit(head, "Duyệt")
            await done(head, "Đã duyệt đơn nghỉ: Vũ Thị Mai")
            await expect(head.locator(".meta")).to_have_text("Đã duyệt")

            # ... and refuses the other one from the list of requests waiting for them, with a note.
            await head.goto("/staff/cham-cong")
            waiting = head.locator(
                "section", has=head.get_by_role("heading", name=re.compile("Đơn nghỉ chờ tôi duyệt"))
            )
            await expect(waiting).to_contain_text("Khảo sát dự án tại Sóc Sơn")
            await waiting.get_by_label("Ý kiến").fill("Tuần đó phòng tổng kết năm, đề nghị lùi lịch")
            await shot(head, "tk-4-head-waiting")
            await submit(head, waiting.get_by_role("button", name="Không duyệt"))
            await done(head, "Đã không duyệt đơn nghỉ: Vũ Thị Mai")
            await expect(waiting).to_contain_text("Không có đơn nào chờ duyệt")
            await no_raw_words(head)

            # 4. The unit's timesheet: Vietnamese headings, names, no raw keys, future days blank.
            await head.get_by_role("link", name="Bảng chấm công của đơn vị").click()
            table = head.locator("table.sheet")
            await expect(table).to_contain_text("Họ và tên")
            await expect(table).to_contain_text("Vũ Thị Mai")
            await expect(table).to_contain_text("Đỗ Quang Vinh")
            await expect(head.locator("main")).to_contain_text("Công: Ngày đi làm")
            await no_raw_words(head)
            rows = await table.locator("tbody tr").all()
            for r in rows:
                cells = await r.locator("td").all_inner_texts()
                days = cells[: len(cells) - 7]
                assert all(c.strip() == "" for c in days[today.day :]), days
            await shot(head, "tk-5-head-unit-sheet")

            # 5. The officer is told of both decisions and sees them on her page.
            await officer.goto("/staff/tin-nhan")
            await expect(officer.locator("#thong-bao-cua-toi")).to_contain_text("Đơn nghỉ phép đã được duyệt")
            await expect(officer.locator("#thong-bao-cua-toi")).to_contain_text(
                "Đơn đi công tác không được duyệt"
            )
            await (
                officer.locator("#thong-bao-cua-toi")
                .get_by_role("link", name="Đơn đi công tác không được duyệt")
                .click()
            )
            await officer.wait_for_url(re.compile(rf"/staff/cham-cong/nghi-phep/{trip.id}$"))
            await expect(officer.locator("main")).to_contain_text("Tuần đó phòng tổng kết năm")
            await officer.goto("/staff/cham-cong")
            mine = officer.locator("section", has=officer.get_by_role("heading", name="Đơn nghỉ của tôi"))
            await expect(mine).to_contain_text("Đã duyệt (Đỗ Quang Vinh)")
            await expect(mine).to_contain_text("Không duyệt (Đỗ Quang Vinh)")
            await no_raw_words(officer)
            await shot(officer, "tk-6-officer-decisions")
            await officer.set_viewport_size({"width": 390, "height": 844})
            await officer.reload()
            await shot(officer, "tk-7-officer-phone")

            # 6. Another unit: its officer cannot open the request nor the unit's sheet; its head cannot
            # decide it (a pending request of hers, made through the API, stays pending).
            pending = await officer.request.post(
                "/api/timekeeping/leaves",
                data={"kind": "sick", "start": today.isoformat(), "end": today.isoformat(), "reason": "Sốt"},
                headers={"X-CSRF-Token": await csrf_of(officer)},
            )
            assert pending.status == 201, await pending.text()
            pending_id = (await pending.json())["id"]
            other = await login(browser, served_desk, "chuyenvien2")
            answer = await other.goto(f"/staff/cham-cong/nghi-phep/{annual.id}")
            assert answer is not None and answer.status == 404
            await expect(other.locator("main")).not_to_contain_text("Việc gia đình")
            answer = await other.goto("/staff/cham-cong/don-vi?unit=TH")
            assert answer is not None and answer.status == 403
            await expect(other.locator("main")).not_to_contain_text("Vũ Thị Mai")
            other_head = await login(browser, served_desk, "truongphongdt")
            await other_head.goto(f"/staff/cham-cong/nghi-phep/{pending_id}")
            await expect(other_head.get_by_role("button", name="Duyệt")).to_have_count(0)
            refused = await other_head.request.post(
                f"/api/timekeeping/leaves/{pending_id}/approve",
                data={},
                headers={"X-CSRF-Token": await csrf_of(other_head)},
            )
            assert refused.status in (403, 404)
            async with desk.hub.db.session() as s:
                assert (await s.get(Leave, pending_id)).status == "pending"  # type: ignore[union-attr]
        finally:
            await browser.close()

"""The citizen's and the clerk's journeys in headless Chromium against a real hub served by uvicorn.

A citizen on a phone-width page files a complaint with files (a disguised file refused in Vietnamese,
the text kept), gets the receipt code and looks it up (a wrong phone gets nothing); a denouncer files
and is shown nowhere. The clerk sees the case, the leader accepts it for a unit, the officer records a
note and evidence, the leader sends the conclusion for signing with a one-time code; once signed, the
citizen sees the answer and downloads the signed PDF. An officer of another unit gets 404.
Screenshots: tests/artifacts/citizens-*.png.
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.signing import SigningConfig
from hub.embedded import NatsServer
from hub.runtime import wait_for
from tests.adapters.signing.conftest import pki, signing_config  # noqa: F401
from tests.hub.conftest import nats  # noqa: F401
from tests.portal.staff.citizens import PASSWORD, Citizens, start_office
from tests.portal.staff.conftest import serve
from tests.portal.staff.journeys import ARGS, ARTIFACTS
from tests.portal.staff.journeys import chromium as _chromium
from tests.portal.staff.journeys import submit as _submit
from tests.support.otp_codes import one_time_code

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
SUBJECT = "Khiếu nại quyết định thu hồi giấy chứng nhận đăng ký hộ kinh doanh"
DENOUNCER = "Hồ Thị Kim Liên"


@pytest.fixture
async def office(nats: NatsServer, tmp_path: Path, signing_config: SigningConfig) -> AsyncIterator[Citizens]:
    started = await start_office(nats, tmp_path, signing_config)
    try:
        yield started
    finally:
        await started.hub.stop()


@pytest.fixture
async def served(office: Citizens) -> AsyncIterator[str]:
    async with serve(office.app) as url:
        yield url


async def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"citizens-{name}.png"), full_page=True)


async def _flash_ok(page: Any, expected: str) -> None:
    from playwright.async_api import expect

    flash = page.locator("main > p.flash")
    await expect(flash).to_be_visible()
    text = await flash.inner_text()
    assert "ok" in (await flash.get_attribute("class") or ""), f"refused: {text}"
    assert expected in text, text


async def _login(browser: Any, base: str, username: str) -> Any:
    context = await browser.new_context(
        base_url=base, locale="vi-VN", viewport={"width": 1200, "height": 900}
    )
    page = await context.new_page()
    await page.goto("/staff/")
    await page.fill("#username", username)
    await page.fill("#password", PASSWORD)
    async with page.expect_navigation():
        await page.click("button[type=submit]")
    return page


async def _file_complaint(citizen: Any, tmp_path: Path) -> str:
    """The citizen's form on a phone: a disguised file refused, then the real ones; the receipt code."""
    from playwright.async_api import expect

    await citizen.goto("/public")
    await expect(citizen.get_by_role("heading", level=1)).to_have_text(
        "Dịch vụ dành cho công dân, doanh nghiệp"
    )
    await _shot(citizen, "1-start-phone")
    await citizen.get_by_role("link", name=re.compile("^Gửi đơn khiếu nại")).click()
    await citizen.get_by_label("Khiếu nại", exact=True).check()
    await citizen.get_by_label("Họ và tên (bắt buộc)").fill("Phan Minh Quân")
    await citizen.get_by_label("Số điện thoại").fill("0936 222 333")
    await citizen.get_by_label("Địa chỉ liên hệ").fill("Số 12 phố Chùa Bộc, Đống Đa, Hà Nội")
    await citizen.get_by_label("Tóm tắt nội dung (bắt buộc)").fill(SUBJECT)
    await citizen.get_by_label("Nội dung chi tiết (bắt buộc)").fill(
        "Ngày 10 tháng trước tôi nhận quyết định thu hồi mà không được giải thích lý do; đề nghị xem xét lại."
    )
    await citizen.get_by_label(re.compile("Ngày nhận được hoặc biết quyết định")).fill("2026-01-15")
    await citizen.get_by_label(re.compile("Tôi cam đoan")).check()
    disguised = tmp_path / "hoa-don.pdf"
    disguised.write_bytes(b"MZ\x90\x00 not a pdf")
    await citizen.get_by_label("Ảnh, giấy tờ liên quan").set_input_files(str(disguised))
    await _shot(citizen, "2-form-phone")
    await _submit(citizen, "Gửi đơn")
    await expect(citizen.locator(".error-summary")).to_contain_text("nội dung không phải tệp PDF")
    await expect(citizen.get_by_label("Họ và tên (bắt buộc)")).to_have_value("Phan Minh Quân")
    await _shot(citizen, "3-form-refused-file-phone")
    decision = tmp_path / "quyet-dinh.pdf"
    decision.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    photo = tmp_path / "cua-hang.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    await citizen.get_by_label("Ảnh, giấy tờ liên quan").set_input_files([str(decision), str(photo)])
    await _submit(citizen, "Gửi đơn")
    await expect(citizen.get_by_role("heading", level=1)).to_have_text("Đơn đã được tiếp nhận")
    await expect(citizen.locator(".facts")).to_contain_text("quyet-dinh.pdf, cua-hang.png")
    await _shot(citizen, "4-receipt-phone")
    return (await citizen.locator("#ma-tiep-nhan").inner_text()).strip()


async def _look_up(citizen: Any, code: str, contact: str) -> None:
    await citizen.goto("/public/tra-cuu-don")
    await citizen.get_by_label("Mã tiếp nhận").fill(code)
    await citizen.get_by_label("Số điện thoại hoặc thư điện tử đã khai khi gửi đơn").fill(contact)
    await _submit(citizen, "Tra cứu")


async def test_citizen_and_clerk_journeys(office: Citizens, served: str, tmp_path: Path) -> None:
    executable = _chromium()
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=30_000)
    hub = office.hub
    codes: dict[str, tuple[str, int]] = {}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        try:
            phone = await browser.new_context(base_url=served, locale="vi-VN", viewport=PHONE, has_touch=True)
            citizen = await phone.new_page()
            code = await _file_complaint(citizen, tmp_path)
            assert re.fullmatch(r"DT-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
            await _look_up(citizen, code, "0936 222 334")
            await expect(citizen.get_by_role("alert")).to_contain_text("Không tìm thấy đơn")
            await expect(citizen.locator("main")).not_to_contain_text(SUBJECT)
            await _look_up(citizen, code, "0936222333")
            await expect(citizen.locator("#tinh-trang")).to_have_text("Đã tiếp nhận, đang xem xét thụ lý")
            await _shot(citizen, "5-look-up-phone")

            # a denouncer files too: their name is on no page but the leader's
            await citizen.goto("/public/gui-don")
            await citizen.get_by_label("Tố cáo", exact=True).check()
            await citizen.get_by_label("Họ và tên (bắt buộc)").fill(DENOUNCER)
            await citizen.get_by_label("Thư điện tử").fill("kimlien@example.vn")
            await citizen.get_by_label("Địa chỉ liên hệ").fill("Ngõ 4 Nguyễn Chí Thanh, Đống Đa")
            await citizen.get_by_label("Tóm tắt nội dung (bắt buộc)").fill(
                "Tố cáo cán bộ đòi tiền ngoài lệ phí"
            )
            await citizen.get_by_label("Nội dung chi tiết (bắt buộc)").fill(
                "Cán bộ tiếp nhận đòi 2 triệu đồng."
            )
            await citizen.get_by_label(re.compile("Tôi cam đoan")).check()
            await _submit(citizen, "Gửi đơn")
            await expect(citizen.locator("main")).to_contain_text("Danh tính của Ông/Bà được giữ bí mật")
            await expect(citizen.locator("main")).not_to_contain_text(DENOUNCER)

            # the clerk sees both; the denouncer withheld
            clerk = await _login(browser, served, "vanthu")
            await clerk.goto("/staff/khieu-nai")
            await expect(clerk.locator("main table")).to_contain_text(SUBJECT)
            await expect(clerk.locator("main")).not_to_contain_text(DENOUNCER)
            await expect(clerk.locator("main table")).to_contain_text("Được giữ bí mật")
            await _shot(clerk, "6-clerk-list")
            await clerk.locator("tr", has_text=SUBJECT).get_by_role("link").click()
            await expect(clerk.locator(".meta")).to_contain_text("Chờ thụ lý")
            case_url = clerk.url
            await _shot(clerk, "7-clerk-case")

            # the leader accepts it for TH, the officer chuyenvien in charge
            leader = await _login(browser, served, "giamdoc")
            await leader.goto(case_url)
            await expect(leader.get_by_label(re.compile("Ngày người khiếu nại nhận được"))).to_have_value(
                "2026-01-15"
            )
            await leader.get_by_label("Đơn vị giải quyết", exact=True).select_option("TH")
            await leader.get_by_label("Người được giao (không bắt buộc)").select_option("chuyenvien")
            await leader.get_by_label(re.compile("Lý do chính đáng")).fill("Ốm nằm viện, có giấy ra viện.")
            await _shot(leader, "8-leader-accept")
            await _submit(leader, "Thụ lý")
            await _flash_ok(leader, "Đã thụ lý")
            await expect(leader.locator(".facts").first).to_contain_text(
                "Phòng Tổng hợp, Quy hoạch · Vũ Thị Mai"
            )

            # the officer notes and attaches evidence
            officer = await _login(browser, served, "chuyenvien")
            await officer.goto(case_url)
            await officer.get_by_role("textbox", name="Ghi chú xác minh").fill(
                "Đã làm việc với Phòng Đăng ký kinh doanh ngày 20."
            )
            await _submit(officer, "Lưu ghi chú")
            await _flash_ok(officer, "Đã ghi chú")
            minutes = tmp_path / "bien-ban.pdf"
            minutes.write_bytes(b"%PDF-1.4\n% bien ban lam viec\n%%EOF\n")
            await officer.get_by_label("Chứng cứ: mô tả").fill("Biên bản làm việc")
            await officer.get_by_label(re.compile("Tệp chứng cứ")).set_input_files(str(minutes))
            await _submit(officer, "Lưu chứng cứ")
            await _flash_ok(officer, "Đã lưu chứng cứ")
            await expect(officer.locator(".history")).to_contain_text("bien-ban.pdf")
            await _shot(officer, "9-officer-evidence")

            # the leader sends the conclusion for signing, confirmed by a one-time code
            await one_time_code(hub, "giamdoc", codes)  # enrolled and active (as on the Bảo mật page)
            await leader.goto(case_url)
            await leader.get_by_label("Kết quả xác minh").select_option("dung_mot_phan")
            await leader.get_by_label("Nội dung kết luận").fill(
                "Khiếu nại đúng một phần: quyết định thu hồi thiếu căn cứ; "
                "Phòng Đăng ký kinh doanh cấp lại giấy."
            )
            await leader.get_by_label(re.compile("Mã xác thực một lần")).fill(
                await one_time_code(hub, "giamdoc", codes)
            )
            await _shot(leader, "10-leader-conclusion")
            await _submit(leader, "Trình ký kết luận")
            await _flash_ok(leader, "Đã trình ký kết luận")

            async def status_shows(text: str) -> bool:
                await leader.reload()
                return text in await leader.locator(".meta").inner_text()

            assert await wait_for(lambda: status_shows("Chờ ban hành kết luận"), timeout=120, every=1), (
                "the conclusion was not signed"
            )
            await expect(leader.locator("#h-ket-luan + dl")).to_contain_text("Cấp khi văn thư ban hành")

            # the clerk numbers it in the outgoing register, seals and issues it from the home queue
            await clerk.goto("/staff")
            await (
                clerk.locator("tr", has_text="Kết luận giải quyết đơn khiếu nại").get_by_role("link").click()
            )
            await expect(clerk.locator("main")).to_contain_text("Khiếu nại, tố cáo")
            await _shot(clerk, "11-clerk-conclusion-to-issue")
            await _submit(clerk, "Ban hành và gửi")
            await _flash_ok(clerk, "")

            assert await wait_for(lambda: status_shows("Đã có kết luận"), timeout=120, every=1), (
                "the issued conclusion did not close the case"
            )
            await expect(leader.locator("main")).to_contain_text("Văn bản kết luận đã ban hành")
            number = (await leader.locator("#h-ket-luan + dl dd").first.inner_text()).strip()
            assert re.fullmatch(r"\d+/QĐ-SKHĐT", number), number  # the next số đi of a decision
            await _shot(leader, "11-leader-concluded")

            # an officer of another unit: the link answers 404 and shows nothing of the case
            other = await _login(browser, served, "chuyenvien2")
            answer = await other.goto(case_url)
            assert answer is not None and answer.status == 404
            await expect(other.locator("main")).not_to_contain_text(SUBJECT)

            # the citizen sees the answer and downloads the signed conclusion
            await _look_up(citizen, code, "+84 936 222 333")
            await expect(citizen.locator("#tinh-trang")).to_have_text("Đã có kết quả giải quyết")
            await expect(citizen.locator("#ket-luan")).to_contain_text(number)
            await expect(citizen.locator("#ket-luan")).to_contain_text("cấp lại giấy")
            await expect(citizen.locator("main")).to_contain_text("Phòng Tổng hợp, Quy hoạch")
            await _shot(citizen, "12-answer-phone")
            async with citizen.expect_download() as downloading:
                await citizen.get_by_role("button", name=re.compile("^Tải văn bản kết luận")).click()
            download = await downloading.value
            data = Path(await download.path()).read_bytes()
            assert data.startswith(b"%PDF") and data.count(b"/ByteRange") == 2  # the leader's and the seal
        finally:
            await browser.close()


async def test_one_stop_dossier_and_projects_in_the_browser(
    office: Citizens, served: str, tmp_path: Path
) -> None:
    executable = _chromium()
    from openpyxl import load_workbook
    from playwright.async_api import async_playwright, expect

    from handlers.projects.generator import generate
    from handlers.projects.xlsx import write

    expect.set_options(timeout=30_000)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        try:
            # the clerk receives a dossier at the counter and asks, once, for everything missing
            clerk = await _login(browser, served, "vanthu")
            await clerk.goto("/staff/mot-cua")
            await clerk.get_by_role("link", name="Tiếp nhận hồ sơ tại quầy").click()
            await clerk.get_by_label("Thủ tục hành chính").select_option("DKDN-01")
            await clerk.get_by_label("Tên cá nhân, tổ chức nộp hồ sơ").fill("Công ty TNHH Bình Minh Xanh")
            await clerk.get_by_label("Số điện thoại").fill("0243 888 777")
            await clerk.get_by_label(re.compile("Hồ sơ đầy đủ")).uncheck()
            scan = tmp_path / "giay-de-nghi.pdf"
            scan.write_bytes(b"%PDF-1.4\n% giay de nghi\n%%EOF\n")
            await clerk.get_by_label("Thành phần hồ sơ (bản quét)").set_input_files(str(scan))
            await _submit(clerk, "Tiếp nhận hồ sơ")
            await _flash_ok(clerk, "Đã tiếp nhận hồ sơ, mã")
            code = clerk.url.split("/staff/mot-cua/")[1].split("?")[0]
            await clerk.get_by_label(re.compile("Yêu cầu bổ sung, hoàn thiện")).fill(
                "Điều lệ công ty có chữ ký của thành viên\nDanh sách thành viên góp vốn\n"
                "Bản sao căn cước của người đại diện"
            )
            await _submit(clerk, "Gửi yêu cầu bổ sung")
            await _flash_ok(clerk, "Đã gửi yêu cầu bổ sung")
            await expect(clerk.locator("main")).to_contain_text("Mẫu 02 - Phiếu yêu cầu bổ sung")
            await _submit(clerk, "Đã nhận hồ sơ bổ sung")
            await expect(clerk.locator("main")).to_contain_text("Đã yêu cầu bổ sung một lần")
            await expect(clerk.get_by_role("button", name="Gửi yêu cầu bổ sung")).to_have_count(0)
            await _shot(clerk, "13-clerk-dossier")
            await clerk.goto("/staff/mot-cua")
            await expect(clerk.locator("main table")).to_contain_text("Bình Minh Xanh")
            await _shot(clerk, "14-clerk-dossiers")

            # the applicant looks the dossier up from a phone: no name, the status
            phone = await browser.new_context(base_url=served, locale="vi-VN", viewport=PHONE)
            citizen = await phone.new_page()
            await citizen.goto("/public/")
            await citizen.get_by_role("link", name=re.compile("Tra cứu hồ sơ thủ tục hành chính")).click()
            await citizen.get_by_label("Mã hồ sơ").fill(code)
            async with citizen.expect_navigation():
                await citizen.get_by_role("button", name="Tra cứu").click()
            await expect(citizen.locator("#tinh-trang")).to_have_text("Mới tiếp nhận")
            await expect(citizen.locator("main")).not_to_contain_text("Bình Minh Xanh")
            await _shot(citizen, "15-dossier-look-up-phone")

            # projects: a file with bad rows is refused naming each one, then the good file, the charts
            projects = generate(60, seed=21)
            wb = load_workbook(io.BytesIO(write(projects)))
            wb.worksheets[0].cell(row=7, column=10, value=-3)
            wb.worksheets[0].cell(row=19, column=3, value="Vốn khác")
            broken = tmp_path / "du-an-loi.xlsx"
            wb.save(broken)
            good = tmp_path / "du-an.xlsx"
            good.write_bytes(write(projects))
            head = await _login(browser, served, "truongphongdt")
            await head.goto("/staff/du-an")
            await head.get_by_label("Tệp .xlsx").set_input_files(str(broken))
            await _submit(head, "Nhập tệp")
            await expect(head.locator("#loi-nhap")).to_contain_text("Dòng 7, cột 'Vốn góp (VND)'")
            await expect(head.locator("#loi-nhap")).to_contain_text("Dòng 19")
            await _shot(head, "16-projects-import-refused")
            await head.get_by_label("Tệp .xlsx").set_input_files(str(good))
            await _submit(head, "Nhập tệp")
            await _flash_ok(head, "60 dự án mới")
            await head.get_by_label("Nguồn vốn").select_option("FDI")
            await _submit(head, "Lọc")
            fdi = sum(1 for p in projects if p.funding == "FDI")
            await expect(head.locator("main table caption")).to_contain_text(f"{fdi} dự án")
            await _shot(head, "17-projects-fdi")
            await head.goto("/staff/du-an/thong-ke")
            await expect(head.locator("#tong-du-an")).to_have_text("60")
            await expect(head.locator("#bieu-do-funding svg rect")).to_have_count(3)
            await _shot(head, "18-projects-charts")
            await head.goto(f"/staff/du-an/{projects[0].code}")
            await expect(head.locator(".history")).to_contain_text("Phiên bản 1: Đăng ký lần đầu")
            await _shot(head, "19-project")
        finally:
            await browser.close()

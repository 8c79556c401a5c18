"""The staff interface in headless Chromium against a real hub served by uvicorn.

A clerk registers an incoming document from the axis, the leader assigns it, the officer drafts a
reply, the leader turns on one-time codes (a wrong code is refused by the documents API) and signs with
the USB token (test agent), which approves the reply; the clerk issues and sends; an officer of another
unit cannot open the document by link or by search.
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from PIL import Image

from hub import otp as totp
from hub.runtime import wait_for
from tests.handlers.documents.conftest import SENDER, received_event
from tests.portal.staff.agent import Agent, make_pki
from tests.portal.staff.conftest import Office, bind_token, pdf_bytes, serve
from tests.portal.staff.journeys import chromium, done, login, shot, submit

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SUBJECT = "V/v góp ý dự thảo Quyết định phê duyệt kế hoạch đầu tư công"


@pytest.fixture
async def served(office: Office) -> AsyncIterator[str]:
    async with serve(office.app) as url:
        yield url


async def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"staff-{name}.png"), full_page=True)


async def test_incoming_to_signed_reply_in_the_browser_and_other_units_kept_out(
    office: Office, served: str, tmp_path: Path
) -> None:
    executable = chromium()
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=30_000)  # generous on a loaded 2-core machine
    hub = office.hub
    payload = await received_event(hub, subject=SUBJECT, priority=2)  # Thượng khẩn
    await hub.publish("document.received", payload, source="vdxp", issue=payload.document_id)

    async def arrived() -> bool:
        from sqlalchemy import func, select

        from handlers.documents.models import Document

        async with hub.db.session() as s:
            return bool(await s.scalar(select(func.count()).select_from(Document)))

    assert await wait_for(arrived, timeout=60), "the axis document did not arrive"
    pki = make_pki()
    agent = Agent(pki)
    agent_url = await agent.start()
    draft_pdf = tmp_path / "tra-loi.pdf"
    draft_pdf.write_bytes(pdf_bytes("Sở Kế hoạch và Đầu tư trả lời về kế hoạch đầu tư công"))

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        try:
            # 1. The clerk sees the document in the incoming queue with its marks and registers it.
            clerk = await login(browser, served, "vanthu")
            queue = clerk.locator("section", has=clerk.get_by_role("heading", name="Văn bản đến chờ vào sổ"))
            await expect(queue).to_contain_text(SUBJECT)
            await expect(queue.locator(".badge.urgent")).to_have_text("Thượng khẩn")
            await _shot(clerk, "1-clerk-queue")
            await queue.get_by_role("link", name=SUBJECT).click()
            await submit(clerk, "Vào sổ văn bản đến")
            await done(clerk, "Đã vào sổ")
            await expect(clerk.locator(".meta")).to_contain_text("Đã vào sổ, chờ chỉ đạo")
            doc_url = clerk.url.split("?")[0]
            await _shot(clerk, "2-clerk-registered")

            # 2. The leader assigns it on one screen: lead unit, co-ordinating unit, deadline, instruction.
            leader = await login(browser, served, "giamdoc")
            waiting = leader.locator("section", has=leader.get_by_role("heading", name="Văn bản chờ chỉ đạo"))
            await waiting.get_by_role("link", name=SUBJECT).click()
            await leader.get_by_label("Đơn vị chủ trì").select_option("TH")
            await leader.get_by_label("Thanh tra Sở").check()
            await leader.get_by_label("Hạn xử lý").fill("2030-12-15")
            await leader.get_by_label("Ý kiến chỉ đạo").fill("Phòng Tổng hợp chủ trì, trả lời trước hạn.")
            await _shot(leader, "3-leader-assign-form")
            await submit(leader, "Giao xử lý")
            await done(leader, "Đã giao xử lý")
            await expect(leader.locator(".facts")).to_contain_text("Phòng Tổng hợp, Quy hoạch")

            # 3. The officer of the lead unit is told live, drafts the reply linked to the document.
            officer = await login(browser, served, "chuyenvien")
            await expect(officer.locator("body[data-live='1']")).to_have_count(1)
            await hub.publish(
                "notify.requested",
                {
                    "recipients": ["chuyenvien"],
                    "title": "Văn bản Thường: " + SUBJECT,
                    "body": "Trưởng phòng giao chị chủ trì soạn trả lời.",
                    "link": doc_url.split(served, 1)[1].replace("/staff/van-ban/", "/documents/"),
                    "dedup_key": "staff-test:" + doc_url,
                },
                source="tasks",
            )
            await expect(officer.locator("#thong-bao")).to_contain_text("Trưởng phòng giao chị chủ trì")
            await expect(officer.locator("#chua-doc")).to_contain_text("1 thông báo chưa đọc")
            await _shot(officer, "3b-officer-live-notification")
            mine = officer.locator(
                "section", has=officer.get_by_role("heading", name="Văn bản đơn vị tôi đang xử lý")
            )
            await mine.get_by_role("link", name=SUBJECT).click()
            await officer.get_by_role("link", name="Soạn văn bản trả lời").click()
            await expect(officer.locator("main")).to_contain_text("Trả lời văn bản")
            await officer.get_by_label("Trích yếu").fill("V/v trả lời góp ý kế hoạch đầu tư công")
            await officer.get_by_label("Loại văn bản").select_option("Công văn")
            await officer.get_by_label("Tệp dự thảo (PDF)").set_input_files(str(draft_pdf))
            await officer.get_by_label("Trình ký (lãnh đạo)").select_option("giamdoc")
            await _shot(officer, "4-officer-draft")
            await submit(officer, "Lưu dự thảo")
            await done(officer, "Đã tạo và trình dự thảo")
            await expect(officer.locator(".meta")).to_contain_text("Chờ duyệt")
            await expect(officer.locator(".facts")).to_contain_text(SUBJECT[:20])
            reply_url = officer.url.split("?")[0]

            # 4. The leader turns on one-time codes; a wrong code is refused by the documents API; the
            # leader signs with the USB token (its certificate bound to them), which approves the reply.
            await leader.goto("/staff/bao-mat")
            await submit(leader, "Tạo khóa bí mật")
            secret = (await leader.locator("#totp-secret").inner_text()).strip()
            # the phone's authenticator scans the QR code: it holds the same secret (decoded by zxing)
            scanned = zxingcpp.read_barcodes(
                Image.open(io.BytesIO(await leader.locator("#totp-qr").screenshot()))
            )
            assert len(scanned) == 1 and scanned[0].text.startswith("otpauth://totp/"), scanned
            assert parse_qs(urlsplit(scanned[0].text).query)["secret"] == [secret]
            await shot(leader, "otp-setup-qr")
            await leader.get_by_label("Mã 6 số từ ứng dụng").fill(totp.code_at(secret))
            await submit(leader, "Kích hoạt")
            await done(leader, "Đã kích hoạt")
            await leader.goto("/staff/")
            drafts = leader.locator(
                "section", has=leader.get_by_role("heading", name="Dự thảo chờ tôi duyệt")
            )
            await drafts.get_by_role("link", name="V/v trả lời góp ý kế hoạch đầu tư công").click()
            await expect(leader.locator("iframe.pdf")).to_have_attribute("src", re.compile(r"/pdf\?v=\d+$"))
            wrong = "000000" if totp.code_at(secret) != "000000" else "111111"
            await leader.get_by_label(re.compile("Mã xác thực một lần")).fill(wrong)
            await submit(leader, "Duyệt và ký số")
            await expect(leader.get_by_role("alert")).to_contain_text("Mã xác thực không đúng")
            await expect(leader.locator(".meta")).to_contain_text("Chờ duyệt")

            bind_token(hub, "giamdoc", pki)
            await leader.get_by_label("Địa chỉ phần mềm ký").fill(agent_url)
            await leader.get_by_role("button", name="Ký bằng USB token").click()
            await expect(leader.locator("#token-signed")).to_be_visible()
            assert len(agent.signed) == 1
            signed = await leader.request.get(await leader.locator("#token-signed").get_attribute("href"))
            assert signed.ok and (await signed.body()).startswith(b"%PDF")
            await _shot(leader, "5-leader-sign")

            async def approved() -> bool:
                await leader.reload()
                return "Đã duyệt, chờ ban hành" in await leader.locator(".meta").inner_text()

            assert await wait_for(approved, timeout=60, every=0.5), "the token signature did not approve it"

            # 5. The clerk issues: number, seal, sending; delivery status per recipient.
            await clerk.goto("/staff/")
            to_issue = clerk.locator(
                "section", has=clerk.get_by_role("heading", name="Văn bản đã duyệt, chờ ban hành")
            )
            await to_issue.get_by_role("link", name="V/v trả lời góp ý kế hoạch đầu tư công").click()
            await submit(clerk, "Ban hành và gửi")
            await done(clerk, "Đã cấp số")
            await expect(clerk.locator(".meta")).to_contain_text(re.compile("Đã ban hành|Đang ban hành"))
            await expect(clerk.locator(".facts")).to_contain_text("SKHĐT")
            await expect(clerk.locator("main")).to_contain_text("Văn phòng Chính phủ")
            await _shot(clerk, "6-clerk-issued")
            # The history names the token's holder as a person reads it, not a certificate dump.
            history = await clerk.locator("main").inner_text()
            assert "ký số bằng USB token; chứng thư số của Nguyễn Văn" in history, history
            assert "Common Name" not in history and "trust_anchors" not in history, history
            await clerk.goto(doc_url)
            await expect(clerk.locator(".facts")).to_contain_text("Văn bản trả lời")

            # 6. An officer of another unit: neither the link nor the search shows the document.
            other = await login(browser, served, "chuyenvien2")
            answer = await other.goto(doc_url)
            assert answer is not None and answer.status == 404
            await expect(other.locator("main")).not_to_contain_text(SUBJECT)
            answer = await other.goto(reply_url)
            assert answer is not None and answer.status == 404
            await other.goto("/staff/")
            await other.get_by_label("Tìm văn bản, công việc, hồ sơ, cán bộ").fill(
                "gop y ke hoach dau tu cong"
            )
            await other.get_by_label("Tìm văn bản, công việc, hồ sơ, cán bộ").press("Enter")
            await expect(other.locator("main")).to_contain_text("Không tìm thấy văn bản")
            await expect(other.locator("main")).not_to_contain_text(SUBJECT)
            await _shot(other, "7-other-unit-search")
            # ... while the officer of the lead unit finds it without diacritics.
            await officer.goto("/staff/tim-kiem?q=gop+y+ke+hoach+dau+tu+cong")
            await expect(officer.locator("main")).to_contain_text(SUBJECT)

            # The phone layout: the menu folds, the page still works.
            await officer.set_viewport_size({"width": 390, "height": 844})
            await officer.goto(reply_url)
            await expect(officer.locator(".menu summary")).to_be_visible()
            await _shot(officer, "8-officer-phone")
        finally:
            await browser.close()
            await agent.stop()
    assert SENDER in payload.from_code

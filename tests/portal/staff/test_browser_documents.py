"""Documents journeys in headless Chromium against a real hub served by uvicorn, on the demo chart.

1. Outgoing from scratch: the clerk opens "Soạn văn bản đi" from the menu and drafts a Hỏa tốc notice
   to an agency of the directory and to a unit, with the PDF, an appendix and the signing leader; the
   leader approves and signs with a one-time code; the clerk issues: the agency is sent over the axis,
   the unit internally, and its officer sees it on her home page and is told at once.
2. Incoming answered: an axis document with the sender's deadline (DueDate) is registered (the deadline
   shown), assigned, given to the officer, who starts handling it (document and task agree), drafts
   the reply (subject "V/v trả lời ..." without a second "V/v"); issuing the reply closes the incoming
   document and its task.
Officers of other units can neither read nor change these documents (404, nothing changed).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from handlers.documents.models import Document
from hub.runtime import wait_for
from schemas.edxml import BuildOptions, Code, EdocMessage, MessageHeader, Organization
from schemas.edxml.build import build_edoc
from tests.handlers.documents.conftest import SENDER, SENDER_NAME, US, received_event
from tests.portal.staff.conftest import Office, pdf_bytes, serve
from tests.portal.staff.journeys import chromium, done, login, submit
from tests.support.otp_codes import one_time_code

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]
# English status words, raw keys and ids staff must never read.
RAW = re.compile(
    r"\b(draft|pending_approval|approved|issued|issuing|received|registered|assigned|processing|completed|"
    r"internal|queued|not_started|in_progress|done|pending|hoa_toc|unit_id|user_id|None|True|False|system)\b"
    r"|axis:|chuyenvien|truongphong|giamdoc|vanthu"
)
NOTICE = "Thông báo triệu tập họp khẩn về giải ngân vốn đầu tư công"
QUESTION = "V/v báo cáo tình hình giải ngân vốn đầu tư công quý IV"


@pytest.fixture
async def served(office: Office) -> AsyncIterator[str]:
    async with serve(office.app) as url:
        yield url


async def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"staff-documents-{name}.png"), full_page=True)


async def _no_raw_words(page: Any) -> None:
    text = await page.locator("main").inner_text()
    found = RAW.findall(text)
    assert not found, f"raw words on {page.url}: {sorted(set(found))}"


async def _approve_with_code(
    office: Office, leader: Any, subject: str, codes: dict[str, tuple[str, int]]
) -> None:
    """The leader opens the draft awaiting them and approves it, signing with a one-time code."""
    code = await one_time_code(office.hub, "giamdoc", codes)  # enrolled once, then a fresh code
    await leader.goto("/staff/")
    waiting = leader.locator("section", has=leader.get_by_role("heading", name="Dự thảo chờ tôi duyệt"))
    await waiting.get_by_role("link", name=subject).click()
    await leader.get_by_label(re.compile("Mã xác thực một lần")).fill(code)
    await leader.get_by_label("Ý kiến").fill("Đồng ý ban hành.")
    await submit(leader, "Duyệt và ký số")
    await done(leader, "Đã duyệt và ký số")


async def _issue(clerk: Any, subject: str) -> None:
    from playwright.async_api import expect

    await clerk.goto("/staff/")
    to_issue = clerk.locator(
        "section", has=clerk.get_by_role("heading", name="Văn bản đã duyệt, chờ ban hành")
    )
    await to_issue.get_by_role("link", name=subject).click()
    await submit(clerk, "Ban hành và gửi")
    await done(clerk, "Đã cấp số")
    await expect(clerk.locator(".meta")).to_contain_text("Đã ban hành")


async def _status_of(office: Office, doc_id: str) -> str:
    async with office.hub.db.session() as s:
        doc = await s.get(Document, doc_id)
        assert doc is not None
        return doc.status


async def test_a_new_hoa_toc_notice_to_an_agency_and_a_unit_reaches_the_units_officer(
    office: Office, served: str, tmp_path: Path
) -> None:
    executable = chromium()
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=30_000)
    text_pdf = tmp_path / "thong-bao.pdf"
    text_pdf.write_bytes(pdf_bytes(NOTICE))
    appendix = tmp_path / "danh-sach-du-an.pdf"
    appendix.write_bytes(pdf_bytes("Danh sách dự án chậm giải ngân"))
    codes: dict[str, tuple[str, int]] = {}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        try:
            officer = await login(browser, served, "chuyenvien")  # online: she is told live
            await expect(officer.locator("body[data-live='1']")).to_have_count(1)

            # 1. The clerk starts a new outgoing document from the menu.
            clerk = await login(browser, served, "vanthu")
            await clerk.get_by_role("navigation").get_by_role("link", name="Soạn văn bản đi").click()
            await expect(clerk.get_by_role("heading", name="Soạn văn bản đi", level=1)).to_be_visible()
            await clerk.get_by_label("Trích yếu").fill(NOTICE)
            await clerk.get_by_label("Loại văn bản").select_option("Thông báo")
            await clerk.get_by_label("Độ khẩn").select_option("Hỏa tốc")
            await clerk.get_by_label(re.compile("Ủy ban nhân dân tỉnh Nghệ An")).check()
            await clerk.get_by_label("Phòng Tổng hợp, Quy hoạch", exact=True).check()
            await clerk.get_by_label("Tệp dự thảo (PDF)").set_input_files(str(text_pdf))
            await clerk.get_by_label(re.compile("Tệp đính kèm khác")).set_input_files(str(appendix))
            await clerk.get_by_label("Trình ký (lãnh đạo)").select_option("giamdoc")
            await _shot(clerk, "1-clerk-new-draft")
            await submit(clerk, "Lưu dự thảo")
            await done(clerk, "Đã tạo và trình dự thảo")
            await expect(clerk.locator(".meta")).to_contain_text("Chờ duyệt")
            await expect(clerk.locator(".meta .badge.urgent")).to_have_text("Hỏa tốc")
            await expect(clerk.locator("main")).to_contain_text("danh-sach-du-an.pdf")
            await _no_raw_words(clerk)
            notice_url = clerk.url.split("?")[0]
            notice_id = notice_url.rsplit("/", 1)[1]

            # An officer of another unit can neither read nor change the draft.
            other = await login(browser, served, "chuyenvien2")
            answer = await other.goto(notice_url)
            assert answer is not None and answer.status == 404
            await expect(other.locator("body")).not_to_contain_text(NOTICE)
            await other.goto("/staff/")
            csrf = await other.locator('meta[name="csrf-token"]').get_attribute("content")
            forged = await other.request.post(
                f"{notice_url}/dinh-kem/0/xoa", form={"csrf_token": csrf}, max_redirects=0
            )
            assert forged.status == 303 and "loi=" in forged.headers["location"]
            forged = await other.request.post(
                f"{notice_url}/ban-hanh", form={"csrf_token": csrf}, max_redirects=0
            )
            assert forged.status == 303 and "loi=" in forged.headers["location"]
            assert await _status_of(office, notice_id) == "pending_approval"

            # 2. The leader approves and signs with a one-time code.
            leader = await login(browser, served, "giamdoc")
            await _approve_with_code(office, leader, NOTICE, codes)
            await expect(leader.locator(".meta")).to_contain_text("Đã duyệt, chờ ban hành")
            await _shot(leader, "2-leader-approved")

            # 3. The clerk issues: the agency over the axis, the unit inside the department.
            await _issue(clerk, NOTICE)
            deliveries = clerk.locator(
                "section", has=clerk.get_by_role("heading", name="Tình trạng gửi nhận theo nơi nhận")
            )
            await expect(deliveries.locator("tr", has_text="Ủy ban nhân dân tỉnh Nghệ An")).to_contain_text(
                "Đang chờ gửi lên trục"
            )
            await expect(deliveries.locator("tr", has_text="Phòng Tổng hợp, Quy hoạch")).to_contain_text(
                "Gửi nội bộ"
            )
            await expect(deliveries.locator("tr", has_text="Phòng Tổng hợp, Quy hoạch")).to_contain_text(
                "Đã chuyển tới 2 người"
            )
            await expect(clerk.locator(".history")).to_contain_text(
                "gửi 1 cơ quan qua trục liên thông (Ủy ban nhân dân tỉnh Nghệ An); "
                "chuyển nội bộ tới Phòng Tổng hợp, Quy hoạch"
            )
            await expect(clerk.locator(".facts")).to_contain_text("TB-SKHĐT")
            await _no_raw_words(clerk)
            await _shot(clerk, "3-clerk-issued")

            # 4. The unit's officer is told at once and finds it on her home page.
            await expect(officer.locator("#thong-bao")).to_contain_text(
                f"Hỏa tốc · Thông báo 01/TB-SKHĐT: {NOTICE}"
            )
            await expect(officer.locator("#chua-doc")).to_contain_text("thông báo chưa đọc")
            await _shot(officer, "4-officer-told")
            await officer.goto("/staff/")
            mine = officer.locator(
                "section", has=officer.get_by_role("heading", name="Văn bản gửi đến tôi và đơn vị")
            )
            await expect(mine.locator(".badge.urgent")).to_have_text("Hỏa tốc")
            await mine.get_by_role("link", name=NOTICE).click()
            await expect(officer.locator(".meta")).to_contain_text("Đã ban hành")
            await expect(officer.get_by_role("link", name="danh-sach-du-an.pdf")).to_be_visible()
            await _no_raw_words(officer)
            await _shot(officer, "5-officer-reads-notice")
            # On a phone the notice and the draft form still read and work.
            await officer.set_viewport_size({"width": 390, "height": 844})
            await officer.reload()
            await expect(officer.locator(".meta")).to_contain_text("Văn bản của Sở gửi đến bạn")
            # the processing timeline turns into a column: every step starts at the same left edge
            steps = officer.locator(".timeline").first.locator(".step")
            lefts = {
                round((await steps.nth(i).bounding_box() or {"x": -1})["x"])
                for i in range(await steps.count())
            }
            assert len(lefts) == 1 and await steps.count() == 5, lefts
            await expect(steps.last).to_contain_text("Ban hành, gửi đi")
            # installable on the phone: the manifest the page links names the app and its icons
            manifest = await officer.evaluate(
                "fetch(document.querySelector('link[rel=manifest]').href).then(r => r.json())"
            )
            assert manifest["start_url"] == "/staff/" and manifest["display"] == "standalone"
            for icon in manifest["icons"]:
                shown = await officer.request.get(icon["src"])
                assert shown.ok and shown.headers["content-type"] == "image/png", icon
            await _shot(officer, "5b-officer-phone")
            await officer.goto("/staff/du-thao/moi")
            await expect(officer.get_by_label("Trích yếu")).to_be_visible()
            await _shot(officer, "5c-officer-phone-draft-form")

            # 6. The director revokes the issued notice: frozen, the agency asked to give it back.
            await leader.goto(notice_url)
            await leader.locator("summary", has_text="Thu hồi văn bản đã ban hành").click()
            await leader.get_by_label("Lý do thu hồi").fill("Thông báo nhầm thời gian họp")
            await submit(leader, "Thu hồi văn bản")
            await done(leader, "Đã thu hồi văn bản")
            await expect(leader.locator(".meta")).to_contain_text("Đã thu hồi")
            await expect(leader.locator(".history")).to_contain_text(
                "Văn bản đã bị thu hồi theo quyết định của Nguyễn Văn Hùng. "
                "Lý do: Thông báo nhầm thời gian họp. Đã đề nghị 1 nơi nhận qua trục trả lại văn bản."
            )
            await expect(leader.locator("summary", has_text="Thu hồi văn bản đã ban hành")).to_have_count(0)
            await _no_raw_words(leader)
            await _shot(leader, "6-leader-withdrew")
            await officer.goto(notice_url)
            await expect(officer.locator(".meta")).to_contain_text("Đã thu hồi")
            assert await _status_of(office, notice_id) == "revoked"

            # Still nothing for the officer of another unit: not on her home page, not by link.
            await other.goto("/staff/")
            await expect(other.locator("main")).not_to_contain_text(NOTICE)
            answer = await other.goto(notice_url)
            assert answer is not None and answer.status == 404
        finally:
            await browser.close()
    # The notice went out on the most urgent channels for the unit's people.
    from adapters.notify.models import NotifyDelivery as NoticeDelivery

    async with office.hub.db.session() as s:
        rows = (
            (
                await s.execute(
                    select(NoticeDelivery).where(NoticeDelivery.dedup_key == f"document.issued:{notice_id}")
                )
            )
            .scalars()
            .all()
        )
    assert {r.recipient for r in rows} == {"chuyenvien", "truongphongth"}
    assert {r.urgency for r in rows} == {"hoa_toc"}


async def _question(office: Office, due: date) -> str:
    """An axis document carrying the sender's deadline, waiting for the clerk."""
    number = "310"
    code = f"{number}/VPCP-KTTH"
    header = MessageHeader(
        from_=Organization(organ_id=SENDER, organ_name=SENDER_NAME),
        to=[Organization(organ_id=US)],
        document_id=f"{SENDER},2026/11/20,{code}",
        code=Code(code_number=number, code_notation="VPCP-KTTH"),
        subject=QUESTION,
        due_date=due,
    )
    edxml = build_edoc(EdocMessage(message_header=header), BuildOptions())
    payload = await received_event(office.hub, number=number, subject=QUESTION, edxml=edxml)
    payload = payload.model_copy(update={"due_date": due})
    await office.hub.publish("document.received", payload, source="vdxp", issue=payload.document_id)

    async def arrived() -> str | None:
        async with office.hub.db.session() as s:
            found: str | None = await s.scalar(select(Document.id).where(Document.subject == QUESTION))
            return found

    assert await wait_for(arrived, timeout=60), "the axis document did not arrive"
    doc_id = await arrived()
    assert doc_id
    return doc_id


async def test_an_incoming_document_is_closed_with_its_task_when_its_reply_is_issued(
    office: Office, served: str, tmp_path: Path
) -> None:
    executable = chromium()
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=30_000)
    due = date.today() + timedelta(days=30)
    question_id = await _question(office, due)
    reply_pdf = tmp_path / "tra-loi.pdf"
    reply_pdf.write_bytes(pdf_bytes("Sở Kế hoạch và Đầu tư báo cáo tình hình giải ngân"))
    codes: dict[str, tuple[str, int]] = {}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        try:
            # The clerk sees the sender's deadline and registers the document.
            clerk = await login(browser, served, "vanthu")
            await clerk.goto(f"/staff/van-ban/{question_id}")
            await expect(clerk.locator(".facts")).to_contain_text(f"Hạn xử lý của nơi gửi{due:%d/%m/%Y}")
            await expect(clerk.locator(".meta")).to_contain_text(f"Trong hạn ({due:%d/%m/%Y})")
            await submit(clerk, "Vào sổ văn bản đến")
            await done(clerk, "Đã vào sổ")
            await _shot(clerk, "6-clerk-registered-with-due-date")

            # The leader assigns; the form starts from the sender's deadline.
            leader = await login(browser, served, "giamdoc")
            await leader.goto(f"/staff/van-ban/{question_id}")
            await expect(leader.get_by_label("Hạn xử lý")).to_have_value(due.isoformat())
            await leader.get_by_label("Đơn vị chủ trì").select_option("TH")
            await submit(leader, "Giao xử lý")
            await done(leader, "Đã giao xử lý")

            # The unit head names the officer.
            head = await login(browser, served, "truongphongth")
            await head.goto(f"/staff/van-ban/{question_id}")
            await head.get_by_label("Vũ Thị Mai").check()
            await submit(head, "Phân công")
            await done(head, "Đã phân công")

            # The officer starts handling it: the document and her task say the same.
            officer = await login(browser, served, "chuyenvien")
            await officer.goto(f"/staff/van-ban/{question_id}")
            tasks = officer.locator(
                "section", has=officer.get_by_role("heading", name="Công việc theo văn bản")
            )
            await expect(tasks).to_contain_text("Chưa xử lý")
            await submit(officer, "Nhận xử lý")
            await done(officer, "Đã nhận xử lý")
            await expect(officer.locator(".meta")).to_contain_text("Đang xử lý")
            await expect(tasks).to_contain_text("Đang xử lý - trong hạn")
            await _no_raw_words(officer)
            await _shot(officer, "7-officer-processing")

            # She drafts the reply: its subject does not say "V/v" twice.
            await officer.get_by_role("link", name="Soạn văn bản trả lời").click()
            await expect(officer.get_by_label("Trích yếu")).to_have_value(
                "V/v trả lời báo cáo tình hình giải ngân vốn đầu tư công quý IV"
            )
            await expect(officer.get_by_label(re.compile("Văn phòng Chính phủ"))).to_be_checked()
            await officer.get_by_label("Tệp dự thảo (PDF)").set_input_files(str(reply_pdf))
            await officer.get_by_label("Trình ký (lãnh đạo)").select_option("giamdoc")
            await _shot(officer, "8-officer-reply-form")
            await submit(officer, "Lưu dự thảo")
            await done(officer, "Đã tạo và trình dự thảo")
            reply = "V/v trả lời báo cáo tình hình giải ngân vốn đầu tư công quý IV"

            await _approve_with_code(office, leader, reply, codes)
            await _issue(clerk, reply)

            # The incoming document is closed, and its task agrees.
            await clerk.goto(f"/staff/van-ban/{question_id}")
            await expect(clerk.locator(".meta")).to_contain_text("Đã hoàn thành")
            await expect(clerk.locator(".facts")).to_contain_text("Văn bản trả lời")
            await expect(clerk.locator(".history")).to_contain_text(
                "Đã trả lời bằng văn bản 01/SKHĐT-TH, hoàn thành xử lý"
            )

            async def task_done() -> bool:
                await officer.goto(f"/staff/van-ban/{question_id}")
                return "Hoàn thành đúng hạn" in await tasks.inner_text()

            assert await wait_for(task_done, timeout=60, every=1.0), (
                "the task did not close with the document"
            )
            await expect(officer.locator(".meta")).to_contain_text("Đã hoàn thành")
            await _no_raw_words(officer)
            await _shot(officer, "9-officer-question-closed")

            # An officer of another unit can neither read it nor start it.
            other = await login(browser, served, "chuyenvien2")
            answer = await other.goto(f"/staff/van-ban/{question_id}")
            assert answer is not None and answer.status == 404
            await other.goto("/staff/")
            csrf = await other.locator('meta[name="csrf-token"]').get_attribute("content")
            forged = await other.request.post(
                f"/staff/van-ban/{question_id}/xu-ly", form={"csrf_token": csrf}, max_redirects=0
            )
            assert forged.status == 303 and "loi=" in forged.headers["location"]
            assert await _status_of(office, question_id) == "completed"
        finally:
            await browser.close()

"""Hostile text typed into the forms staff and citizens fill shows as text and never runs, in headless
Chromium, under the pages' Content-Security-Policy (no inline script or style), which no page breaks.

A real hub (documents, tasks, messaging, meetings, complaints, notifications) served by uvicorn. A
citizen puts `<script>` and `<img onerror>` into the public complaint form; the director into a task's
title, the officer into its progress report; the unit head into a message; the officer into a meeting;
the clerk into a document's subject; a partner agency into an axis document's subject and its
attachment's name, the clerk into that document's thread and a dossier's title. Every page they and
the readers open shows the text as typed, `window.__pwned` stays undefined, every HTML page carries
the CSP, and the console reports no CSP violation (a page whose own script or style the policy
blocked fails the test too).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from hub.core import module as core
from hub.embedded import NatsServer
from hub.migrate import aupgrade
from hub.runtime import Hub
from lienthong.seed import seed_demo
from lienthong.web import PAGE_CSP
from tests.handlers.documents.conftest import received_event
from tests.hub.conftest import make_settings
from tests.portal.staff.conftest import PASSWORD, Office, pdf_bytes, serve, staff_app
from tests.portal.staff.journeys import ARGS, chromium, done, login, shot, submit

pytestmark = pytest.mark.browser
PACKAGES = [
    "handlers.documents",
    "handlers.tasks",
    "handlers.messaging",
    "handlers.meetings",
    "handlers.complaints",
    "adapters.notify",
    "adapters.signing",
]
SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
HANOI = timezone(timedelta(hours=7))


def hostile(what: str) -> str:
    """A field's text carrying both payloads, told apart by `what`."""
    return f"{what} {SCRIPT} {IMG}"


@dataclass
class Watch:
    """What the browser reported: CSP violations, script errors, and the HTML pages' policies."""

    violations: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    policies: dict[str, str | None] = field(default_factory=dict)

    def attach(self, page: Any) -> Any:
        def console(msg: Any) -> None:
            if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text:
                self.violations.append(f"{page.url}: {msg.text}")

        def response(r: Any) -> None:
            ours = r.url.startswith("http://127.0.0.1")  # not the browser's own PDF viewer
            if (
                ours
                and r.request.resource_type == "document"
                and r.headers.get("content-type", "").startswith("text/html")
            ):
                self.policies[r.url] = r.headers.get("content-security-policy")

        page.on("console", console)
        page.on("pageerror", lambda e: self.errors.append(f"{page.url}: {e}"))
        page.on("response", response)
        return page


@pytest.fixture
async def whole(nats: NatsServer, tmp_path: Path) -> AsyncIterator[Office]:
    """The modules whose free-text fields staff and citizens fill, on the demo organisation chart."""
    from adapters.notify import NotifyModule
    from adapters.notify.settings import NotifySettings
    from adapters.signing import SigningModule, SigningSettings
    from handlers.complaints import ComplaintsModule
    from handlers.documents import DocumentsModule
    from handlers.documents.settings import DocumentsSettings
    from handlers.meetings import MeetingsModule
    from handlers.messaging import MessagingModule
    from handlers.tasks import module as tasks

    url = f"sqlite+aiosqlite:///{tmp_path / 'csp.db'}"
    await aupgrade(url, PACKAGES)
    modules = [
        core,
        DocumentsModule(DocumentsSettings(auto_register=False, signing_enabled=False)),
        tasks,
        MessagingModule(),
        MeetingsModule(),
        ComplaintsModule(),
        NotifyModule(NotifySettings(poll_seconds=0.3, embed_simulators=False)),
        SigningModule(settings=SigningSettings(config=None)),
    ]
    hub = Hub(make_settings(tmp_path, url, secret_key="x" * 40), modules=modules)
    await seed_demo(hub.db, PASSWORD)
    await hub.start([nats.url])
    try:
        yield Office(hub, staff_app(hub))
    finally:
        await hub.stop()


async def safe(page: Any, *texts: str) -> None:
    """The page shows each text as typed (the payload's tags as characters), and nothing ran."""
    from playwright.async_api import expect

    for text in texts:
        await expect(page.locator("body")).to_contain_text(text)
    assert await page.evaluate("typeof window.__pwned") == "undefined", f"script ran on {page.url}"
    assert await page.locator("main img[src=x]").count() == 0, f"an <img> was injected on {page.url}"


async def test_hostile_text_never_runs_and_no_page_breaks_its_csp(whole: Office, tmp_path: Path) -> None:
    executable = chromium()
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=30_000)
    watch = Watch()
    draft = tmp_path / "du-thao.pdf"
    draft.write_bytes(pdf_bytes("Dự thảo thông báo"))
    today = datetime.now(HANOI).date()
    tuesday = (today - timedelta(days=today.weekday()) + timedelta(days=8)).isoformat()
    async with serve(whole.app) as base, async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        try:
            # 1. A citizen's denunciation on the public form.
            context = await browser.new_context(base_url=base, locale="vi-VN")
            citizen = watch.attach(await context.new_page())
            await citizen.goto("/public/gui-don")
            await citizen.get_by_label("Tố cáo", exact=True).check()
            await citizen.get_by_label("Họ và tên (bắt buộc)").fill(hostile("Trần Văn Bình"))
            await citizen.get_by_label("Thư điện tử").fill("binh@example.vn")
            await citizen.get_by_label("Địa chỉ liên hệ").fill(hostile("Ngõ 4 Nguyễn Chí Thanh"))
            await citizen.get_by_label("Tóm tắt nội dung (bắt buộc)").fill(hostile("Đơn tố cáo"))
            await citizen.get_by_label("Nội dung chi tiết (bắt buộc)").fill(hostile("Chi tiết tố cáo"))
            await citizen.get_by_label(re.compile("Tôi cam đoan")).check()
            await submit(citizen, "Gửi đơn")
            await expect(citizen.locator("main")).to_contain_text("Danh tính của Ông/Bà được giữ bí mật")
            await safe(citizen)
            await shot(citizen, "csp-1-citizen-receipt")

            # 2. The director gives a task whose title carries the payload.
            director = watch.attach(await login(browser, base, "giamdoc"))
            await director.goto("/staff/cong-viec")
            await director.fill("#title", hostile("Nhiệm vụ"))
            await director.select_option("#nguoi_nhan", "u:chuyenvien")
            await director.fill("#deadline", (today + timedelta(days=14)).isoformat())
            await submit(director, "Giao việc")
            await done(director, "Đã giao công việc")
            task_url = director.url.split("?")[0]
            await safe(director, hostile("Nhiệm vụ"))

            # 3. The officer reports progress with the payload; the director reads it.
            officer = watch.attach(await login(browser, base, "chuyenvien"))
            await officer.goto(task_url)
            await officer.fill("#text", hostile("Báo cáo"))
            await officer.fill("#progress", "30")
            await submit(officer, "Gửi báo cáo")
            await safe(officer, hostile("Báo cáo"))
            await director.goto(task_url)
            await safe(director, hostile("Báo cáo"))
            await shot(director, "csp-2-task")

            # 4. The unit head writes a message to the officer.
            head = watch.attach(await login(browser, base, "truongphongth"))
            await head.goto("/staff/tin-nhan")
            compose = head.get_by_role("form", name="Soạn tin nhắn")
            await compose.locator("details", has_text="Phòng Tổng hợp").locator("summary").click()
            await compose.get_by_label("Vũ Thị Mai").check()
            await head.get_by_label("Tiêu đề").fill(hostile("Tin nhắn"))
            await head.get_by_label("Nội dung", exact=True).fill(hostile("Nội dung tin"))
            await submit(head, "Gửi tin nhắn")
            await done(head, "Đã gửi tin nhắn")
            message_url = head.url.split("?")[0]
            await safe(head, hostile("Tin nhắn"), hostile("Nội dung tin"))
            await officer.goto("/staff/tin-nhan")
            await safe(officer, hostile("Tin nhắn"))
            await officer.goto(message_url)
            await safe(officer, hostile("Nội dung tin"))

            # 5. The officer registers a meeting whose title carries the payload.
            await officer.goto("/staff/lich-hop")
            await officer.get_by_label("Nội dung", exact=True).fill(hostile("Cuộc họp"))
            await officer.get_by_label("Ngày", exact=True).fill(tuesday)
            await officer.get_by_label("Từ giờ").fill("08:00")
            await officer.get_by_label("Đến giờ").fill("10:00")
            await officer.get_by_label("Chủ trì").select_option(label="Nguyễn Văn Hùng — Giám đốc Sở")
            await officer.get_by_label("Địa điểm khác").fill(hostile("Hội trường"))
            await submit(officer, "Đăng ký lịch")
            await done(officer, "Đã đăng ký lịch")
            await safe(officer, hostile("Cuộc họp"))
            await officer.goto(f"/staff/lich-hop?week={tuesday}")
            await safe(officer, hostile("Cuộc họp"))
            await shot(officer, "csp-3-meetings")

            # 6. The clerk drafts an outgoing document whose subject carries the payload.
            clerk = watch.attach(await login(browser, base, "vanthu"))
            await clerk.get_by_role("navigation").get_by_role("link", name="Soạn văn bản đi").click()
            await clerk.get_by_label("Trích yếu").fill(hostile("Trích yếu"))
            await clerk.get_by_label("Loại văn bản").select_option("Thông báo")
            await clerk.get_by_label("Phòng Tổng hợp, Quy hoạch", exact=True).check()
            await clerk.get_by_label("Tệp dự thảo (PDF)").set_input_files(str(draft))
            await clerk.get_by_label("Trình ký (lãnh đạo)").select_option("giamdoc")
            await submit(clerk, "Lưu dự thảo")
            await done(clerk, "Đã tạo")
            await safe(clerk, hostile("Trích yếu"))
            await director.goto("/staff/")
            await safe(director, hostile("Trích yếu"))

            # 7. The clerk reads the citizen's denunciation in the staff list and on its page.
            await clerk.goto("/staff/khieu-nai")
            await safe(clerk, hostile("Đơn tố cáo"))
            await clerk.locator("tr", has_text="Đơn tố cáo").get_by_role("link").first.click()
            await safe(clerk, hostile("Chi tiết tố cáo"))
            await shot(clerk, "csp-4-complaint")

            # 8. A partner agency's document arrives over the axis with the payload in its subject and
            #    in its attachment's name; the clerk opens it, writes on its thread, files it in a
            #    dossier whose title carries the payload; the director reads the thread.
            payload = await received_event(whole.hub, number="4711", subject=hostile("Công văn liên thông"))
            named = payload.attachments[0].model_copy(update={"name": f"{IMG}{SCRIPT}.pdf"})
            payload = payload.model_copy(update={"attachments": [named]})
            await whole.hub.publish("document.received", payload, source="vdxp", issue=payload.document_id)
            await clerk.goto("/staff/van-ban?direction=in&status=received")
            await expect(clerk.locator("main")).to_contain_text("Công văn liên thông", timeout=60_000)
            await safe(clerk, hostile("Công văn liên thông"))
            await clerk.get_by_role("link", name=re.compile("Công văn liên thông")).first.click()
            await safe(clerk, hostile("Công văn liên thông"), f"{IMG}{SCRIPT}.pdf")
            axis_doc_url = clerk.url.split("?")[0]
            await clerk.get_by_label("Nội dung trao đổi").fill(hostile("Ý kiến trao đổi"))
            await submit(clerk, "Gửi trao đổi")
            await safe(clerk, hostile("Ý kiến trao đổi"))
            await clerk.locator("#h-dossiers ~ details summary").click()
            await clerk.get_by_label("Lập hồ sơ công việc từ văn bản này: tiêu đề").fill(hostile("Hồ sơ"))
            await clerk.get_by_label("Ký hiệu hồ sơ").fill("VP.01")
            await submit(clerk, "Lập hồ sơ")
            await done(clerk, "Đã lập hồ sơ")
            await safe(clerk, hostile("Hồ sơ"), "Công văn liên thông")
            await clerk.goto("/staff/ho-so")
            await safe(clerk, hostile("Hồ sơ"))
            await clerk.goto(f"/staff/tim-kiem?q={quote('Công văn liên thông')}")
            await safe(clerk, hostile("Công văn liên thông"))
            await director.goto(axis_doc_url)
            await safe(
                director, hostile("Công văn liên thông"), hostile("Ý kiến trao đổi"), f"{IMG}{SCRIPT}.pdf"
            )
            await shot(director, "csp-5-axis-document")
        finally:
            await browser.close()

    assert not watch.violations, "\n".join(watch.violations)
    assert not watch.errors, "\n".join(watch.errors)
    assert watch.policies, "no HTML page was seen"
    missing = [url for url, policy in watch.policies.items() if policy != PAGE_CSP]
    assert not missing, f"pages without the CSP: {missing}"
    assert "'unsafe-inline'" not in PAGE_CSP

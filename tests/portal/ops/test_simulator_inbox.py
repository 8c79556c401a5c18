"""The simulator inbox page ("Hộp thư mô phỏng"): over the notify adapter's API, in headless Chromium.

The page is read through the adapter's HTTP API (the portal never imports an adapter); without the
notify module it says so, with it an operator sees the mails and messages the simulators received.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import httpx
import pytest

from adapters.notify import SIMULATORS_FOLDER, NotifyModule
from adapters.notify.simulator import received_messages
from hub.core import module as core
from hub.embedded import NatsServer, free_port
from hub.runtime import wait_for
from lienthong.run import serve_portal
from lienthong.web import create_app
from tests.adapters.notify.harness import PASSWORD as NOTIFY_PASSWORD
from tests.adapters.notify.harness import hubs
from tests.adapters.notify.test_channels import set_contacts
from tests.adapters.notify.test_development import development, three_ports
from tests.portal.ops.conftest import PortalHub, login
from tests.portal.ops.test_browser import ARGS, ARTIFACTS, _chromium


async def test_without_the_notify_module_the_page_says_so(portal_hub: PortalHub) -> None:
    app = create_app(portal_hub.hub)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://lt") as client:
        await login(client, "vanhanh")
        page = await client.get("/simulator-inbox")
        assert page.status_code == 200
        assert "Mô-đun thông báo (adapters.notify) không chạy trong tiến trình này." in page.text
        assert 'href="/simulator-inbox"' in page.text  # in the menu


@pytest.mark.browser
async def test_operator_reads_the_simulated_mail_in_the_browser(nats: NatsServer, tmp_path: Path) -> None:
    executable = _chromium()
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=20_000)
    async with hubs(nats.url, tmp_path) as start:
        hub = await start([core, NotifyModule(development(three_ports()))], ["adapters.notify"])
        await set_contacts(hub, {"truongphongth": ("0912 345 678", "8412345678901")})
        await hub.publish(
            "notify.requested",
            {
                "recipients": ["truongphongth"],
                "title": "Văn bản Hỏa tốc: báo cáo giải ngân vốn đầu tư công trước 16 giờ",
                "urgency": "hoa_toc",
                "link": "/documents/VBD-2026-0142",
                "dedup_key": "browser:hoa-toc",
            },
            source="documents",
        )
        await hub.publish(
            "notify.requested",
            {
                "recipients": ["truongphongth", "chuyenvien"],
                "title": "Góp ý dự thảo kế hoạch đầu tư công trung hạn 2026-2030",
                "body": "Đề nghị các đồng chí góp ý trước ngày 05/12/2026.",
                "urgency": "khan",
                "dedup_key": "browser:khan",
            },
            source="tasks",
        )
        folder = hub.settings.data_dir / SIMULATORS_FOLDER

        async def received() -> bool:
            return len(received_messages(folder, "mail")) == 2 and len(received_messages(folder)) == 5

        assert await wait_for(received, timeout=60)
        port = free_port()
        task, server = await serve_portal(hub, "127.0.0.1", port)
        for _ in range(200):
            if getattr(server, "started", False):
                break
            await asyncio.sleep(0.05)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        try:
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path=executable, args=ARGS)
                try:
                    page = await browser.new_page(viewport={"width": 1360, "height": 800}, locale="vi-VN")
                    await page.goto(f"http://127.0.0.1:{port}/login?next=/")
                    await page.fill("#username", "vanhanh")
                    await page.fill("#password", NOTIFY_PASSWORD)
                    await page.click("button[type=submit]")
                    await expect(page.locator("h1")).to_have_text("Tổng quan")
                    await page.click("nav >> text=Hộp thư mô phỏng")
                    await expect(page.locator("h1")).to_have_text("Hộp thư mô phỏng")
                    rows = page.locator("#simulated tr.simulated[data-channel=mail]")
                    await expect(rows).to_have_count(2)
                    await expect(rows.first).to_contain_text("[Khẩn] Góp ý dự thảo kế hoạch đầu tư công")
                    await expect(page.locator("#simulated")).to_contain_text("chuyenvien@skhdt.hanoi.gov.vn")
                    sms = page.locator("#simulated tr.simulated[data-channel=sms]")
                    await expect(sms).to_contain_text("84912345678")
                    await expect(sms).to_contain_text("Xem: http://127.0.0.1:8080/documents/VBD-2026-0142")
                    await expect(page.locator("#simulated tr.simulated[data-channel=zalo]")).to_have_count(2)
                    await rows.first.locator("summary").click()
                    await expect(rows.first.locator(".sim-body")).to_contain_text(
                        "góp ý trước ngày 05/12/2026"
                    )
                    await page.screenshot(path=str(ARTIFACTS / "portal-simulator-inbox.png"), full_page=True)
                finally:
                    await browser.close()
        finally:
            server.should_exit = True  # type: ignore[attr-defined]
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(task, 15)

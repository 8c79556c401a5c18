"""The portal in headless Chromium against a real hub served by uvicorn: log in, trace, replay, refusal."""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub import dlq
from lienthong.run import serve_portal
from portal.ops import queries, service
from tests.conftest import IN_CI
from tests.portal.ops.conftest import PASSWORD, PortalHub, journal_has, until

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
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


def _chromium() -> str:
    path = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not path:
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
async def served(portal_hub: PortalHub) -> AsyncIterator[str]:
    """The real portal app on a free port, in the hub's event loop."""
    port = _free_port()
    task, server = await serve_portal(portal_hub.hub, "127.0.0.1", port)
    for _ in range(200):
        if getattr(server, "started", False):
            break
        await asyncio.sleep(0.05)
    assert getattr(server, "started", False), "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True  # type: ignore[attr-defined]
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(task, 15)


async def test_operator_traces_a_routed_message_replays_a_dead_letter_and_a_viewer_is_refused(
    portal_hub: PortalHub, served: str
) -> None:
    executable = _chromium()
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=20_000)  # generous on a loaded 2-core machine

    hub, shop = portal_hub.hub, portal_hub.shop
    await hub.publish(
        "test.ping", {"n": 42, "priority": "Hỏa tốc"}, source="vanban", issue="VB-2026-42", user_id="vanthu"
    )
    await hub.publish("test.pong", {"n": 99, "poison": True}, source="motcua", issue="HS-2026-99")
    await hub.publish("test.pong", {"n": 100, "poison": True}, source="motcua", issue="HS-2026-100")

    async def two_dead() -> bool:
        return len(await dlq.list_dead(hub)) == 2

    await until(lambda: journal_has(hub, "VB-2026-42", "handled", "test-sms"))
    await until(two_dead)
    await service.create_user(
        hub,
        service.UserIn(username="xem", full_name="Lý Thị Xem", password="mat-khau-xem-1", roles=["viewer"]),
        actor="test",
        four_eyes=False,
    )
    dead = {row.issue: row.id for row in await dlq.list_dead(hub)}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1360, "height": 1000}, locale="vi-VN")
            page.set_default_timeout(20_000)

            # Log in: the portal sends an anonymous visitor to the login form first.
            await page.goto(served + "/")
            await expect(page).to_have_url(re.compile(r"/login\?next=/$"))
            await page.fill("#username", "vanhanh")
            await page.fill("#password", "sai-mat-khau")
            await page.click("button[type=submit]")
            await expect(page.locator("#login-error")).to_contain_text("không đúng")
            await page.fill("#username", "vanhanh")
            await page.fill("#password", PASSWORD)
            await page.click("button[type=submit]")
            await expect(page.locator("h1")).to_have_text("Tổng quan")
            await expect(page.locator("#who")).to_have_text("Ngô Thị Thu")
            await expect(page.locator("#dlq-depth")).to_have_text("2")
            await expect(page.locator("#consumers")).to_contain_text("strict-pong")
            await page.screenshot(path=str(ARTIFACTS / "portal-overview.png"), full_page=True)
            # The overview follows the bus live, without a reload.
            ping_row = page.locator("#top-types tr.top-type", has_text="test.ping")
            await expect(ping_row).to_have_text(re.compile(r"test\.ping\s*1\s*0"))
            for n in (1, 2):
                await hub.publish("test.ping", {"n": n}, source="vanban", issue=f"VB-2026-5{n}")
            await expect(ping_row).to_have_text(re.compile(r"test\.ping\s*3\s*0"), timeout=20_000)

            # The message just routed shows up in the search, and its trace crosses router and module.
            await page.click("nav >> text=Tra cứu thông điệp")
            await page.fill("input[name=issue]", "VB-2026-42")
            await page.click("form.filters >> button.primary")
            rows = page.locator("#results tr.result")
            await expect(rows).to_have_count(2)  # the officer's message and the router's SMS copy
            await expect(page.locator("#results")).to_contain_text("test.ping")
            await page.locator("#results a", has_text="VB-2026-42").first.click()
            await expect(page.locator("#trace-key")).to_have_text("VB-2026-42")
            hops = page.locator("#hops")
            await expect(hops).to_contain_text("published")
            await expect(hops).to_contain_text("routed")
            await expect(page.locator("#hops tr.hop-handled", has_text="test-sms")).to_have_count(1)
            await expect(page.locator("svg.timeline")).to_be_visible()
            await page.screenshot(path=str(ARTIFACTS / "portal-trace.png"), full_page=True)

            # Replay a dead letter once the cause is fixed, and see it delivered.
            await page.click("nav >> text=Thư chết")
            await expect(page.locator("#dead-letters tr.dead-letter")).to_have_count(2)
            await page.click(f"#dead-letters a[href='/dead-letters/{dead['HS-2026-99']}']")
            await expect(page.locator("#dl-message")).to_contain_text('"poison": true')
            await page.screenshot(path=str(ARTIFACTS / "portal-dead-letter.png"), full_page=True)
            shop.fixed = True
            await page.click("#replay")
            await expect(page.locator("#flash")).to_have_text(f"Đã phát lại thư chết {dead['HS-2026-99']}")
            await until(lambda: any(e.issue == "HS-2026-99" for e in shop.strict))
            await until(lambda: journal_has(hub, "HS-2026-99", "handled", "strict-pong"))
            await page.goto(served + "/trace?key=HS-2026-99")
            await expect(page.locator("#hops tr.hop-replayed")).to_have_count(1)
            await expect(page.locator("#hops tr.hop-handled", has_text="strict-pong")).to_have_count(1)
            await expect(page.locator("#trace-dead-letters")).to_contain_text("vanhanh")

            # A viewer may look but not act.
            await page.click("header button")  # log out
            await expect(page).to_have_url(re.compile(r"/login"))
            await page.fill("#username", "xem")
            await page.fill("#password", "mat-khau-xem-1")
            await page.click("button[type=submit]")
            await expect(page.locator("#who")).to_have_text("Lý Thị Xem")
            await page.goto(served + f"/dead-letters/{dead['HS-2026-100']}")
            await expect(page.locator("#dl-message")).to_contain_text("HS-2026-100")
            await expect(page.locator("#replay")).to_have_count(0)
            status = await page.evaluate(
                """async (id) => {
                    const csrf = document.cookie.split('; ').find(c => c.startsWith('lt_csrf=')).slice(8);
                    const r = await fetch(`/api/ops/dead-letters/${id}/replay`,
                        {method: 'POST', headers: {'X-CSRF-Token': csrf}});
                    return r.status;
                }""",
                dead["HS-2026-100"],
            )
            assert status == 403
            await page.goto(served + "/users")
            await expect(page.locator("#error-title")).to_have_text("Không đủ quyền")

            # English on request.
            await page.click("#lang-switch")
            await page.goto(served + "/dead-letters")
            await expect(page.locator("h1")).to_have_text("Dead letters")
        finally:
            await browser.close()
    assert (await dlq.get_dead(hub, dead["HS-2026-100"])).status == "dead"
    logins = [(a.actor, a.action) for a in reversed(await queries.list_audit(hub.db, action="portal.login"))]
    assert logins == [
        ("vanhanh", "portal.login_failed"),
        ("vanhanh", "portal.login"),
        ("xem", "portal.login"),
    ]
    replays = await queries.list_audit(hub.db, action="dlq.replay")
    assert [(a.actor, a.target) for a in replays] == [("vanhanh", f"dead_letter:{dead['HS-2026-99']}")]

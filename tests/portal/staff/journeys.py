"""What the browser journeys of meetings, timekeeping and messaging share: a hub with those modules and
notifications on the demo seed, served by uvicorn, and Chromium helpers (login, submit, screenshots)."""

from __future__ import annotations

import asyncio
import io
import re
import shutil
import sys
import threading
import traceback
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from hub.core import module as core
from hub.embedded import NatsServer
from hub.migrate import aupgrade
from hub.runtime import Hub
from lienthong.seed import seed_demo
from tests.conftest import IN_CI
from tests.hub.conftest import make_settings
from tests.portal.staff.conftest import PASSWORD, Office, serve, staff_app

MODULES = ["handlers.meetings", "handlers.timekeeping", "handlers.messaging", "adapters.notify"]
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


@pytest.fixture
async def desk(nats: NatsServer, tmp_path: Path) -> AsyncIterator[Office]:
    """Meetings, timekeeping, messaging and notifications on the demo organisation chart."""
    from adapters.notify import NotifyModule
    from adapters.notify.settings import NotifySettings
    from handlers.meetings import MeetingsModule
    from handlers.messaging import MessagingModule
    from handlers.timekeeping import TimekeepingModule

    url = f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"
    await aupgrade(url, MODULES)
    notify = NotifyModule(NotifySettings(poll_seconds=0.3, embed_simulators=False))
    modules = [core, MeetingsModule(), TimekeepingModule(), MessagingModule(), notify]
    hub = Hub(make_settings(tmp_path, url, secret_key="s" * 40), modules=modules)
    await seed_demo(hub.db, PASSWORD)
    await hub.start([nats.url])
    try:
        yield Office(hub, staff_app(hub))
    finally:
        await hub.stop()


@pytest.fixture
async def served_desk(desk: Office) -> AsyncIterator[str]:
    async with serve(desk.app) as url:
        yield url


def chromium() -> str:
    path = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not path:
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


async def login(browser: Any, base: str, username: str, width: int = 1200) -> Any:
    """A fresh browser context for one person, logged in through the login form, on the staff home."""
    context = await browser.new_context(
        base_url=base, locale="vi-VN", viewport={"width": width, "height": 900}
    )
    page = await context.new_page()
    await page.goto("/staff/")
    await page.wait_for_url(re.compile(r"/login\?next=/staff/"))
    await page.fill("#username", username)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(re.compile(r"/staff/$"))
    return page


async def submit(page: Any, button: Any) -> None:
    """Press a button (a locator, or a button's name) and wait for the page that answers it.

    A click Chromium drops before any request leaves (seen while its PDF viewer starts in the page's
    frame: no request at all, the form valid) is made again, as a person would; a form is never sent
    twice, since the click is repeated only when nothing was sent. When no page comes, fail with why:
    the fields the browser refused to send, the requests the page made, and where every task of this
    event loop (the server runs in it) was waiting.
    """
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    target = page.get_by_role("button", name=button, exact=True) if isinstance(button, str) else button
    await page.wait_for_load_state("load")  # the embedded PDF (if any) is in before the click
    pending: list[str] = []
    dropped = 0

    def sent(request: Any) -> None:
        pending.append(f"{request.method} {request.url}")

    def leaves(request: Any) -> bool:
        return bool(request.is_navigation_request() and request.frame == page.main_frame)

    page.on("request", sent)
    try:
        async with page.expect_navigation(wait_until="domcontentloaded", timeout=120_000):
            while True:
                try:
                    async with page.expect_request(leaves, timeout=10_000):
                        await target.click()
                    break
                except PlaywrightTimeout:
                    dropped += 1
                    if dropped == 3:
                        raise
    except PlaywrightTimeout:
        await shot(page, "no-answer")
        invalid = await page.evaluate(
            "Array.from(document.querySelectorAll(':invalid')).map(e => (e.name || e.id) + '=' + e.value)"
        )
        raise AssertionError(
            f"no page answered {button!r} on {page.url} ({dropped} clicks sent nothing); "
            f"fields refused: {invalid}; requests sent: {pending}\n{loop_stacks()}"
        ) from None
    finally:
        page.remove_listener("request", sent)


def loop_stacks() -> str:
    """Where each task of the running event loop waits, outside Playwright's own (for a hang's report)."""
    out = io.StringIO()
    for task in asyncio.all_tasks():
        frames = task.get_stack(limit=12)
        if any("playwright" in f.f_code.co_filename for f in frames):
            continue
        out.write(f"--- {task.get_name()}\n")
        for frame in frames:
            out.write(f"  {frame.f_code.co_filename}:{frame.f_lineno} {frame.f_code.co_name}\n")
    executor = getattr(asyncio.get_running_loop(), "_default_executor", None)
    if executor is not None:  # a saturated default executor stalls every to_thread() of the loop
        queued = executor._work_queue.qsize()
        out.write(f"=== default executor: {len(executor._threads)} threads, {queued} calls queued\n")
    names = {t.ident: t.name for t in threading.enumerate()}
    for ident, frame in sys._current_frames().items():
        out.write(f"=== thread {names.get(ident, ident)}\n")
        out.write("".join(traceback.format_stack(frame, limit=6)))
    return out.getvalue()


async def done(page: Any, expected: str) -> None:
    """After a form: the page shows a success message containing `expected` (else fail with the error)."""
    from playwright.async_api import expect

    flash = page.locator("main > p.flash")
    await expect(flash).to_be_visible()
    text = await flash.inner_text()
    assert "ok" in (await flash.get_attribute("class") or ""), f"refused: {text}"
    assert expected in text, text


async def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"staff-{name}.png"), full_page=True)


RAW = re.compile(
    r"\b(pending|approved|rejected|cancelled|registered|thuong_khan|hoa_toc|user_id|working_days|"
    r"late_minutes|annual_leave|business_trip|revoked|replaced|None|True|False)\b"
)


async def no_raw_words(page: Any) -> None:
    """The page shows staff no English status word, raw key or Python value."""
    text = await page.locator("main").inner_text()
    found = RAW.findall(text)
    assert not found, f"raw words on {page.url}: {sorted(set(found))}"


async def csrf_of(page: Any) -> str:
    """The page's CSRF token (for a call to the API from the page's own session)."""
    content: str = await page.locator('meta[name="csrf-token"]').get_attribute("content")
    return content

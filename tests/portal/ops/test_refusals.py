"""Refused incoming documents, for the operator: listed with the file, the reason (Vietnamese for the sender,
English for the operator) and the 02 answered; counted in the error rate; traced by number and notation."""

from __future__ import annotations

import asyncio
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from adapters.axis.intake import Arrival, AxisIntake
from hub.runtime import Hub
from portal.ops import service
from schemas.edxml.models import Organization
from schemas.edxml.parse import parse_status
from tests.adapters.vdxp.test_service import make_edoc
from tests.portal.ops.conftest import PASSWORD, PortalHub, login
from tests.portal.ops.test_api import client_for
from tests.portal.ops.test_browser import ARGS, ARTIFACTS, _chromium, served  # noqa: F401

SENDER = "000.00.00.H41"
US = Organization(organ_id="000.00.00.H26", organ_name="Sở Kế hoạch và Đầu tư thành phố Hà Nội")
TOLD = "Thiếu trích yếu nội dung (Subject) hoặc để trống."


def without_subject(number: str = "456") -> bytes:
    """An edoc numbered `456/SKHĐT-TH` from H41 whose Subject was left out."""
    edoc = make_edoc(SENDER, US.organ_id, number)
    return re.sub(rb"<edXML:Subject>.*?</edXML:Subject>", b"", edoc, flags=re.S)


async def refuse_one(hub: Hub, content: bytes, axis_doc_id: str = "4711") -> str:
    """Take a broken edoc through the shared intake, as an axis adapter does; return the event's id."""
    intake = AxisIntake(hub, source="vdxp", ids=uuid.uuid4(), us=US)
    arrival = Arrival("vdxp", axis_doc_id, "edoc", SENDER, f"vdxp:{axis_doc_id}")
    outcome = await intake.take_bytes(arrival, content)
    assert outcome.outcome == "refused"
    return str(outcome.published[-1].id)


async def journaled(c: Any, path: str, text: str, **params: str) -> Any:
    """The page once the journal (flushed in the background) holds what it must show."""
    for _ in range(150):
        page = await c.get(path, params=params)
        if page.status_code == 200 and text in page.text:
            return page
        await asyncio.sleep(0.2)
    return page


async def test_a_refusal_is_listed_with_its_file_its_reasons_and_the_answer_sent(
    portal_hub: PortalHub,
) -> None:
    hub = portal_hub.hub
    broken = without_subject()
    message_id = await refuse_one(hub, broken)
    async with client_for(portal_hub) as c:
        await login(c, "vanhanh")
        page = await journaled(c, "/refusals", SENDER)
        assert page.status_code == 200
        html = page.text
        assert "Văn bản bị từ chối" in html and 'href="/refusals"' in html  # in the menu
        assert SENDER in html and "456/SKHĐT-TH" in html
        assert TOLD[:-1] in html  # what the sender was told, with its diacritics
        assert "required element is missing or empty" in html  # the operator's detail
        assert "Từ chối không tiếp nhận văn bản điện tử. Lý do: " + TOLD in html  # the answer sent

        [row] = (await c.get("/api/ops/refusals")).json()
        assert (row["message_id"], row["from_code"], row["code"]) == (message_id, SENDER, "456/SKHĐT-TH")
        assert (row["kind"], row["rejection_sent"]) == ("MissingFieldError", True)
        assert row["answer"].endswith("Lý do: " + TOLD)

        file = await c.get(f"/refusals/{message_id}/file")
        assert file.status_code == 200 and file.content == broken
        assert "attachment" in file.headers["content-disposition"]
        answer = await c.get(f"/refusals/{message_id}/answer")
        status = parse_status(answer.content)
        assert (status.status_code.value, status.description) == ("02", row["answer"])
        assert status.response_for.organ_id == SENDER
        assert (await c.get(f"/refusals/{message_id}/other")).status_code == 404
        assert (await c.get(f"/refusals/{uuid.uuid4()}/file")).status_code == 404

        audit = (await c.get("/api/ops/audit?action=refusal.")).json()
        assert {a["action"] for a in audit} >= {"refusal.download_file", "refusal.download_answer"}


async def test_refusals_count_in_the_error_rate(portal_hub: PortalHub) -> None:
    hub = portal_hub.hub
    before = await service.overview(hub)
    assert before["error_rate"] == 0.0
    await refuse_one(hub, without_subject("457"), "1")
    await refuse_one(hub, b"<edXML>not closed", "2")
    async with client_for(portal_hub) as c:
        await login(c, "vanhanh")
        for _ in range(150):  # the journal is flushed in the background
            overview = (await c.get("/api/ops/overview")).json()
            if overview["refused"] >= 2:
                break
            await asyncio.sleep(0.2)
        assert overview["refused"] == 2
        assert overview["window"]["errors"] >= 2 and overview["error_rate"] > 0
        assert overview["errors_last_minute"] >= 2
        fragment = (await c.get("/fragments/overview")).text
        assert "gồm 2 văn bản bị từ chối" in fragment
        unreadable = [r for r in (await c.get("/api/ops/refusals")).json() if r["axis_doc_id"] == "2"]
        assert unreadable[0]["told"] == "tệp không phải là XML hợp lệ (sai cú pháp XML)"


async def test_the_trace_finds_a_document_by_its_number_and_notation(portal_hub: PortalHub) -> None:
    hub = portal_hub.hub
    await refuse_one(hub, without_subject("456"), "10")
    document_id = f"{SENDER},2026/11/28,456/SKHĐT-TH"
    async with client_for(portal_hub) as c:
        await login(c, "vanhanh")
        for key in ("456/SKHĐT-TH", " 456 / SKHĐT-TH "):
            page = await journaled(c, "/trace", "axis.receive_failed", key=key)
            assert page.status_code == 200, key
            assert document_id in page.text and "axis.receive_failed" in page.text
        api = await c.get("/api/ops/trace/456/SKHĐT-TH")
        assert api.status_code == 200
        body = api.json()
        assert body["found_by"] == [document_id]
        assert {h["type"] for h in body["hops"]} >= {"axis.receive_failed", "axis.send"}
        full = (await c.get(f"/api/ops/trace/{document_id}")).json()  # the full DocumentId still works
        assert full["found_by"] == [] and full["hops"]
        assert (await c.get("/trace", params={"key": "999/KHONG-CO"})).status_code == 404


async def test_the_refusals_page_needs_an_ops_role(portal_hub: PortalHub) -> None:
    async with client_for(portal_hub) as c:
        anonymous = await c.get("/refusals")
        assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
        assert (await c.get("/api/ops/refusals")).status_code == 401


@pytest.mark.browser
async def test_an_operator_sees_the_refusals_in_chromium_and_downloads_the_file(
    portal_hub: PortalHub, served: str
) -> None:
    executable = _chromium()
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=20_000)
    hub = portal_hub.hub
    broken = without_subject("456")
    await refuse_one(hub, broken, "4711")
    await refuse_one(hub, b"<edXML>not closed", "4712")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=executable, args=ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1360, "height": 900}, locale="vi-VN")
            await page.goto(served + "/login")
            await page.fill("#username", "vanhanh")
            await page.fill("#password", PASSWORD)
            await page.click("button[type=submit]")
            await expect(page.locator("#error-rate")).not_to_have_text("0.0 %")
            await expect(page.locator("#refused-count")).to_have_text("gồm 2 văn bản bị từ chối")
            await page.click("nav >> text=Văn bản bị từ chối")
            rows = page.locator("#refusals tr.refusal")
            await expect(rows).to_have_count(2)
            first = rows.filter(has_text="456/SKHĐT-TH")
            await expect(first.locator(".refused-told")).to_have_text(TOLD[:-1])
            await expect(first.locator(".refused-answer")).to_contain_text("Lý do: " + TOLD)
            await page.screenshot(path=str(ARTIFACTS / "portal-refusals.png"), full_page=True)
            async with page.expect_download() as waiting:
                await first.locator("a.download-file").click()
            download = await waiting.value
            saved = await download.path()
            assert Path(str(saved)).read_bytes() == broken
            await page.click("#lang-switch")
            await expect(page.locator("h1")).to_have_text("Refused documents")
        finally:
            await browser.close()

"""The leader signs with the key held by the server after a one-time code: the real signing service signs."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import text

from adapters.signing import SigningConfig, SigningModule
from handlers.documents import DocumentsModule
from handlers.documents.settings import DocumentsSettings
from hub import otp as totp
from hub.core import module as core
from hub.embedded import NatsServer
from hub.migrate import aupgrade
from hub.runtime import Hub, wait_for
from lienthong.seed import seed_demo
from tests.adapters.signing.conftest import pki, signing_config  # noqa: F401
from tests.adapters.signing.documents import decision_pdf
from tests.hub.conftest import make_settings, nats  # noqa: F401
from tests.portal.staff.conftest import PASSWORD, Office, client_of, login, staff_app


@pytest.fixture
async def signing_office(
    nats: NatsServer,
    tmp_path: Path,
    signing_config: SigningConfig,
) -> AsyncIterator[Office]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'signing.db'}"
    await aupgrade(url, ["handlers.documents", "adapters.signing"])
    documents = DocumentsModule(DocumentsSettings(signing_enabled=True))
    hub = Hub(
        make_settings(tmp_path, url, secret_key="s" * 40),
        modules=[core, documents, SigningModule(signing_config)],
    )
    await seed_demo(hub.db, PASSWORD)
    await hub.start([nats.url])
    try:
        yield Office(hub, staff_app(hub))
    finally:
        await hub.stop()


async def test_leader_approves_with_a_one_time_code_and_the_server_key_signs(signing_office: Office) -> None:
    app = signing_office.app
    async with client_of(app) as officer:
        await login(officer, "chuyenvien")
        draft = await officer.post(
            "/api/documents/outgoing",
            json={
                "subject": "Quyết định giao kế hoạch vốn",
                "document_type": "Quyết định",
                "recipients": [{"unit_id": "TH"}],
            },
        )
        doc_id = draft.json()["id"]
        await officer.post(
            f"/api/documents/{doc_id}/versions", files={"file": ("qd.pdf", decision_pdf(), "application/pdf")}
        )
        assert (
            await officer.post(f"/api/documents/{doc_id}/submit", json={"approvers": ["giamdoc"]})
        ).is_success

    async with client_of(app) as leader:
        csrf = await login(leader, "giamdoc")
        form = {"csrf_token": csrf, "comment": "Đồng ý ký", "otp": "123456"}
        refused = await leader.post(f"/staff/van-ban/{doc_id}/duyet", data=form)
        assert "Ch%C6%B0a%20k%C3%ADch%20ho%E1%BA%A1t" in refused.headers["location"]  # "Chưa kích hoạt"
        await leader.post("/staff/bao-mat/tao", data={"csrf_token": csrf})
        page = await leader.get("/staff/bao-mat")
        match = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text)
        assert match
        secret = match.group(1)
        await leader.post("/staff/bao-mat/kich-hoat", data={"csrf_token": csrf, "otp": totp.code_at(secret)})
        wrong = "000000" if totp.code_at(secret) != "000000" else "111111"
        refused = await leader.post(f"/staff/van-ban/{doc_id}/duyet", data={**form, "otp": wrong})
        assert "loi=" in refused.headers["location"]
        shown = await leader.get(refused.headers["location"])
        assert "Mã xác thực không đúng hoặc đã dùng" in shown.text  # the API's refusal, on the page
        no_code = await leader.post(f"/staff/van-ban/{doc_id}/duyet", data={**form, "otp": ""})
        shown = await leader.get(no_code.headers["location"])
        assert "Cần mã xác thực một lần của lãnh đạo để ký" in shown.text
        assert (await leader.get(f"/api/documents/{doc_id}")).json()["status"] == "pending_approval"
        import time

        done = await leader.post(
            f"/staff/van-ban/{doc_id}/duyet", data={**form, "otp": totp.code_at(secret, time.time() + 30)}
        )
        assert "ok=" in done.headers["location"], done.headers["location"]
        # the secret is kept encrypted, never as the plain base32 text the app was given
        async with signing_office.hub.db.session() as s:
            stored = str(await s.scalar(text("SELECT preferences FROM hub_users WHERE id = 'giamdoc'")))
        assert secret not in stored

        body: dict[str, object] = {}

        async def approved() -> bool:
            nonlocal body
            body = (await leader.get(f"/api/documents/{doc_id}")).json()
            return body["status"] == "approved"

        assert await wait_for(approved, timeout=90, every=0.3), body.get("history")
        versions = body["versions"]
        assert isinstance(versions, list)
        signed_version = max(v["version"] for v in versions if v["kind"] == "approval")
        pdf = await leader.get(f"/staff/van-ban/{doc_id}/pdf", params={"v": signed_version})
        assert pdf.status_code == 200 and pdf.headers["content-disposition"].startswith("inline;")
        signatures = PdfFileReader(BytesIO(pdf.content)).embedded_signatures
        assert len(signatures) == 1
        assert "Nguyễn Văn An" in signatures[0].signer_cert.subject.human_friendly
        page = await leader.get(f"/staff/van-ban/{doc_id}")
        assert "Đã duyệt, chờ ban hành" in page.text

"""Signing with the leader's own token: the server prepares, the test agent signs, the PDF validates and
becomes the approved version of the draft."""

from __future__ import annotations

import asyncio
import base64
import shutil
import subprocess
from collections.abc import AsyncIterator
from io import BytesIO
from pathlib import Path

import httpx
import pytest
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from adapters.signing import SigningModule, SigningSettings, token_sign
from adapters.signing.token_sign import TokenSigningError, load_certificate
from handlers.documents import DocumentsModule
from handlers.documents.settings import DocumentsSettings
from hub.core import module as core
from hub.embedded import NatsServer
from hub.migrate import aupgrade
from hub.runtime import Hub, wait_for
from lienthong.seed import seed_demo
from tests.hub.conftest import make_settings
from tests.portal.staff.agent import Agent, make_pki
from tests.portal.staff.conftest import (
    MODULES,
    PASSWORD,
    Office,
    bind_token,
    client_of,
    login,
    pdf_bytes,
    staff_app,
)


@pytest.fixture
async def office(nats: NatsServer, tmp_path: Path) -> AsyncIterator[Office]:
    """The staff office of conftest.py with the signing adapter loaded: its token API is what the page calls.

    No server keys are configured: token signing needs none.
    """
    from adapters.notify import module as notify
    from handlers.tasks import module as tasks

    url = f"sqlite+aiosqlite:///{tmp_path / 'staff.db'}"
    await aupgrade(url, MODULES)
    documents = DocumentsModule(DocumentsSettings(auto_register=False, signing_enabled=False))
    signing = SigningModule(settings=SigningSettings(config=None, token_certificates={}))
    hub = Hub(
        make_settings(tmp_path, url, secret_key="s" * 40), modules=[core, documents, tasks, notify, signing]
    )
    await seed_demo(hub.db, PASSWORD)
    await hub.start([nats.url])
    try:
        yield Office(hub, staff_app(hub))
    finally:
        await hub.stop()


def _trust(root_pem: str) -> ValidationContext:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    der = x509.load_pem_x509_certificate(root_pem.encode()).public_bytes(Encoding.DER)
    return ValidationContext(trust_roots=[asn1_x509.Certificate.load(der)], allow_fetching=False)


async def _validate(pdf: bytes, root_pem: str) -> None:
    reader = PdfFileReader(BytesIO(pdf))
    assert len(reader.embedded_signatures) == 1
    status = await async_validate_pdf_signature(
        reader.embedded_signatures[0], signer_validation_context=_trust(root_pem)
    )
    assert status.intact and status.valid, status.summary()
    assert status.trusted, status.summary()
    assert status.coverage is not None and status.coverage.name == "ENTIRE_FILE"


def _pdfsig(pdf: bytes, tmp_path: Path) -> None:
    if shutil.which("pdfsig") is None:
        return
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60, check=False)
    assert "Signature is Valid" in out.stdout, out.stdout + out.stderr


async def test_server_prepares_agent_signs_and_the_pdf_validates(tmp_path: Path) -> None:
    pki = make_pki()
    agent = Agent(pki)
    prepared = await token_sign.prepare(
        pdf_bytes("Quyết định phê duyệt"), load_certificate(pki.pem(pki.cert)), []
    )
    signed = await token_sign.complete(prepared, agent.sign(prepared.digest))
    await _validate(signed, pki.pem(pki.root))
    await asyncio.to_thread(_pdfsig, signed, tmp_path)
    assert "Nguyễn Văn Hùng" in prepared.certificate.subject.human_friendly


async def test_a_signature_from_another_key_is_refused() -> None:
    pki, other = make_pki(), make_pki("Người khác")
    prepared = await token_sign.prepare(pdf_bytes("Tờ trình"), load_certificate(pki.pem(pki.cert)), [])
    with pytest.raises(TokenSigningError, match="không khớp"):
        await token_sign.complete(prepared, Agent(other).sign(prepared.digest))
    with pytest.raises(TokenSigningError, match="không phải PDF"):
        await token_sign.prepare(b"hello", load_certificate(pki.pem(pki.cert)), [])


async def test_leader_signs_a_pending_draft_through_the_staff_api_and_the_agent(
    office: Office, tmp_path: Path
) -> None:
    pki = make_pki()
    agent = Agent(pki)
    agent_url = await agent.start()
    bind_token(office.hub, "giamdoc", pki)
    try:
        async with client_of(office.app) as officer:
            await login(officer, "chuyenvien")
            draft = await officer.post(
                "/api/documents/outgoing",
                json={
                    "subject": "Báo cáo tình hình đầu tư",
                    "document_type": "Báo cáo",
                    "recipients": [{"unit_id": "VP"}],
                },
            )
            assert draft.status_code == 201, draft.text
            doc_id = draft.json()["id"]
            up = await officer.post(
                f"/api/documents/{doc_id}/versions",
                files={"file": ("bao-cao.pdf", pdf_bytes("Báo cáo tình hình đầu tư"), "application/pdf")},
            )
            assert up.status_code == 201, up.text
            sub = await officer.post(f"/api/documents/{doc_id}/submit", json={"approvers": ["giamdoc"]})
            assert sub.status_code == 200, sub.text
            refused = await officer.post(f"/staff/api/ky/{doc_id}/chuan-bi", json={"certificate": "x"})
            assert refused.status_code == 403
        async with client_of(office.app) as leader, httpx.AsyncClient(base_url=agent_url) as token:
            await login(leader, "giamdoc")
            cert = (await token.get("/certificate")).json()
            prep = await leader.post(f"/staff/api/ky/{doc_id}/chuan-bi", json=cert)
            assert prep.status_code == 200, prep.text
            sig = (await token.post("/sign", json={"digest": prep.json()["digest"]})).json()["signature"]
            bad = await leader.post(
                f"/staff/api/ky/phien/{prep.json()['session']}/hoan-tat",
                json={"signature": base64.b64encode(b"x" * 256).decode()},
            )
            assert bad.status_code == 422 and "không khớp" in bad.json()["detail"]
            done = await leader.post(
                f"/staff/api/ky/phien/{prep.json()['session']}/hoan-tat", json={"signature": sig}
            )
            assert done.status_code == 200, done.text
            signed = await leader.get(done.json()["download"])
            assert signed.status_code == 200

            async def approved() -> bool:
                doc = (await leader.get(f"/api/documents/{doc_id}")).json()
                return bool(doc["status"] == "approved")

            assert await wait_for(approved, timeout=60)  # the token signature completed the approval
            doc = (await leader.get(f"/api/documents/{doc_id}")).json()
            [version] = [v for v in doc["versions"] if v["kind"] == "approval"]
            assert version["sha256"] == done.json()["sha256"]
            page = await leader.get(f"/staff/van-ban/{doc_id}")
            assert "Đã duyệt, chờ ban hành" in page.text
        await _validate(signed.content, pki.pem(pki.root))
        await asyncio.to_thread(_pdfsig, signed.content, tmp_path)
    finally:
        await agent.stop()

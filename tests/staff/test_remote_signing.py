"""Signing with the leader's own token: the server prepares, the test agent signs, the PDF validates."""

from __future__ import annotations

import asyncio
import base64
import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import httpx
import pytest
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from adapters.signing.remote import RemoteSigner, RemoteSigningError
from tests.staff.agent import Agent, make_pki
from tests.staff.conftest import Office, client_of, login, pdf_bytes


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
    signer = RemoteSigner()
    pending = await signer.prepare(
        pdf_bytes("Quyết định phê duyệt"), pki.pem(pki.cert), owner="giamdoc", document_id="d1"
    )
    signature = agent.sign(pending.digest)
    signed = await signer.complete(pending.id, "giamdoc", signature)
    await _validate(signed.pdf, pki.pem(pki.root))
    await asyncio.to_thread(_pdfsig, signed.pdf, tmp_path)
    assert "Nguyễn Văn Hùng" in signed.signer_subject


async def test_a_signature_from_another_key_or_another_person_is_refused() -> None:
    pki, other = make_pki(), make_pki("Người khác")
    signer = RemoteSigner()
    pending = await signer.prepare(
        pdf_bytes("Tờ trình"), pki.pem(pki.cert), owner="giamdoc", document_id="d1"
    )
    with pytest.raises(RemoteSigningError, match="không khớp"):
        await signer.complete(pending.id, "giamdoc", Agent(other).sign(pending.digest))
    with pytest.raises(RemoteSigningError, match="không tồn tại"):
        await signer.complete(pending.id, "phogiamdoc", Agent(pki).sign(pending.digest))
    with pytest.raises(RemoteSigningError, match="không phải PDF"):
        await signer.prepare(b"hello", pki.pem(pki.cert), owner="giamdoc", document_id="d1")


async def test_leader_signs_a_pending_draft_through_the_staff_api_and_the_agent(
    office: Office, tmp_path: Path
) -> None:
    pki = make_pki()
    agent = Agent(pki)
    agent_url = await agent.start()
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
        await _validate(signed.content, pki.pem(pki.root))
        await asyncio.to_thread(_pdfsig, signed.content, tmp_path)
    finally:
        await agent.stop()

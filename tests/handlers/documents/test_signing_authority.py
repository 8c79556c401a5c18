"""A leader's signature needs the leader's factor, whatever the route: the API refuses an approval without
their one-time code, with a wrong one or a used one; a signature made with the leader's USB token (bound
certificate) completes the approval, across a restart of the hub, and its bytes verify."""

from __future__ import annotations

import asyncio
import base64
import shutil
import subprocess
from io import BytesIO
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from sqlalchemy import select

from adapters.signing import SigningConfig, SigningModule, SigningSettings
from hub import otp
from hub.core import module as core
from hub.embedded import NatsServer
from hub.models import DeadLetter
from hub.runtime import wait_for
from tests.adapters.signing.conftest import pki, signing_config  # noqa: F401
from tests.adapters.signing.documents import decision_pdf
from tests.handlers.documents.conftest import Office, StartOffice
from tests.portal.staff.agent import Agent, TestPki, make_pki

SESSIONS = "/api/signing/token/sessions"


async def _draft_for_the_director(office: Office, subject: str = "Quyết định giao vốn") -> str:
    r = await office.post(
        "chuyenvien",
        "/api/documents/outgoing",
        json={"subject": subject, "document_type": "Quyết định", "recipients": [{"unit_id": "TH"}]},
    )
    assert r.status_code == 201, r.text
    doc_id = str(r.json()["id"])
    files = {"file": ("qd.pdf", decision_pdf(), "application/pdf")}
    assert (await office.post("chuyenvien", f"/api/documents/{doc_id}/versions", files=files)).is_success
    r = await office.post("chuyenvien", f"/api/documents/{doc_id}/submit", json={"approvers": ["giamdoc"]})
    assert r.status_code == 200, r.text
    return doc_id


async def _until(office: Office, doc_id: str, status: str) -> dict[str, Any]:
    body: dict[str, Any] = {}

    async def reached() -> bool:
        nonlocal body
        body = (await office.get("vanthu", f"/api/documents/{doc_id}")).json()
        return bool(body["status"] == status)

    assert await wait_for(reached, timeout=90), f"{body.get('status')} != {status}: {body.get('history')}"
    return body


async def test_the_api_refuses_a_leaders_approval_without_a_right_unused_code(
    start_office: StartOffice, signing_config: SigningConfig
) -> None:
    office = await start_office(modules=[SigningModule(signing_config)], signing_enabled=True)
    doc_id = await _draft_for_the_director(office)
    approve = f"/api/documents/{doc_id}/approve"

    no_code = await office.post("giamdoc", approve, json={"comment": "Đồng ý"})
    assert no_code.status_code == 403, no_code.text
    assert no_code.json() == {"detail": "Cần mã xác thực một lần của lãnh đạo để ký", "field": "otp"}
    not_active = await office.post("giamdoc", approve, json={"otp": "123456"})
    assert not_active.status_code == 403 and "Chưa kích hoạt" in not_active.json()["detail"]

    code = await office.code("giamdoc")
    secret, _ = office.codes["giamdoc"]
    wrong = next(c for c in ("000000", "111111", "222222") if c != code and not otp.verify(secret, c))
    bad = await office.post("giamdoc", approve, json={"otp": wrong})
    assert bad.status_code == 403 and bad.json()["detail"] == "Mã xác thực không đúng hoặc đã dùng"
    assert (await office.get("giamdoc", f"/api/documents/{doc_id}")).json()["status"] == "pending_approval"

    done = await office.post("giamdoc", approve, json={"comment": "Ký", "otp": code})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "signing"
    body = await _until(office, doc_id, "approved")
    assert [v["kind"] for v in body["versions"]] == ["draft", "approval"]

    # The same code cannot sign another draft.
    other = await _draft_for_the_director(office, "Quyết định thành lập tổ công tác")
    reused = await office.post("giamdoc", f"/api/documents/{other}/approve", json={"otp": code})
    assert reused.status_code == 403 and reused.json()["detail"] == "Mã xác thực không đúng hoặc đã dùng"
    assert (await office.get("giamdoc", f"/api/documents/{other}")).json()["status"] == "pending_approval"


async def test_a_refused_signature_goes_back_to_the_leader_when_the_key_is_not_theirs(
    start_office: StartOffice, signing_config: SigningConfig
) -> None:
    # The documents module maps the director to the deputy's key: the signing service refuses it.
    office = await start_office(
        modules=[core, SigningModule(signing_config)],
        signing_enabled=True,
        signer_profiles={"giamdoc": "deputy"},
    )
    doc_id = await _draft_for_the_director(office)
    code = await office.code("giamdoc")
    r = await office.post("giamdoc", f"/api/documents/{doc_id}/approve", json={"otp": code})
    assert r.status_code == 200, r.text
    [(_, refused)] = await office.bus.wait("sign.pdf.refused", timeout=90)
    assert "không phải người giữ khóa ký 'deputy'" in refused.reason_vi
    body = await _until(office, doc_id, "pending_approval")
    assert any(refused.reason_vi in h["text"] for h in body["history"] if h["action"] == "sign_refused")

    async def dead_lettered() -> bool:
        async with office.hub.db.session() as s:
            return bool(await s.scalar(select(DeadLetter.id).where(DeadLetter.consumer == "signing-pdf")))

    assert await wait_for(dead_lettered, timeout=30)


def _trust(pki: TestPki) -> ValidationContext:
    root = asn1_x509.Certificate.load(pki.root.public_bytes(Encoding.DER))
    return ValidationContext(trust_roots=[root], allow_fetching=False)


async def _verify(pdf: bytes, pki: TestPki, tmp_path: Path) -> None:
    reader = PdfFileReader(BytesIO(pdf))
    assert len(reader.embedded_signatures) == 1
    status = await async_validate_pdf_signature(
        reader.embedded_signatures[0], signer_validation_context=_trust(pki)
    )
    assert status.intact and status.valid and status.trusted, status.summary()
    assert status.coverage is not None and status.coverage.name == "ENTIRE_FILE"
    if shutil.which("pdfsig") is None:
        return
    path = tmp_path / "approved.pdf"
    path.write_bytes(pdf)
    out = await asyncio.to_thread(
        subprocess.run, ["pdfsig", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert "Signature is Valid" in out.stdout, out.stdout + out.stderr


async def test_the_token_signed_pdf_becomes_the_approved_version_after_a_restart(
    start_office: StartOffice, nats: NatsServer, tmp_path: Path
) -> None:
    pki = make_pki()
    bound = SigningSettings(config=None, token_certificates={"giamdoc": [pki.fingerprint]})
    url = f"sqlite+aiosqlite:///{tmp_path / 'office.db'}"
    first = await start_office(db_url=url, modules=[core, SigningModule(settings=bound)], name="first")
    doc_id = await _draft_for_the_director(first)
    draft = await first.get("giamdoc", f"/api/documents/{doc_id}/files/1")
    assert draft.status_code == 200
    form = {"certificate": pki.pem(pki.cert), "chain": [pki.pem(pki.root)], "document_id": doc_id}
    files = {"file": ("qd.pdf", draft.content, "application/pdf")}
    prep = await first.post("giamdoc", f"{SESSIONS}/upload", files=files, data=form)
    assert prep.status_code == 200, prep.text
    await first.hub.stop()  # the portal process that prepared the signature is gone

    second = await start_office(db_url=url, modules=[core, SigningModule(settings=bound)], name="second")
    signature = base64.b64encode(Agent(pki).sign(base64.b64decode(prep.json()["digest"]))).decode()
    done = await second.post(
        "giamdoc", f"{SESSIONS}/{prep.json()['session']}/complete", json={"signature": signature}
    )
    assert done.status_code == 200, done.text

    body = await _until(second, doc_id, "approved")
    approval = [v for v in body["versions"] if v["kind"] == "approval"]
    assert len(approval) == 1 and approval[0]["sha256"] == done.json()["sha256"]
    assert [a["approver_id"] for a in body["approvals"]] == ["giamdoc"]
    assert any("USB token" in h["text"] for h in body["history"] if h["action"] == "approval_signed")
    approved = await second.get("vanthu", f"/api/documents/{doc_id}/files/{approval[0]['version']}")
    await _verify(approved.content, pki, tmp_path)

    # Approved by the token: an approval with a code now finds nothing awaiting the director.
    code = await second.code("giamdoc")
    late = await second.post("giamdoc", f"/api/documents/{doc_id}/approve", json={"otp": code})
    assert late.status_code == 403 and "không chờ bạn duyệt" in late.json()["detail"]


async def test_a_token_signature_by_someone_else_does_not_approve_the_draft(
    start_office: StartOffice, tmp_path: Path
) -> None:
    director, deputy = make_pki(), make_pki("Trần Thị Lan")
    bound = SigningSettings(
        config=None,
        token_certificates={"giamdoc": [director.fingerprint], "phogiamdoc": [deputy.fingerprint]},
    )
    office = await start_office(modules=[core, SigningModule(settings=bound)])
    doc_id = await _draft_for_the_director(office)
    pdf = (await office.get("phogiamdoc", f"/api/documents/{doc_id}/files/1")).content
    not_bound = {"certificate": director.pem(director.cert), "document_id": doc_id}
    files = {"file": ("qd.pdf", pdf, "application/pdf")}
    refused = await office.post("phogiamdoc", f"{SESSIONS}/upload", files=files, data=not_bound)
    assert refused.status_code == 403 and "chưa được gán cho tài khoản phogiamdoc" in refused.json()["detail"]

    own = {"certificate": deputy.pem(deputy.cert), "document_id": doc_id}
    prep = await office.post("phogiamdoc", f"{SESSIONS}/upload", files=files, data=own)
    assert prep.status_code == 200, prep.text
    signature = base64.b64encode(Agent(deputy).sign(base64.b64decode(prep.json()["digest"]))).decode()
    done = await office.post(
        "phogiamdoc", f"{SESSIONS}/{prep.json()['session']}/complete", json={"signature": signature}
    )
    assert done.status_code == 200, done.text

    async def dead_lettered() -> bool:
        async with office.hub.db.session() as s:
            found = await s.scalar(
                select(DeadLetter.error).where(DeadLetter.consumer == "documents-token-signed")
            )
        return found is not None and "không chờ Trần Thị Lan ký duyệt" in found

    assert await wait_for(dead_lettered, timeout=30)
    assert (await office.get("giamdoc", f"/api/documents/{doc_id}")).json()["status"] == "pending_approval"

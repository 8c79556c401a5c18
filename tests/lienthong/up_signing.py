"""`lienthong up` on an empty data folder signs for real with its development PKI.

The leader approves and the clerk issues through the hub's API; poppler's pdfsig, with an NSS database
trusting only the development root, finds both signatures valid and trusted; the edXML that left for
the national axis verifies with xmlsec1 against the same root; a demo agency's signed document is
accepted with its signature checked; every staff and ops page warns; a second start reuses the keys.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from pydantic import SecretStr

from adapters.vdxp import VdxpClient, VdxpConfig
from adapters.vdxp.settings import DEV_ENDPOINT, DEV_PORT, DEV_SECRET, DEV_SYSTEM_ID
from hub.embedded import free_port, port_is_free
from schemas.edxml.build import BuildOptions, build_edoc
from schemas.edxml.codes import VN_TZ
from schemas.edxml.dsig import SigningKey, sign_edoc
from schemas.edxml.models import (
    Attachment,
    Code,
    EdocMessage,
    MessageHeader,
    Organization,
    TraceHeader,
    TraceHeaderList,
)
from tests.adapters.signing.documents import decision_pdf

# uses the default development ports: one after the other on one pytest-xdist worker
pytestmark = pytest.mark.xdist_group("default-ports")

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BANNER = "Đang dùng khóa ký thử nghiệm — chữ ký không có giá trị pháp lý"
US, VPCP = "000.00.00.H26", "000.00.00.G22"


def need(tool: str, package: str) -> str:
    path = shutil.which(tool)
    if path:
        return path
    message = f"{tool} is not installed (Debian package {package})"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


class Office:
    """One `lienthong up` process on a data folder, as `make run` starts it."""

    def __init__(self, data: Path, log: Path) -> None:
        self.data, self.log = data, log
        self.portal = free_port()
        self.nats_port = free_port(20000 + os.getpid() % 20000)
        self.pki_port = free_port(30000 + os.getpid() % 20000)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LIENTHONG_")}
        env.update(
            {
                "LIENTHONG_DATA_DIR": str(self.data),
                "LIENTHONG_PORTAL_PORT": str(self.portal),
                "LIENTHONG_NATS_PORT": str(self.nats_port),
                "LIENTHONG_SIGNING_DEV_PKI_PORT": str(self.pki_port),
                "LIENTHONG_VDXP_POLL_INTERVAL": "1",
                "LIENTHONG_DEMO": "false",  # only this test's own messages on the axis
            }
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lienthong.cli", "up"],
            env=env,
            cwd=ROOT,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_healthy(self, timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                pytest.fail(f"lienthong up exited with {self.proc.returncode}:\n{self.text()[-4000:]}")
            try:
                r = httpx.get(f"http://127.0.0.1:{self.portal}/healthz", timeout=2)
                if r.status_code == 200 and r.json().get("ok"):
                    body: dict[str, Any] = r.json()
                    return body
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        pytest.fail(f"portal not healthy within {timeout}s:\n{self.text()[-4000:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    # The embedded axis simulator listens on the development endpoint; another one there would take
    # our outgoing message, so wait for the port (a previous test's office may still be stopping).
    deadline = time.monotonic() + 30
    while not port_is_free(DEV_PORT, "127.0.0.1") and time.monotonic() < deadline:
        time.sleep(0.5)
    if not port_is_free(DEV_PORT, "127.0.0.1"):
        message = f"{DEV_ENDPOINT} is taken by another process: the axis simulator cannot be embedded"
        pytest.fail(message) if IN_CI else pytest.skip(message)
    o = Office(tmp_path / "data", tmp_path / "up-1.log")
    yield o
    o.stop()


class Staff:
    """The hub's API as the demo accounts (bearer tokens)."""

    def __init__(self, client: httpx.AsyncClient, password: str, data: Path) -> None:
        self.client, self.password, self.data = client, password, data
        self.tokens: dict[str, str] = {}

    async def headers(self, user: str) -> dict[str, str]:
        if user not in self.tokens:
            r = await self.client.post("/api/auth/login", json={"username": user, "password": self.password})
            assert r.status_code == 200, r.text
            self.tokens[user] = r.json()["token"]
            self.client.cookies.clear()
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    async def post(self, user: str, path: str, **kw: Any) -> httpx.Response:
        return await self.client.post(path, headers=await self.headers(user), **kw)

    async def get(self, user: str, path: str, **kw: Any) -> httpx.Response:
        return await self.client.get(path, headers=await self.headers(user), **kw)

    async def until(self, doc_id: str, status: str, timeout: float = 90) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        body: dict[str, Any] = {}
        while time.monotonic() < deadline:
            body = (await self.get("vanthu", f"/api/documents/{doc_id}")).json()
            if body["status"] == status:
                return body
            await asyncio.sleep(0.5)
        pytest.fail(f"document {doc_id} is {body.get('status')}, not {status}: {body.get('history')}")


async def leader_code(data: Path, username: str) -> str:
    """Enrol the leader's one-time codes in the office's database (as the security page does), one code."""
    from hub.runtime import Hub
    from hub.settings import Settings
    from tests.support.otp_codes import one_time_code

    hub = Hub(Settings(data_dir=data))
    try:
        return await one_time_code(hub, username, {})
    finally:
        await hub.db.dispose()


async def approve_and_issue(staff: Staff) -> tuple[str, bytes]:
    """A công văn to the Government Office: drafted, approved by the director, issued by the clerk."""
    body = {
        "subject": "V/v báo cáo giải ngân vốn đầu tư công (thử ký số)",
        "document_type": "Công văn",
        "recipients": [{"code": VPCP, "name": "Văn phòng Chính phủ"}],
    }
    r = await staff.post("chuyenvien", "/api/documents/outgoing", json=body)
    assert r.status_code == 201, r.text
    doc_id = str(r.json()["id"])
    files = {"file": ("du-thao.pdf", decision_pdf(), "application/pdf")}
    assert (
        await staff.post("chuyenvien", f"/api/documents/{doc_id}/versions", files=files)
    ).status_code == 201
    r = await staff.post("chuyenvien", f"/api/documents/{doc_id}/submit", json={"approvers": ["giamdoc"]})
    assert r.status_code == 200, r.text
    r = await staff.post("giamdoc", f"/api/documents/{doc_id}/approve", json={})
    if r.status_code == 403 and r.json().get("field") == "otp":  # the leader signs with a one-time code
        code = await leader_code(staff.data, "giamdoc")
        r = await staff.post("giamdoc", f"/api/documents/{doc_id}/approve", json={"otp": code})
    assert r.status_code == 200, r.text
    await staff.until(doc_id, "approved")
    r = await staff.post("vanthu", f"/api/documents/{doc_id}/issue")
    assert r.status_code == 200, r.text
    issued = await staff.until(doc_id, "issued")
    last = issued["versions"][-1]
    assert last["kind"] == "issue", issued["versions"]
    r = await staff.get("vanthu", f"/api/documents/{doc_id}/files/{last['version']}")
    assert r.status_code == 200 and r.content.startswith(b"%PDF"), r.text[:300]
    return doc_id, r.content


def pdfsig_with_dev_root(pdf: bytes, root: Path, tmp: Path) -> str:
    """pdfsig against an NSS database whose only trusted certificate is the development root."""
    certutil, pdfsig = need("certutil", "libnss3-tools"), need("pdfsig", "poppler-utils")
    db = tmp / "nssdb"
    db.mkdir()
    subprocess.run([certutil, "-N", "-d", f"sql:{db}", "--empty-password"], check=True, capture_output=True)
    subprocess.run(
        [certutil, "-A", "-d", f"sql:{db}", "-n", "lienthong-dev-root", "-t", "C,C,C", "-i", str(root)],
        check=True,
        capture_output=True,
    )
    # The issuing CA as a known intermediate without trust of its own (",,"): poppler 22.12 reads NSS's
    # last error even after a successful verification, and the temporary import of an intermediate
    # already imported by the previous signature's CMS leaves one.
    issuing = root.with_name("issuing-ca.pem")
    subprocess.run(
        [certutil, "-A", "-d", f"sql:{db}", "-n", "lienthong-dev-issuing", "-t", ",,", "-i", str(issuing)],
        check=True,
        capture_output=True,
    )
    path = tmp / "cong-van.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        [pdfsig, "-nssdir", f"sql:{db}", str(path)], capture_output=True, text=True, timeout=60
    )
    return out.stdout + out.stderr


def demo_agency_edoc(pki: Path) -> bytes:
    """A document from the Government Office to us, signed with its development seal."""
    header = MessageHeader(
        from_=Organization(organ_id=VPCP, organ_name="Văn phòng Chính phủ"),
        to=[Organization(organ_id=US, organ_name="Sở Kế hoạch và Đầu tư thành phố Hà Nội")],
        document_id=f"{VPCP},2026/12/01,512/VPCP-KTTH",
        code=Code(code_number="512", code_notation="VPCP-KTTH"),
        subject="V/v đôn đốc giải ngân vốn đầu tư công năm 2026",
    )
    trace = TraceHeaderList(
        trace_headers=[TraceHeader(organ_id=VPCP, timestamp=dt.datetime(2026, 12, 1, 9, 0, tzinfo=VN_TZ))]
    )
    attachment = Attachment(
        content_id="1",
        attachment_name="512-VPCP-KTTH.pdf",
        content_type="application/pdf",
        data=decision_pdf(),
    )
    message = EdocMessage(message_header=header, trace_header_list=trace, attachments=[attachment])
    key = SigningKey.from_pem(
        (pki / "keys" / f"agency-{VPCP}.key.pem").read_bytes(),
        (pki / "agencies" / f"{VPCP}.pem").read_bytes(),
    )
    return sign_edoc(build_edoc(message, BuildOptions(zip_attachments=True)), key)


async def received_signature(nats_url: str, timeout: float = 60) -> dict[str, Any]:
    """The signature check of the latest `document.received` event on the bus."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                msg = await js.get_last_msg("EVENTS", "lt.doc.evt.received")
            except nats.js.errors.NotFoundError:
                await asyncio.sleep(0.5)
                continue
            check: dict[str, Any] = json.loads(msg.data or b"{}")["payload"]["signature"]
            return check
        pytest.fail("no document.received event")
    finally:
        await nc.close()


async def test_up_signs_approvals_issues_and_axis_messages_with_the_development_pki(
    office: Office, tmp_path: Path
) -> None:
    xmlsec1 = need("xmlsec1", "xmlsec1")
    office.start()
    health = office.wait_healthy()
    assert health["checks"]["signing"] == {
        "ok": True,
        "configured": True,
        "signers": 3,
        "development_keys": True,
    }
    pki = office.data / "devpki"
    root = pki / "root-ca.pem"
    first_log = office.text()
    assert "signing.development_keys" in first_log and "root-ca" in first_log
    assert "Development signing keys (KHÔNG DÙNG THẬT" in first_log
    keys_before = {p.name: p.stat().st_mtime_ns for p in (pki / "keys").iterdir()}
    password = (office.data / "demo-password.txt").read_text().strip()

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{office.portal}", timeout=60) as client:
        staff = Staff(client, password, office.data)
        _, pdf = await approve_and_issue(staff)

        # Every staff and ops page warns that the keys are for development.
        r = await client.get("/staff/", headers=await staff.headers("giamdoc"))
        assert r.status_code == 200 and BANNER in r.text, r.text[:500]
        login_page = await client.get("/login")
        assert BANNER in login_page.text

    report = await asyncio.to_thread(pdfsig_with_dev_root, pdf, root, tmp_path)
    print(report)
    assert report.count("Signature Validation: Signature is Valid.") == 2, report
    assert report.count("Certificate Validation: Certificate is Trusted.") == 2, report
    assert "Signer Certificate Common Name: Nguyễn Văn Hùng" in report
    assert "Signature Field Name: Issue" in report

    # The edXML that left for the axis is XML-DSig signed with the office's seal.
    sent = sorted((office.data / "vdxp-simulator" / "documents").glob("*.edxml"))
    assert sent, "the embedded axis simulator holds no message from us"
    verify = subprocess.run(
        [xmlsec1, "--verify", "--trusted-pem", str(root), str(sent[-1])], capture_output=True, text=True
    )
    print(verify.stderr)
    assert verify.returncode == 0 and "OK" in verify.stderr, verify.stderr

    # A demo agency signs what it sends; the hub checks it against the development root.
    inbound = tmp_path / "tu-vpcp.edxml"
    inbound.write_bytes(demo_agency_edoc(pki))
    client_config = VdxpConfig(endpoint=DEV_ENDPOINT, systemid=DEV_SYSTEM_ID, secret=SecretStr(DEV_SECRET))
    async with VdxpClient(client_config) as axis:
        await axis.send_edoc(inbound, from_code=VPCP, to=[US], message_type="edoc")
    check = await received_signature((office.data / "nats.url").read_text().strip())
    assert check["verified"] is True, check
    assert "Văn phòng Chính phủ" in check["signer"]

    office.stop()
    office.log = tmp_path / "up-2.log"
    office.start()
    assert office.wait_healthy()["checks"]["signing"]["configured"] is True
    second_log = office.text()
    assert "none (reused)" in second_log, second_log[-3000:]
    assert {p.name: p.stat().st_mtime_ns for p in (pki / "keys").iterdir()} == keys_before

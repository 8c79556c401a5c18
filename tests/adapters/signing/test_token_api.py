"""The token (USB) signing API on a real hub: a PDF in, the signed PDF out as a claim, for the person the
token's certificate is bound to; certificates Circular 15/2025 refuses; sessions kept across restarts."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from adapters.signing import SigningModule, SigningSettings
from hub.core import module as core
from hub.embedded import NatsServer
from hub.migrate import aupgrade
from hub.runtime import Delivery, Hub, wait_for
from lienthong.seed import seed_demo
from lienthong.web import create_app
from schemas.envelope import ClaimCheck, Envelope
from tests.hub.conftest import make_settings, nats  # noqa: F401
from tests.portal.staff.agent import Agent, TestPki, make_pki
from tests.portal.staff.conftest import pdf_bytes
from tests.support.fn_module import FnModule

PASSWORD = "mat-khau-ky-so-1"
SESSIONS = "/api/signing/token/sessions"
StartHub = Callable[..., Awaitable[Hub]]


@pytest.fixture
async def start_hub(nats: NatsServer, tmp_path: Path) -> AsyncIterator[StartHub]:
    """Start hubs with the signing adapter and no server keys (the token flow needs none), one DB."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
    await aupgrade(url, ["adapters.signing"])
    running: list[Hub] = []

    async def start(bound: dict[str, list[str]], seen: list[Envelope] | None = None) -> Hub:
        signing = SigningModule(settings=SigningSettings(config=None, token_certificates=bound))
        modules = [core, signing]
        if seen is not None:

            def watch(hub: Hub) -> None:
                @hub.consumer("test-token-signed", "lt.sign.evt.token_signed")
                async def signed(d: Delivery) -> None:
                    seen.append(d.envelope)

            modules.append(FnModule("watch", watch))
        hub = Hub(make_settings(tmp_path, url, secret_key="k" * 40), modules=modules)
        await seed_demo(hub.db, PASSWORD)
        await hub.start([nats.url])
        running.append(hub)
        return hub

    yield start
    for hub in reversed(running):
        if hub.nc is not None and not hub.nc.is_closed:
            await hub.stop()


async def _client(hub: Hub, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(hub)), base_url="http://t")
    answer = await client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    client.headers["X-CSRF-Token"] = answer.json()["csrf"]
    return client


def _body(original: ClaimCheck, pki: TestPki) -> dict[str, object]:
    return {
        "document": original.model_dump(mode="json"),
        "certificate": pki.pem(pki.cert),
        "document_id": "d1",
    }


async def test_a_claim_checked_pdf_is_signed_by_the_bound_token_and_served_to_its_owner_only(
    start_hub: StartHub,
) -> None:
    pki = make_pki()
    agent = Agent(pki)
    seen: list[Envelope] = []
    hub = await start_hub({"giamdoc": [pki.fingerprint]}, seen)
    original = await hub.claims.put(pdf_bytes("Quyết định"), media_type="application/pdf")
    leader, other = await _client(hub, "giamdoc"), await _client(hub, "chuyenvien")
    try:
        not_bound = await other.post(SESSIONS, json=_body(original, pki))  # somebody else's token
        assert not_bound.status_code == 403 and "chưa được gán cho tài khoản chuyenvien" in not_bound.text
        prep = await leader.post(SESSIONS, json=_body(original, pki))
        assert prep.status_code == 200, prep.text
        prepared = prep.json()
        assert prepared["digest_algorithm"] == "sha256" and prepared["document_id"] == "d1"
        assert prepared["certificate"]["revocation"] == "not_checked"  # no trust anchors configured
        assert "chưa kiểm tra được tình trạng thu hồi" in prepared["certificate"]["message_vi"]
        digest = base64.b64decode(prepared["digest"])
        assert digest == hashlib.sha256(base64.b64decode(prepared["to_be_signed"])).digest()

        session = prepared["session"]
        garbled = await leader.post(f"{SESSIONS}/{session}/complete", json={"signature": "@@"})
        assert garbled.status_code == 422 and garbled.json()["field"] == "signature"
        forged = base64.b64encode(Agent(make_pki("Người khác")).sign(digest)).decode()
        wrong_key = await leader.post(f"{SESSIONS}/{session}/complete", json={"signature": forged})
        assert wrong_key.status_code == 422 and "không khớp" in wrong_key.json()["detail"]
        signature = base64.b64encode(agent.sign(digest)).decode()
        stolen = await other.post(f"{SESSIONS}/{session}/complete", json={"signature": signature})
        assert stolen.status_code == 422 and "không tồn tại" in stolen.json()["detail"]

        done = await leader.post(f"{SESSIONS}/{session}/complete", json={"signature": signature})
        assert done.status_code == 200, done.text
        signed = done.json()
        assert "Nguyễn Văn Hùng" in signed["signer"]
        stored = await hub.claims.get(ClaimCheck.model_validate(signed["claim"]))
        assert hashlib.sha256(stored).hexdigest() == signed["sha256"] != original.sha256

        mine = await leader.get(signed["download"])
        assert mine.status_code == 200 and mine.content == stored
        assert (await other.get(signed["download"])).status_code == 404

        async def told() -> bool:
            return len(seen) == 1

        assert await wait_for(told, timeout=30)
        event = seen[0].payload
        assert event["user_id"] == "giamdoc" and event["document_id"] == "d1" and seen[0].issue == "d1"
        assert (
            event["original"]["sha256"] == original.sha256 and event["signed"]["sha256"] == signed["sha256"]
        )
    finally:
        await leader.aclose()
        await other.aclose()


@pytest.mark.parametrize(
    ("pki_args", "reason"),
    [
        (
            {"key_size": 1024},
            "Khóa RSA 1024 bit của chứng thư số người ký quá yếu: Thông tư 15/2025/TT-BKHCN",
        ),
        ({"valid": (-72, -24)}, "Chứng thư số của người ký đã hết hạn ngày"),
        ({"valid": (24, 48)}, "Chứng thư số của người ký chỉ có hiệu lực từ ngày"),
    ],
)
async def test_a_certificate_circular_15_refuses_cannot_start_a_signature(
    start_hub: StartHub, pki_args: dict[str, object], reason: str
) -> None:
    pki = make_pki(**pki_args)  # type: ignore[arg-type]
    hub = await start_hub({"giamdoc": [pki.fingerprint]})
    original = await hub.claims.put(pdf_bytes("Quyết định"), media_type="application/pdf")
    client = await _client(hub, "giamdoc")
    try:
        refused = await client.post(SESSIONS, json=_body(original, pki))
        assert refused.status_code == 422, refused.text
        assert reason in refused.json()["detail"]
        assert refused.json()["field"] == "certificate"
    finally:
        await client.aclose()


async def test_a_session_prepared_before_a_restart_is_completed_by_the_new_hub(start_hub: StartHub) -> None:
    pki = make_pki()
    first = await start_hub({"giamdoc": [pki.fingerprint]})
    original = await first.claims.put(pdf_bytes("Tờ trình"), media_type="application/pdf")
    client = await _client(first, "giamdoc")
    prep = await client.post(SESSIONS, json=_body(original, pki))
    assert prep.status_code == 200, prep.text
    await client.aclose()
    await first.stop()  # the process that prepared it is gone

    second = await start_hub({"giamdoc": [pki.fingerprint]})
    client = await _client(second, "giamdoc")
    try:
        signature = base64.b64encode(Agent(pki).sign(base64.b64decode(prep.json()["digest"]))).decode()
        done = await client.post(
            f"{SESSIONS}/{prep.json()['session']}/complete", json={"signature": signature}
        )
        assert done.status_code == 200, done.text
        again = await client.post(
            f"{SESSIONS}/{prep.json()['session']}/complete", json={"signature": signature}
        )
        assert again.json()["sha256"] == done.json()["sha256"]  # completing twice gives the same file
    finally:
        await client.aclose()


async def test_uploads_and_missing_claims_are_told_apart(start_hub: StartHub) -> None:
    pki = make_pki()
    hub = await start_hub({"giamdoc": [pki.fingerprint]})
    client = await _client(hub, "giamdoc")
    try:
        form = {"certificate": pki.pem(pki.cert)}
        not_pdf = await client.post(f"{SESSIONS}/upload", files={"file": ("a.txt", b"hello")}, data=form)
        assert not_pdf.status_code == 422 and "không phải PDF" in not_pdf.json()["detail"]
        upload = {"file": ("a.pdf", pdf_bytes("Tờ trình"), "application/pdf")}
        assert (await client.post(f"{SESSIONS}/upload", files=upload, data=form)).status_code == 200
        gone = ClaimCheck(
            bucket="lt-content", key="khong-co", sha256="0" * 64, size=1, media_type="application/pdf"
        )
        missing = await client.post(SESSIONS, json={"document": gone.model_dump(mode="json"), **form})
        assert missing.status_code == 404
    finally:
        await client.aclose()
    anonymous = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(hub)), base_url="http://t")
    async with anonymous:
        assert (await anonymous.post(f"{SESSIONS}/upload", data=form)).status_code == 401

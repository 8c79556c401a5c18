"""The signing module on a real hub (nats-server, SQLite): commands in, outcomes out, same correlation id;
only the person bound to a key gets a signature (else refused, dead-lettered, audited)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from asn1crypto import pem
from sqlalchemy import select

from adapters.signing import SigningConfig, SigningModule, SigningSettings
from hub.core import module as core
from hub.embedded import NatsServer
from hub.migrate import aupgrade
from hub.models import AuditEntry, DeadLetter
from hub.orgchart import Delegation
from hub.runtime import Delivery, Hub, wait_for
from hub.settings import Settings
from lienthong.seed import seed_demo
from schemas.edxml import BuildOptions, SigningKey, build_edoc, sign_edoc
from schemas.envelope import Envelope
from schemas.signing import (
    PadesLevel,
    SigningStage,
    SignPdfRequest,
    SignPdfRequested,
    ValidateRequested,
    Verdict,
)
from tests.adapters.signing.documents import BODY_BOX, CLERK_BOX, LEADER_BOX, box, decision_pdf
from tests.adapters.signing.pki import GeneratedPKI
from tests.adapters.signing.test_authority import HOLDERS
from tests.schemas.edxml.conftest import make_edoc
from tests.support.fn_module import FnModule


@dataclass
class Seen:
    events: list[Envelope] = field(default_factory=list)

    def of(self, type: str) -> list[Envelope]:
        return [e for e in self.events if e.type == type]


@pytest.fixture
def nats(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(store_dir=tmp_path / "nats", name="lt-signing").start()
    yield server
    server.stop()


@pytest.fixture
async def hub(
    nats: NatsServer, tmp_path: Path, signing_config: SigningConfig
) -> AsyncIterator[tuple[Hub, Seen]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
    await aupgrade(url, [])
    settings = Settings(data_dir=tmp_path / "data", db_url=url, retry_base_seconds=0.2, max_deliver=3)
    seen = Seen()

    def observe(hub: Hub) -> None:
        @hub.consumer("test-signing-events", "lt.sign.evt.>")
        async def outcome(d: Delivery) -> None:
            seen.events.append(d.envelope)

    signing = SigningModule(signing_config, SigningSettings(config=None, **HOLDERS))
    hub = Hub(settings, modules=[core, signing, FnModule("observe", observe)])
    await seed_demo(hub.db, "mat-khau-ky-1")
    await hub.start([nats.url])
    try:
        yield hub, seen
    finally:
        await hub.stop()


async def test_leader_then_clerk_signing_and_validation_over_the_bus(hub: tuple[Hub, Seen]) -> None:
    h, seen = hub
    original = await h.claims.put(decision_pdf(), media_type="application/pdf")
    leader = SignPdfRequest(signer="leader", box=box(LEADER_BOX), level=PadesLevel.B_T)
    cmd = await h.publish(
        "sign.pdf.requested",
        SignPdfRequested(document=original, request=leader, user_id="giamdoc"),
        source="test",
        issue="QD-15",
        user_id="giamdoc",
    )
    assert await wait_for(lambda: _has(seen, "sign.pdf.signed", 1), timeout=60)
    (first,) = seen.of("sign.pdf.signed")
    assert first.correlation_id == cmd.correlation_id
    assert first.causation_id == cmd.id
    assert first.issue == "QD-15"
    approved = first.payload["signed"]
    checked = first.payload["result"]["certificate"]  # Circular 15/2025: checked before signing
    assert checked["revocation"] == "good" and checked["key"] == "RSA 2048"
    assert "chưa bị thu hồi" in checked["message_vi"]

    clerk = SignPdfRequest(
        signer="clerk",
        stage=SigningStage.ISSUE,
        box=box(CLERK_BOX),
        level=PadesLevel.B_LT,
        document_number="15/QĐ-SKHĐT",
    )
    await h.publish(
        "sign.pdf.requested",
        SignPdfRequested.model_validate(
            {"document": approved, "request": clerk.model_dump(mode="json"), "user_id": "vanthu"}
        ),
        source="test",
        issue="QD-15",
    )
    assert await wait_for(lambda: _has(seen, "sign.pdf.signed", 2), timeout=60)
    issued = seen.of("sign.pdf.signed")[1].payload["signed"]

    check = await h.publish(
        "sign.validate.requested",
        ValidateRequested.model_validate({"document": issued}),
        source="test",
        issue="QD-15",
    )
    assert await wait_for(lambda: _has(seen, "sign.validate.completed", 1), timeout=60)
    (validated,) = seen.of("sign.validate.completed")
    assert validated.correlation_id == check.correlation_id
    report = validated.payload["report"]
    assert report["verdict"] == Verdict.VALID.value
    assert [s["modification_level"] for s in report["signatures"]] == ["FORM_FILLING", "LTA_UPDATES"]
    assert report["message_vi"].startswith("Văn bản hợp lệ")


async def test_refusal_is_an_event_with_the_reason(hub: tuple[Hub, Seen]) -> None:
    h, seen = hub
    original = await h.claims.put(decision_pdf(), media_type="application/pdf")
    bad = SignPdfRequest(signer="leader", box=box(BODY_BOX))
    cmd = await h.publish(
        "sign.pdf.requested",
        SignPdfRequested(document=original, request=bad, user_id="giamdoc"),
        source="test",
        issue="QD-16",
    )
    assert await wait_for(lambda: _has(seen, "sign.pdf.refused", 1), timeout=60)
    (refused,) = seen.of("sign.pdf.refused")
    assert refused.correlation_id == cmd.correlation_id
    assert "đè lên nội dung văn bản" in refused.payload["reason_vi"]
    assert "overlaps page content" in refused.payload["reason_en"]


async def test_not_a_pdf_validation_fails_with_a_reason(hub: tuple[Hub, Seen]) -> None:
    h, seen = hub
    junk = await h.claims.put(b"PK\x03\x04 a zip, not a pdf", media_type="application/pdf")
    await h.publish("sign.validate.requested", ValidateRequested(document=junk), source="test")
    assert await wait_for(lambda: _has(seen, "sign.validate.failed", 1), timeout=60)
    assert "PDF" in seen.of("sign.validate.failed")[0].payload["reason_vi"]


async def _dead_letters(h: Hub) -> list[DeadLetter]:
    async with h.db.session() as s:
        return list(
            (await s.execute(select(DeadLetter).where(DeadLetter.consumer == "signing-pdf"))).scalars()
        )


async def _audit(h: Hub, action: str) -> list[AuditEntry]:
    async with h.db.session() as s:
        return list((await s.execute(select(AuditEntry).where(AuditEntry.action == action))).scalars())


async def test_a_signature_asked_by_someone_not_bound_to_the_key_is_refused_dead_lettered_and_audited(
    hub: tuple[Hub, Seen],
) -> None:
    h, seen = hub
    original = await h.claims.put(decision_pdf(), media_type="application/pdf")
    leader = SignPdfRequest(signer="leader", box=box(LEADER_BOX), level=PadesLevel.B_B)
    # a unit head puts the leader's key on a complaint's conclusion, over the bus
    cmd = await h.publish(
        "sign.pdf.requested",
        SignPdfRequested(document=original, request=leader, user_id="truongphongth"),
        source="complaints",
        issue="complaint:1",
        user_id="truongphongth",
    )
    assert await wait_for(lambda: _has(seen, "sign.pdf.refused", 1), timeout=60)
    (refused,) = seen.of("sign.pdf.refused")
    assert refused.correlation_id == cmd.correlation_id
    assert "không phải người giữ khóa ký 'leader'" in refused.payload["reason_vi"]
    assert "Đỗ Quang Vinh (truongphongth)" in refused.payload["reason_vi"]

    async def dead() -> bool:
        return len(await _dead_letters(h)) == 1

    assert await wait_for(dead, timeout=30)
    (letter,) = await _dead_letters(h)
    assert letter.reason == "permanent" and "NotTheSigner" in letter.error
    (row,) = await _audit(h, "signing.refused")
    assert row.actor == "truongphongth" and row.target == "signer:leader"
    assert "không phải người giữ khóa" in row.detail["reason"]
    assert not seen.of("sign.pdf.signed")

    # a command whose payload names the leader but was sent by somebody else is refused too
    await h.publish(
        "sign.pdf.requested",
        SignPdfRequested(document=original, request=leader, user_id="giamdoc"),
        source="complaints",
        user_id="chuyenvien",
    )
    assert await wait_for(lambda: _has(seen, "sign.pdf.refused", 2), timeout=60)
    assert "không ký thay người khác" in seen.of("sign.pdf.refused")[1].payload["reason_vi"]
    assert not seen.of("sign.pdf.signed")


async def test_a_delegate_signs_with_the_leaders_key_only_during_the_delegation(
    hub: tuple[Hub, Seen],
) -> None:
    h, seen = hub
    now = datetime.now(UTC)
    async with h.db.session() as s:
        s.add(
            Delegation(
                from_user_id="giamdoc",
                to_user_id="truongphongth",
                starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(hours=1),
                note="Giám đốc đi công tác",
            )
        )
    original = await h.claims.put(decision_pdf(), media_type="application/pdf")
    leader = SignPdfRequest(signer="leader", box=box(LEADER_BOX), level=PadesLevel.B_B)
    await h.publish(
        "sign.pdf.requested",
        SignPdfRequested(document=original, request=leader, user_id="truongphongth"),
        source="test",
        user_id="truongphongth",
    )
    assert await wait_for(lambda: _has(seen, "sign.pdf.signed", 1), timeout=60)
    assert not seen.of("sign.pdf.refused")
    (signed,) = await _audit(h, "signing.signed")
    assert signed.actor == "truongphongth"

    # the delegation of another unit head ended yesterday: refused
    async with h.db.session() as s:
        s.add(
            Delegation(
                from_user_id="giamdoc",
                to_user_id="truongphongdt",
                starts_at=now - timedelta(days=3),
                ends_at=now - timedelta(days=1),
            )
        )
    await h.publish(
        "sign.pdf.requested",
        SignPdfRequested(document=original, request=leader, user_id="truongphongdt"),
        source="test",
        user_id="truongphongdt",
    )
    assert await wait_for(lambda: _has(seen, "sign.pdf.refused", 1), timeout=60)
    assert "không được ủy quyền ký thay" in seen.of("sign.pdf.refused")[0].payload["reason_vi"]
    assert len(seen.of("sign.pdf.signed")) == 1


def test_module_is_off_without_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIENTHONG_SIGNING_CONFIG", raising=False)
    assert SigningModule(settings=SigningSettings()).config is None


def test_configuration_file_is_loaded(tmp_path: Path, signing_config: SigningConfig) -> None:
    path = tmp_path / "signing.yaml"
    path.write_text(yaml.safe_dump(signing_config.model_dump(mode="json"), allow_unicode=True))
    module = SigningModule(settings=SigningSettings(config=path))
    assert module.config == signing_config


async def _has(seen: Seen, type: str, n: int) -> bool:
    return len(seen.of(type)) >= n


async def test_edxml_validation_over_the_bus(hub: tuple[Hub, Seen], pki: GeneratedPKI) -> None:
    h, seen = hub
    chain = b"".join(pem.armor("CERTIFICATE", pki.cert(c).dump()) for c in ("clerk", "interm"))
    signed = sign_edoc(
        build_edoc(make_edoc(), BuildOptions(zip_attachments=True)),
        SigningKey.from_pem(pki.key_pem("clerk"), chain),
    )
    claim = await h.claims.put(signed, media_type="application/xml")
    await h.publish("sign.validate.requested", ValidateRequested(document=claim), source="test")
    assert await wait_for(lambda: _has(seen, "sign.validate.completed", 1), timeout=60)
    report = seen.of("sign.validate.completed")[0].payload["report"]
    assert report["verdict"] == "valid"
    assert report["signatures"][0]["level"] == "XML-DSig"

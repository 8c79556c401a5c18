"""Two hubs (two agencies, each with its own nats-server) exchange documents through the VDXP simulator."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from adapters.axis import module as axis_dispatch
from adapters.vdxp import VdxpClient, VdxpConfig, VdxpModule, VdxpSettings
from adapters.vdxp.settings import DEV_ENDPOINT, DEV_PORT, DEV_SECRET, DEV_SYSTEM_ID
from adapters.vdxp.simulator import SimulatorServer
from hub import dlq
from hub.core import module as core
from hub.embedded import NatsServer, port_is_free
from hub.journal import trace
from hub.migrate import aupgrade
from hub.runtime import Delivery, Hub, wait_for
from hub.settings import Settings
from schemas.axis import AxisSendRequested
from schemas.edxml.build import BuildOptions, build_edoc
from schemas.edxml.codes import VN_TZ, StatusCode
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
from schemas.edxml.parse import parse_status
from schemas.envelope import Envelope
from tests.adapters.vdxp.conftest import HANOI, SYSTEMS, VPCP
from tests.schemas.edxml.pki import Pki, make_pki
from tests.support.fn_module import FnModule

# uses the default development ports: one after the other on one pytest-xdist worker
pytestmark = pytest.mark.xdist_group("default-ports")

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 64
WATCHED = [
    "document.received",
    "document.status_changed",
    "axis.sent",
    "axis.delivery_changed",
    "axis.receive_failed",
]


def make_edoc(sender: str, recipient: str, number: str = "125") -> bytes:
    header = MessageHeader(
        from_=Organization(organ_id=sender, organ_name="Sở Kế hoạch và Đầu tư thành phố Hà Nội"),
        to=[Organization(organ_id=recipient, organ_name="Văn phòng Chính phủ")],
        document_id=f"{sender},2026/11/28,{number}/SKHĐT-TH",
        code=Code(code_number=number, code_notation="SKHĐT-TH"),
        subject="V/v báo cáo tình hình giải ngân vốn đầu tư công",
    )
    trace_list = TraceHeaderList(
        trace_headers=[TraceHeader(organ_id=sender, timestamp=dt.datetime(2026, 11, 28, 9, 0, tzinfo=VN_TZ))]
    )
    attachment = Attachment(
        content_id="1", attachment_name="125-SKHDT-TH.pdf", content_type="application/pdf", data=PDF
    )
    message = EdocMessage(message_header=header, trace_header_list=trace_list, attachments=[attachment])
    return build_edoc(message, BuildOptions(zip_attachments=True))


@dataclass
class Agency:
    """One agency's hub, its vdxp module and what its watcher saw on the bus."""

    hub: Hub
    vdxp: VdxpModule
    seen: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))

    def watcher(self) -> FnModule:
        def setup(hub: Hub) -> None:
            @hub.consumer("watcher", "lt.*.evt.>", types=WATCHED)
            async def watch(d: Delivery) -> None:
                self.seen[d.envelope.type].append((d.envelope, d.payload))

        return FnModule("watcher", setup)

    async def saw(self, type: str, count: int = 1) -> list[Any]:
        async def enough() -> bool:
            return len(self.seen[type]) >= count

        assert await wait_for(enough), f"{type}: saw {len(self.seen[type])}, expected {count}"
        return self.seen[type]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("vdxp-pki"), "VDXP Test")


@pytest.fixture
def nats_pair(tmp_path: Path) -> Iterator[tuple[NatsServer, NatsServer]]:
    a = NatsServer(store_dir=tmp_path / "nats-a", name="lt-vdxp-a").start()
    b = NatsServer(store_dir=tmp_path / "nats-b", name="lt-vdxp-b").start()
    yield a, b
    a.stop()
    b.stop()


StartAgency = Callable[..., Any]


@pytest.fixture
async def start_agency(
    simulator: SimulatorServer, nats_pair: tuple[NatsServer, NatsServer], tmp_path: Path
) -> AsyncIterator[StartAgency]:
    started: list[Hub] = []
    servers = {HANOI: nats_pair[0], VPCP: nats_pair[1]}
    systemids = {HANOI: "vxp.hanoi.skhdt", VPCP: "vxp.vpcp"}

    async def start(code: str, **vdxp: Any) -> Agency:
        systemid = systemids[code]
        url = f"sqlite+aiosqlite:///{tmp_path / f'{systemid}.db'}"
        await aupgrade(url, [])
        settings = Settings(
            data_dir=tmp_path / systemid,
            db_url=url,
            agency_code=code,
            retry_base_seconds=0.1,
            retry_max_seconds=0.5,
            max_deliver=3,
        )
        module = VdxpModule(
            VdxpSettings(
                endpoint=simulator.url,
                systemid=systemid,
                secret=SYSTEMS[systemid]["secret"],
                poll_enabled=False,
                retry_attempts=1,
                **vdxp,
            )
        )
        agency = Agency(Hub(settings), module)
        agency.hub.modules = [core, axis_dispatch, module, agency.watcher()]
        await agency.hub.start([servers[code].url])
        started.append(agency.hub)
        return agency

    yield start
    for hub in reversed(started):
        await hub.stop()


async def send(agency: Agency, edxml: bytes, document_id: str) -> Envelope:
    claim = await agency.hub.claims.put(edxml, media_type="application/xml")
    return await agency.hub.publish(
        "axis.send", AxisSendRequested(edxml=claim), source="test", issue=document_id
    )


async def test_document_and_its_status_travel_between_two_hubs(start_agency: StartAgency, pki: Pki) -> None:
    hanoi = await start_agency(
        HANOI, signing_key_file=pki.signer_key_pem, signing_cert_file=pki.signer_cert_pem
    )
    vpcp = await start_agency(VPCP, trust_ca_files=[pki.root_pem])
    document_id = f"{HANOI},2026/11/28,125/SKHĐT-TH"
    command = await send(hanoi, make_edoc(HANOI, VPCP), document_id)  # Hanoi's hub signs it
    [(_, sent)] = await hanoi.saw("axis.sent")
    assert sent.to_codes == [VPCP]

    report = await vpcp.vdxp.poll_once()
    assert report.outcomes["received"] == 1
    [(env, received)] = await vpcp.saw("document.received")
    assert env.issue == document_id
    assert (received.from_code, received.code, received.subject) == (
        HANOI,
        "125/SKHĐT-TH",
        "V/v báo cáo tình hình giải ngân vốn đầu tư công",
    )
    assert received.signature.verified
    assert "VDXP Test" in (received.signature.signer or "")
    [attachment] = received.attachments
    assert attachment.name == "125-SKHDT-TH.pdf"
    assert attachment.content_type == "application/pdf"
    assert await vpcp.hub.claims.get(attachment.claim) == PDF

    # VPCP's hub answers 01 through its own send consumer.
    [(_, answer)] = await vpcp.saw("axis.sent")
    assert (answer.message_type, answer.status_code, answer.to_codes) == ("status", "01", [HANOI])

    assert (await hanoi.vdxp.poll_once()).outcomes["status"] == 1
    [(status_env, status)] = await hanoi.saw("document.status_changed")
    assert (status.status_code, status.document_id, status.from_code) == ("01", document_id, VPCP)
    assert status.status_text.endswith("Đã đến - Phần mềm QLVB đã nhận nhưng văn thư chưa xử lý")
    assert status_env.issue == document_id
    assert status_env.correlation_id == command.correlation_id  # same conversation as the send
    [(_, delivery)] = await hanoi.saw("axis.delivery_changed")
    assert (delivery.to_code, delivery.receive_status, delivery.document_id) == (VPCP, "done", document_id)

    # The whole conversation is in Hanoi's journal under the document's id.
    await hanoi.hub.journal.flush()
    types = {entry.type for entry in await trace(hanoi.hub.db, document_id)}
    assert {"axis.send", "axis.sent", "document.status_changed", "axis.delivery_changed"} <= types

    # Nothing is left pending on the axis; VPCP sees Hanoi took its 01 (transport done).
    again = await vpcp.vdxp.poll_once()
    assert again.outcomes["received"] + again.outcomes["status"] + again.outcomes["refused"] == 0
    [(_, taken)] = await vpcp.saw("axis.delivery_changed")
    assert (taken.to_code, taken.receive_status) == (HANOI, "done")


def _change_subject(signed: bytes) -> bytes:
    return signed.replace("giải ngân".encode(), "giải ngán".encode())


def _change_attachment_byte(signed: bytes) -> bytes:
    opening = signed.index(b"ContentTransferEncoded>") + len(b"ContentTransferEncoded>")
    middle = (opening + signed.index(b"</", opening)) // 2
    flipped = b"B" if signed[middle : middle + 1] != b"B" else b"C"
    return signed[:middle] + flipped + signed[middle + 1 :]


@pytest.mark.parametrize("tamper", [_change_subject, _change_attachment_byte])
async def test_tampered_document_is_refused_with_status_02(
    start_agency: StartAgency, simulator: SimulatorServer, pki: Pki, tamper: Callable[[bytes], bytes]
) -> None:
    vpcp = await start_agency(VPCP, trust_ca_files=[pki.root_pem])
    key = SigningKey.from_pem(pki.signer_key_pem.read_bytes(), pki.signer_cert_pem.read_bytes())
    signed = sign_edoc(make_edoc(HANOI, VPCP), key)
    tampered = tamper(signed)
    assert tampered != signed
    async with VdxpClient(
        VdxpConfig(
            endpoint=simulator.url, systemid="vxp.hanoi.skhdt", secret=SYSTEMS["vxp.hanoi.skhdt"]["secret"]
        )
    ) as hanoi_axis:
        await hanoi_axis.send_edoc(tampered, from_code=HANOI, to=[VPCP])

        assert (await vpcp.vdxp.poll_once()).outcomes["refused"] == 1
        [(_, failed)] = await vpcp.saw("axis.receive_failed")
        assert failed.rejection_sent
        assert failed.from_code == HANOI
        assert failed.edxml is not None
        assert await vpcp.hub.claims.get(failed.edxml) == tampered
        assert vpcp.seen["document.received"] == []

        [(_, answer)] = await vpcp.saw("axis.sent")
        assert answer.status_code == "02"
        [item] = await hanoi_axis.get_received_edoc_list("status", to=HANOI)
        rejection = parse_status(await hanoi_axis.get_edoc(item.doc_id))
        assert rejection.status_code.value == "02"
        told = "Chữ ký số không hợp lệ: nội dung đã bị thay đổi sau khi ký hoặc chữ ký sai cấu trúc"
        assert rejection.description == f"{StatusCode.REJECTED.description}. Lý do: {told}."
        assert (failed.kind, failed.answer) == ("InvalidSignatureError", rejection.description)
        assert "does not verify" in failed.reason  # the technical detail, for the operator
        [row] = await hanoi_axis.get_sent_edoc_list()
        assert row.receive_status == "fail"

    # The refused item stays 'fail' on the axis but is not taken again.
    assert (await vpcp.vdxp.poll_once()).outcomes["skipped"] == 1
    assert len(vpcp.seen["axis.receive_failed"]) == 1


async def test_axis_refusal_dead_letters_the_send_and_outage_is_retried(
    start_agency: StartAgency, simulator: SimulatorServer
) -> None:
    hanoi = await start_agency(HANOI)
    unknown = "000.00.00.X99"
    await send(hanoi, make_edoc(HANOI, unknown), "refused-doc")

    async def dead() -> bool:
        return any(r.consumer == "vdxp-send" for r in await dlq.list_dead(hanoi.hub))

    assert await wait_for(dead)
    [row] = [r for r in await dlq.list_dead(hanoi.hub) if r.consumer == "vdxp-send"]
    assert row.reason == "permanent"
    assert "UNKNOWN_AGENCY" in row.error
    assert unknown in row.error

    simulator.simulator.faults.set(_fault(status_code=503, count=1))
    await send(hanoi, make_edoc(HANOI, VPCP, "126"), "retried-doc")
    [(env, sent)] = await hanoi.saw("axis.sent")
    assert env.issue == "retried-doc"
    assert sent.to_codes == [VPCP]
    assert simulator.simulator.faults.injected == 1


def _fault(**spec: Any) -> Any:
    from adapters.vdxp.simulator import FaultSpec

    return FaultSpec(**spec)


async def test_default_settings_serve_the_embedded_simulator_and_poll_it(tmp_path: Path) -> None:
    if not port_is_free(DEV_PORT):
        pytest.skip(f"port {DEV_PORT} of the development endpoint is taken")
    nats = NatsServer(store_dir=tmp_path / "nats", name="lt-vdxp-dev").start()
    url = f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
    await aupgrade(url, [])
    vdxp = VdxpModule(VdxpSettings(poll_interval=0.1, _env_file=None))  # type: ignore[call-arg]
    agency = Agency(Hub(Settings(data_dir=tmp_path / "data", db_url=url, agency_code=HANOI)), vdxp)
    agency.hub.modules = [core, vdxp, agency.watcher()]
    await agency.hub.start([nats.url])
    try:
        async with VdxpClient(
            VdxpConfig(endpoint=DEV_ENDPOINT, systemid=DEV_SYSTEM_ID, secret=DEV_SECRET)
        ) as axis:
            assert HANOI in {a.code102 for a in await axis.get_agencies_list()}
            await axis.send_edoc(make_edoc(VPCP, HANOI), from_code=VPCP)
        [(_, received)] = await agency.saw("document.received")
        assert received.from_code == VPCP
        health = await (await agency.hub.js.key_value("lt-health")).get("vdxp")  # type: ignore[union-attr]
        assert json.loads(health.value or b"{}")["state"] == "closed"
    finally:
        await agency.hub.stop()
        nats.stop()
    assert port_is_free(DEV_PORT)  # the embedded simulator stopped with the hub


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE edXML [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>\n<edXML>&c;</edXML>'
)


@pytest.mark.parametrize(
    ("hostile", "field_name"),
    [
        (re.sub(rb"<edXML:Subject>.*?</edXML:Subject>", b"", make_edoc(HANOI, VPCP), flags=re.S), "Subject"),
        (BILLION_LAUGHS, None),
    ],
    ids=["edoc-without-subject", "billion-laughs"],
)
async def test_hostile_incoming_edxml_is_refused_and_the_sender_gets_02(
    start_agency: StartAgency, simulator: SimulatorServer, hostile: bytes, field_name: str | None
) -> None:
    vpcp = await start_agency(VPCP)
    simulator.simulator.check_edxml = False  # a lax axis lets it through to the hub
    async with VdxpClient(
        VdxpConfig(
            endpoint=simulator.url, systemid="vxp.hanoi.skhdt", secret=SYSTEMS["vxp.hanoi.skhdt"]["secret"]
        )
    ) as hanoi_axis:
        await hanoi_axis.send_edoc(hostile, from_code=HANOI, to=[VPCP])
        assert (await vpcp.vdxp.poll_once()).outcomes["refused"] == 1
        [(_, failed)] = await vpcp.saw("axis.receive_failed")
        assert failed.from_code == HANOI
        assert failed.rejection_sent
        if field_name:
            assert field_name in (failed.field or "")
        await vpcp.saw("axis.sent")
        [item] = await hanoi_axis.get_received_edoc_list("status", to=HANOI)
        rejection = parse_status(await hanoi_axis.get_edoc(item.doc_id))
        assert rejection.status_code.value == "02"
        assert rejection.description == failed.answer
        assert failed.answer_edxml is not None
        assert parse_status(await vpcp.hub.claims.get(failed.answer_edxml)) == rejection
        if field_name:  # the sender is told in Vietnamese which element is wrong
            assert "Lý do: Thiếu trích yếu nội dung (Subject) hoặc để trống." in (rejection.description or "")
            assert failed.told == "thiếu trích yếu nội dung (Subject) hoặc để trống"
            assert "Subject: required element is missing or empty" in failed.reason  # for the operator
            assert (failed.code, failed.document_id) == ("125/SKHĐT-TH", f"{HANOI},2026/11/28,125/SKHĐT-TH")
        else:
            assert "Lý do: Tệp chứa khai báo DOCTYPE" in (rejection.description or "")
    assert vpcp.seen["document.received"] == []

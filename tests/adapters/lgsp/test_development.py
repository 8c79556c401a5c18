"""With no settings the city-axis adapter serves the LGSP simulator and works through it (`make run`).

Real servers: the embedded SOAP simulator on a free port, nats-server, SQLite. A demo city agency
sends us a document over the simulator; we send one to another; a real setting turns it all off.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from adapters.axis import AxisDispatchModule
from adapters.lgsp import LgspModule, LgspSettings
from adapters.lgsp.client import LgspClient
from adapters.lgsp.protocol import MessageType
from adapters.lgsp.settings import DEV_CITY_AGENCIES
from adapters.lgsp.simulator import SimulatorServer, development_accounts
from adapters.lgsp.store import MemoryStore
from hub.embedded import NatsServer, free_port, port_is_free
from hub.migrate import aupgrade
from hub.runtime import Delivery, Hub, wait_for
from hub.settings import Settings
from schemas.axis import AxisSendRequested, AxisSent, DocumentReceived
from schemas.edxml.build import BuildOptions, build_edoc
from schemas.edxml.codes import VN_TZ
from schemas.edxml.models import (
    Attachment,
    Code,
    EdocMessage,
    MessageHeader,
    Organization,
    TraceHeader,
    TraceHeaderList,
)
from tests.adapters.lgsp.conftest import FAST_RETRY
from tests.support.fn_module import FnModule

US = "000.00.00.H26"  # the hub's default agency code
CITY_OFFICE, FINANCE = DEV_CITY_AGENCIES[0], DEV_CITY_AGENCIES[1]


def make_edoc(sender: str, recipient: str, subject: str) -> bytes:
    header = MessageHeader(
        from_=Organization(organ_id=sender, organ_name="Văn phòng UBND thành phố Hà Nội"),
        to=[Organization(organ_id=recipient, organ_name="Sở Kế hoạch và Đầu tư thành phố Hà Nội")],
        document_id=f"{sender},2026/12/01,512/VP-KT",
        code=Code(code_number="512", code_notation="VP-KT"),
        subject=subject,
    )
    traces = TraceHeaderList(
        trace_headers=[TraceHeader(organ_id=sender, timestamp=dt.datetime(2026, 12, 1, 9, 0, tzinfo=VN_TZ))]
    )
    pdf = Attachment(
        content_id="1",
        attachment_name="512-VP-KT.pdf",
        content_type="application/pdf",
        data=b"%PDF-1.7\n" + bytes(range(256)) * 8,
    )
    message = EdocMessage(message_header=header, trace_header_list=traces, attachments=[pdf])
    return build_edoc(message, BuildOptions(zip_attachments=True))


@dataclass
class Seen:
    received: list[DocumentReceived] = field(default_factory=list)
    sent: list[AxisSent] = field(default_factory=list)


@pytest.fixture
def nats(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(store_dir=tmp_path / "nats", name="lt-lgsp-dev").start()
    yield server
    server.stop()


@dataclass
class Office:
    hub: Hub
    module: LgspModule
    seen: Seen


@pytest.fixture
async def office(nats: NatsServer, tmp_path: Path) -> AsyncIterator[Any]:
    """Start hubs whose LGSP module has the given settings; each is stopped at the end."""
    started: list[Hub] = []

    async def start(settings: LgspSettings) -> Office:
        url = f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
        await aupgrade(url, [])
        seen = Seen()

        def observe(hub: Hub) -> None:
            @hub.consumer("test-received", "lt.doc.evt.received")
            async def received(d: Delivery) -> None:
                seen.received.append(d.payload)

            @hub.consumer("test-sent", "lt.axis.evt.sent")
            async def sent(d: Delivery) -> None:
                seen.sent.append(d.payload)

        module = LgspModule(settings)
        hub = Hub(
            Settings(data_dir=tmp_path / "data", db_url=url, retry_base_seconds=0.2, ack_wait_seconds=5.0),
            modules=[AxisDispatchModule(), module, FnModule("observe", observe)],
        )
        await hub.start([nats.url])
        started.append(hub)
        return Office(hub, module, seen)

    async def stop(hub: Hub) -> None:
        started.remove(hub)
        await hub.stop()

    start.stop = stop  # type: ignore[attr-defined]
    yield start
    for hub in reversed(started):
        await hub.stop()


def development(port: int, **kw: Any) -> LgspSettings:
    return LgspSettings(_env_file=None, simulator_port=port, poll_seconds=0.2, **kw)  # type: ignore[call-arg]


async def test_default_settings_serve_the_simulator_and_exchange_documents_through_it(
    office: Any, tmp_path: Path
) -> None:
    port = free_port()
    started: Office = await office(development(port))
    assert started.module.simulator is not None and started.module.simulator.port == port
    address = f"http://127.0.0.1:{port}/lgsp"
    async with LgspClient(address, CITY_OFFICE.organ_id, CITY_OFFICE.token, retry=FAST_RETRY) as city:
        directory = {o.organ_id for o in await city.get_organizations()}
        assert directory == {US, *(a.organ_id for a in DEV_CITY_AGENCIES)}
        receipt = await city.send_document(make_edoc(CITY_OFFICE.organ_id, US, "V/v kế hoạch đầu tư công"))

        async def received() -> bool:
            return len(started.seen.received) == 1

        assert await wait_for(received, timeout=60)
        event = started.seen.received[0]
        assert (event.axis, event.axis_doc_id, event.from_code) == (
            "lgsp",
            receipt.document_id,
            CITY_OFFICE.organ_id,
        )
        assert event.subject == "V/v kế hoạch đầu tư công"

        async def answered_01() -> bool:
            return [t.status_code for t in await city.get_traces(receipt.document_id)] == ["01"]

        assert await wait_for(answered_01, timeout=60)

    # sending: the dispatcher routes a demo city agency to the city axis, which delivers it there
    edoc = make_edoc(US, FINANCE.organ_id, "V/v góp ý dự thảo")
    claim = await started.hub.claims.put(edoc, media_type="application/xml")
    await started.hub.publish(
        "axis.send",
        AxisSendRequested(edxml=claim, to_codes=[FINANCE.organ_id], document_id="d-1"),
        source="test",
    )

    def ours() -> list[AxisSent]:
        return [e for e in started.seen.sent if e.document_id == "d-1"]

    async def sent() -> bool:
        return len(ours()) == 1

    assert await wait_for(sent, timeout=60)
    assert (ours()[0].axis, ours()[0].to_codes) == ("lgsp", [FINANCE.organ_id])
    async with LgspClient(address, FINANCE.organ_id, FINANCE.token, retry=FAST_RETRY) as finance:
        (pending,) = await finance.get_pending_document_ids(MessageType.EDOC)
        assert (await finance.get_document(pending)).content == edoc
    health = await (await started.hub.js.key_value("lt-health")).get("adapter.lgsp")  # type: ignore[union-attr]
    assert b'"successes":' in (health.value or b"")
    await office.stop(started.hub)
    assert port_is_free(port)  # the embedded simulator stopped with the hub
    assert (tmp_path / "data" / "lgsp-simulator" / "state.json").is_file()  # its store is kept


async def test_a_simulator_already_on_the_port_is_used(office: Any, tmp_path: Path) -> None:
    store = MemoryStore(development_accounts(US))
    server = SimulatorServer(store).start()
    try:
        started: Office = await office(development(server.port))
        assert started.module.simulator is None  # nothing second was started
        async with LgspClient(server.address, FINANCE.organ_id, FINANCE.token, retry=FAST_RETRY) as finance:
            await finance.send_document(make_edoc(FINANCE.organ_id, US, "V/v báo cáo quyết toán"))

        async def received() -> bool:
            return len(started.seen.received) == 1

        assert await wait_for(received, timeout=60)
    finally:
        server.stop()


@pytest.mark.parametrize(
    "real",
    [
        {"url": "http://127.0.0.1:9/lgsp", "token": SecretStr("that-of-the-city")},
        {"token": SecretStr("that-of-the-city")},
        {"inbound_accounts": SecretStr("000.00.09.H26:bi-mat:Ban Quản lý")},
        {"embed_simulator": False},
    ],
    ids=["url", "token", "inbound-accounts", "embedding-off"],
)
async def test_a_real_setting_turns_the_simulator_off(office: Any, real: dict[str, Any]) -> None:
    port = free_port()
    settings = development(port, **real)
    assert not settings.embeds_simulator
    started: Office = await office(settings)
    assert started.module.simulator is None
    assert port_is_free(port)
    service = started.module.service
    if "url" in real:
        assert service is not None and service.client is not None
        assert service.client.address == real["url"]  # the real axis, never the simulator
    elif "inbound_accounts" not in real:
        assert service is None or service.client is None  # nothing polls a simulator

"""The LGSP hub module over real servers: simulator, nats-server, SQLite; poll, answer, send."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from adapters.axis import AxisDispatchModule
from adapters.lgsp import LgspModule, LgspSettings
from adapters.lgsp.client import LgspClient
from adapters.lgsp.protocol import MessageType
from hub.embedded import NatsServer
from hub.listener import serve_in_loop
from hub.migrate import aupgrade
from hub.runtime import Delivery, Hub, wait_for
from hub.settings import Settings
from schemas.axis import AxisReceiveFailed, AxisSendRequested, AxisSent, DocumentReceived
from schemas.edxml.parse import parse_status
from tests.adapters.lgsp.conftest import FAST_RETRY, ORG_A, ORG_B, ORG_C, Simulator, edoc_from_to
from tests.support.fn_module import FnModule


@dataclass
class Seen:
    received: list[DocumentReceived] = field(default_factory=list)
    refused: list[AxisReceiveFailed] = field(default_factory=list)
    sent: list[AxisSent] = field(default_factory=list)


@pytest.fixture
def nats(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(store_dir=tmp_path / "nats", name="lt-lgsp").start()
    yield server
    server.stop()


@dataclass
class HubB:
    hub: Hub
    seen: Seen
    module: LgspModule


async def start_hub_b(module: LgspModule, nats: NatsServer, tmp_path: Path) -> HubB:
    """Start agency B's hub with the LGSP module and observers of what it publishes."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}"
    await aupgrade(url, [])
    settings = Settings(
        data_dir=tmp_path / "data",
        db_url=url,
        agency_code=ORG_B,
        agency_name="Sở Tài chính",
        retry_base_seconds=0.2,
        retry_max_seconds=1.0,
        ack_wait_seconds=5.0,
        max_deliver=3,
    )
    seen = Seen()

    def observe(hub: Hub) -> None:
        @hub.consumer("test-received", "lt.doc.evt.received")
        async def received(d: Delivery) -> None:
            seen.received.append(d.payload)

        @hub.consumer("test-refused", "lt.axis.evt.receive_failed")
        async def refused(d: Delivery) -> None:
            seen.refused.append(d.payload)

        @hub.consumer("test-sent", "lt.axis.evt.sent")
        async def sent(d: Delivery) -> None:
            seen.sent.append(d.payload)

    hub = Hub(settings, modules=[AxisDispatchModule(), module, FnModule("observe", observe)])
    await hub.start([nats.url])
    return HubB(hub, seen, module)


@pytest.fixture
async def hub_b(simulator: Simulator, nats: NatsServer, tmp_path: Path) -> AsyncIterator[HubB]:
    """Agency B's hub, connected to the city axis simulator as B."""
    module = LgspModule(
        LgspSettings(url=simulator.address, organ_id=ORG_B, token="token-b", poll_seconds=0.1)
    )
    started = await start_hub_b(module, nats, tmp_path)
    try:
        yield started
    finally:
        await started.hub.stop()


@pytest.fixture
async def pushed_hub(nats: NatsServer, tmp_path: Path) -> AsyncIterator[tuple[HubB, str]]:
    """Agency B's hub without the city axis, serving its own LGSP endpoint to agency C."""
    settings = LgspSettings(inbound_accounts=SecretStr(f"{ORG_C}:token-c:Sở Xây dựng"))
    started = await start_hub_b(LgspModule(settings), nats, tmp_path)
    assert started.module.router() is None  # nothing behind the staff login
    router = started.module.public_router()
    assert router is not None
    app = FastAPI()
    app.include_router(router, prefix="/public")  # as the portal mounts public routers
    try:
        async with serve_in_loop(app) as url:  # the hub's loop, as the portal does
            yield started, url + "/public/lgsp"
    finally:
        await started.hub.stop()


async def _status_for(client: LgspClient) -> list[Any]:
    ids = await client.get_pending_document_ids(MessageType.STATUS)
    return [parse_status((await client.get_document(i)).content) for i in ids]


async def test_document_from_the_city_axis_reaches_the_bus_and_is_answered_01(
    simulator: Simulator, hub_b: HubB, client_a: LgspClient
) -> None:
    edoc = edoc_from_to(ORG_A, ORG_B)
    receipt = await client_a.send_document(edoc)

    async def received() -> bool:
        return len(hub_b.seen.received) == 1

    assert await wait_for(received)
    event = hub_b.seen.received[0]
    assert (event.axis, event.axis_doc_id, event.from_code) == ("lgsp", receipt.document_id, ORG_A)
    assert event.subject == "V/v kết nối, liên thông phần mềm quản lý văn bản"
    assert await hub_b.hub.claims.get(event.edxml) == edoc
    (attachment,) = event.attachments
    # the shared axis intake names an attachment by its AttachmentName (the zip entry name only when
    # there is none), for both axes; the sample zips it as 32da2890-...-cd0d98559e67.edxml
    assert attachment.name == "1896_QD-TTg_m_294779.doc"
    assert len(await hub_b.hub.claims.get(attachment.claim)) == attachment.size

    statuses: list[Any] = []

    async def answered() -> bool:
        statuses.extend(await _status_for(client_a))
        return bool(statuses)

    assert await wait_for(answered)
    (status,) = statuses
    assert status.status_code.value == "01"
    assert status.from_.organ_id == ORG_B
    assert status.response_for.document_id == event.document_id
    traces = await client_a.get_traces(receipt.document_id)
    assert [(t.organ_id, t.status_code) for t in traces] == [(ORG_B, "01")]
    assert simulator.store.pending(ORG_B) == []


async def test_invalid_document_is_refused_with_a_02_status(
    simulator: Simulator, hub_b: HubB, client_a: LgspClient
) -> None:
    broken = (
        edoc_from_to(ORG_A, ORG_B)
        .replace(b"<edXML:Subject>", b"<edXML:Topic>")
        .replace(b"</edXML:Subject>", b"</edXML:Topic>")
    )
    receipt = await client_a.send_document(broken)

    async def refused() -> bool:
        return len(hub_b.seen.refused) == 1

    assert await wait_for(refused)
    failure = hub_b.seen.refused[0]
    assert (failure.axis, failure.axis_doc_id, failure.from_code) == ("lgsp", receipt.document_id, ORG_A)
    assert failure.rejection_sent
    assert "Subject" in failure.reason
    assert hub_b.seen.received == []

    statuses: list[Any] = []

    async def answered() -> bool:
        statuses.extend(await _status_for(client_a))
        return bool(statuses)

    assert await wait_for(answered)
    assert statuses[0].status_code.value == "02"
    assert "Từ chối không tiếp nhận" in (statuses[0].description or "")
    traces = await client_a.get_traces(receipt.document_id)
    assert [t.status_code for t in traces] == ["02"]


async def test_send_command_goes_to_city_recipients_only(
    simulator: Simulator, hub_b: HubB, client_a: LgspClient
) -> None:
    edoc = edoc_from_to(ORG_B, ORG_A)
    claim = await hub_b.hub.claims.put(edoc, media_type="application/xml")
    national_only = "000.00.00.G22"
    await hub_b.hub.publish(
        "axis.send",
        AxisSendRequested(edxml=claim, to_codes=[ORG_A, national_only], document_id="doc-1"),
        source="test",
    )
    await hub_b.hub.publish(
        "axis.send",
        AxisSendRequested(edxml=claim, to_codes=[national_only], document_id="doc-2"),
        source="test",
    )

    async def sent() -> bool:
        return len(hub_b.seen.sent) >= 1

    assert await wait_for(sent)
    (event,) = hub_b.seen.sent
    assert (event.axis, event.to_codes, event.document_id) == ("lgsp", [ORG_A], "doc-1")
    (pending,) = await client_a.get_pending_document_ids(MessageType.EDOC)
    assert pending == event.sender_doc_id
    assert (await client_a.get_document(pending)).content == edoc


async def test_agency_pushing_to_our_endpoint_gets_01_or_02_and_can_pull_the_status(
    pushed_hub: tuple[HubB, str],
) -> None:
    hub_b, address = pushed_hub
    async with LgspClient(address, ORG_C, "token-c", retry=FAST_RETRY) as agency_c:
        receipt = await agency_c.send_document(edoc_from_to(ORG_C, ORG_B))
        assert receipt.status is not None
        assert receipt.status.status_code == "01"
        assert [e.axis_doc_id for e in hub_b.seen.received] in ([], [receipt.document_id])

        refused = await agency_c.send_document(b"<edXML/>")
        assert refused.status is not None
        assert refused.status.status_code == "02"

        statuses: list[Any] = []

        async def both_answers_queued() -> bool:
            statuses.clear()
            statuses.extend(await _status_for(agency_c))
            return len(statuses) == 2

        assert await wait_for(both_answers_queued)
        assert sorted(s.status_code.value for s in statuses) == ["01", "02"]
        assert {s.from_.organ_id for s in statuses} == {ORG_B}
        assert [(t.organ_id, t.status_code) for t in await agency_c.get_traces(refused.document_id)] == [
            (ORG_B, "02")
        ]

    async def events() -> bool:
        return len(hub_b.seen.received) == 1 and len(hub_b.seen.refused) == 1 and len(hub_b.seen.sent) == 2

    assert await wait_for(events)
    assert hub_b.seen.received[0].from_code == ORG_C
    assert hub_b.seen.refused[0].rejection_sent
    assert {tuple(e.to_codes) for e in hub_b.seen.sent} == {(ORG_C,)}


def test_module_is_inactive_without_an_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIENTHONG_LGSP_URL", raising=False)
    import adapters.lgsp

    assert adapters.lgsp.module.name == "lgsp"
    assert not LgspSettings().enabled

"""The hub's inbound LGSP endpoint: accepted pushes reach the bus callable, refused ones get a 02 status."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field

import pytest

from adapters.lgsp.api import create_inbound_app
from adapters.lgsp.client import LgspClient
from adapters.lgsp.errors import LgspAuthenticationError, LgspNotFoundError, LgspTransientError
from adapters.lgsp.protocol import MessageType, StatusInfo, Trace, TraceUpdate
from adapters.lgsp.push import InboundBackend, InboundDocument, Rejection
from adapters.lgsp.store import MemoryStore, OrganizationAccount
from hub.listener import serve_in_thread
from schemas.edxml.models import EdocMessage
from tests.adapters.lgsp.conftest import FAST_RETRY, ORG_B, ORG_C, TOKENS, edoc_from_to, status_from_to

HUB = "000.00.10.H26"
PARTNERS = [
    OrganizationAccount(organ_id=ORG_B, token=TOKENS[ORG_B], name="Sở Tài chính"),
    OrganizationAccount(organ_id=ORG_C, token=TOKENS[ORG_C], name="Sở Xây dựng"),
]


@dataclass
class Bus:
    """Stands in for the bus layer: records what the endpoint hands over."""

    delivered: list[InboundDocument] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    traces: list[tuple[str, list[Trace]]] = field(default_factory=list)
    fail_next_delivery: bool = False

    answer: StatusInfo | None = None

    async def deliver(self, document: InboundDocument) -> StatusInfo | None:
        if self.fail_next_delivery:
            self.fail_next_delivery = False
            raise OSError("object store unreachable")
        self.delivered.append(document)
        return self.answer

    async def on_rejected(self, rejection: Rejection) -> None:
        self.rejected.append(rejection)

    async def on_traces(self, caller: str, traces: Sequence[Trace]) -> None:
        self.traces.append((caller, list(traces)))


@dataclass
class Inbound:
    address: str
    backend: InboundBackend
    bus: Bus


@pytest.fixture
def inbound() -> Iterator[Inbound]:
    bus = Bus()
    backend = InboundBackend(
        HUB, MemoryStore(PARTNERS), bus.deliver, on_rejected=bus.on_rejected, on_traces=bus.on_traces
    )
    with serve_in_thread(create_inbound_app(backend)) as url:
        yield Inbound(url + "/lgsp", backend, bus)


@pytest.fixture
async def agency_b(inbound: Inbound) -> AsyncIterator[LgspClient]:
    async with LgspClient(inbound.address, ORG_B, TOKENS[ORG_B], retry=FAST_RETRY) as client:
        yield client


async def test_valid_document_is_handed_to_the_bus_unchanged(inbound: Inbound, agency_b: LgspClient) -> None:
    edoc = edoc_from_to(ORG_B, HUB)
    receipt = await agency_b.send_document(edoc)
    assert receipt.status is None
    assert receipt.receiver_ids == (HUB,)
    (delivered,) = inbound.bus.delivered
    assert delivered.content == edoc
    assert (delivered.sender_id, delivered.transport_id) == (ORG_B, receipt.document_id)
    assert isinstance(delivered.parsed, EdocMessage)
    assert inbound.bus.rejected == []

    inbound.backend.record_trace(receipt.document_id, "01", "Đã đến")
    traces = await agency_b.get_traces(receipt.document_id)
    assert [(t.organ_id, t.status_code) for t in traces] == [(HUB, "01")]


async def test_status_given_by_the_bus_layer_is_returned_and_traced(
    inbound: Inbound, agency_b: LgspClient
) -> None:
    inbound.bus.answer = StatusInfo(status_code="01", description="Đã đến")
    receipt = await agency_b.send_document(edoc_from_to(ORG_B, HUB))
    assert receipt.status == inbound.bus.answer
    traces = await agency_b.get_traces(receipt.document_id)
    assert [(t.organ_id, t.status_code, t.description) for t in traces] == [(HUB, "01", "Đã đến")]


async def test_status_message_is_accepted(inbound: Inbound, agency_b: LgspClient) -> None:
    receipt = await agency_b.send_document(
        status_from_to(ORG_B, HUB, "status_acceptance_03.edxml"), MessageType.STATUS
    )
    assert receipt.status is None
    assert inbound.bus.delivered[0].message_type is MessageType.STATUS


@pytest.mark.parametrize(
    ("content", "reason", "told"),
    [
        (b"<edXML xmlns='http://www.mic.gov.vn/TBT/QCVN_102_2016'/>", "MessageHeader", "đúng loại"),
        (b"not xml at all", "well-formed", "không phải là XML hợp lệ"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><edXML>&e;</edXML>',
            "DOCTYPE",
            "DOCTYPE",
        ),
        (
            edoc_from_to(ORG_B, HUB).replace(b"<edXML:Subject>", b"<edXML:Subjectx>", 1),
            "well-formed",
            "không phải là XML hợp lệ",
        ),
        (edoc_from_to(ORG_C, HUB), "is not the authenticated organisation", "không khớp với cơ quan gửi"),
    ],
    ids=["no-header", "not-xml", "xxe", "broken-tag", "impersonation"],
)
async def test_refused_document_gets_a_02_rejection_status(
    inbound: Inbound, agency_b: LgspClient, content: bytes, reason: str, told: str
) -> None:
    """The sender reads why in Vietnamese; the operator keeps the technical reason."""
    receipt = await agency_b.send_document(content)
    assert receipt.status is not None
    assert receipt.status.status_code == "02"
    assert receipt.status.description is not None
    assert receipt.status.description.startswith("Văn thư - Phòng Văn thư - Lưu trữ: Từ chối không tiếp nhận")
    assert told in receipt.status.description
    assert reason not in receipt.status.description or reason == "DOCTYPE"  # no English for the sender
    assert inbound.bus.delivered == []
    (rejection,) = inbound.bus.rejected
    assert (rejection.sender_id, rejection.transport_id) == (ORG_B, receipt.document_id)
    assert rejection.content == content
    assert reason in rejection.reason
    traces = await agency_b.get_traces(receipt.document_id)
    assert [(t.organ_id, t.status_code) for t in traces] == [(HUB, "02")]


async def test_storage_failure_is_a_server_fault_and_the_retry_succeeds(
    inbound: Inbound, agency_b: LgspClient
) -> None:
    inbound.bus.fail_next_delivery = True
    edoc = edoc_from_to(ORG_B, HUB)
    with pytest.raises(LgspTransientError, match="send it again later") as caught:
        await agency_b.send_document(edoc)
    assert caught.value.code == "STORE_FAILED"
    assert "object store" not in caught.value.message
    receipt = await agency_b.send_document(edoc)
    assert [d.transport_id for d in inbound.bus.delivered] == [receipt.document_id]


async def test_messages_queued_for_an_agency_are_pulled_confirmed_and_traced(
    inbound: Inbound, agency_b: LgspClient
) -> None:
    status = status_from_to(HUB, ORG_B)
    transport_id = await inbound.backend.enqueue(ORG_B, status, MessageType.STATUS)
    assert await agency_b.get_pending_document_ids() == [transport_id]
    assert (await agency_b.get_document(transport_id)).content == status
    await agency_b.confirm_received(transport_id)
    assert await agency_b.get_pending_document_ids() == []
    assert await agency_b.update_traces([TraceUpdate(document_id=transport_id, status_code="01")]) == 1
    ((caller, traces),) = inbound.bus.traces
    assert caller == ORG_B
    assert [(t.document_id, t.status_code) for t in traces] == [(transport_id, "01")]
    async with LgspClient(inbound.address, ORG_C, TOKENS[ORG_C], retry=FAST_RETRY) as agency_c:
        with pytest.raises(LgspNotFoundError):
            await agency_c.get_document(transport_id)


async def test_unknown_agency_is_refused(inbound: Inbound) -> None:
    async with LgspClient(inbound.address, "000.00.99.H26", "guess", retry=FAST_RETRY) as stranger:
        with pytest.raises(LgspAuthenticationError):
            await stranger.send_document(edoc_from_to("000.00.99.H26", HUB))
    assert inbound.bus.delivered == []
    assert inbound.bus.rejected == []

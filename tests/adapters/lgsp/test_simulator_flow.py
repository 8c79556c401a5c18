"""End to end over real HTTP: zeep client against the LGSP simulator."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from adapters.lgsp.client import LgspClient
from adapters.lgsp.errors import (
    LgspAuthenticationError,
    LgspNotFoundError,
    LgspPermanentError,
    LgspTransientError,
)
from adapters.lgsp.protocol import MessageType, TraceUpdate
from adapters.lgsp.simulator import create_app
from adapters.lgsp.store import MemoryStore
from hub.listener import serve_in_thread
from kit.resilience import RetryPolicy
from tests.adapters.lgsp.conftest import (
    ACCOUNTS,
    ORG_A,
    ORG_B,
    ORG_C,
    Simulator,
    edoc_from_to,
    status_from_to,
)


async def test_document_travels_from_a_to_b_and_traces_come_back(
    simulator: Simulator, client_a: LgspClient, client_b: LgspClient
) -> None:
    edoc = edoc_from_to(ORG_A, ORG_B)

    receipt = await client_a.send_document(edoc)
    assert receipt.receiver_ids == (ORG_B,)
    assert receipt.status is None

    assert await client_b.get_pending_document_ids() == [receipt.document_id]
    document = await client_b.get_document(receipt.document_id)
    assert document.content == edoc
    assert document.sender_id == ORG_A
    assert document.message_type is MessageType.EDOC
    assert document.sent_at.tzinfo is not None

    await client_b.confirm_received(receipt.document_id)
    assert await client_b.get_pending_document_ids() == []
    assert await client_a.get_pending_document_ids() == []

    accepted = await client_b.update_traces(
        [
            TraceUpdate(document_id=receipt.document_id, status_code="01", description="Đã đến"),
            TraceUpdate(document_id=receipt.document_id, status_code="03", description="Tiếp nhận, vào sổ"),
        ]
    )
    assert accepted == 2
    traces = await client_a.get_traces(receipt.document_id)
    assert [(t.organ_id, t.status_code, t.description) for t in traces] == [
        (ORG_B, "01", "Đã đến"),
        (ORG_B, "03", "Tiếp nhận, vào sổ"),
    ]


async def test_status_message_is_routed_to_the_original_sender(
    client_a: LgspClient, client_b: LgspClient
) -> None:
    status = status_from_to(ORG_B, ORG_A)
    receipt = await client_b.send_document(status, MessageType.STATUS)
    assert receipt.receiver_ids == (ORG_A,)
    assert await client_a.get_pending_document_ids(MessageType.EDOC) == []
    assert await client_a.get_pending_document_ids(MessageType.STATUS) == [receipt.document_id]
    assert (await client_a.get_document(receipt.document_id)).content == status


async def test_explicit_receivers_override_the_edxml(simulator: Simulator, client_a: LgspClient) -> None:
    receipt = await client_a.send_document(edoc_from_to(ORG_A, ORG_B), receiver_ids=[ORG_B, ORG_C])
    assert receipt.receiver_ids == (ORG_B, ORG_C)
    async with simulator.client(ORG_C) as client_c:
        assert await client_c.get_pending_document_ids() == [receipt.document_id]


async def test_a_third_organisation_cannot_read_the_document(
    simulator: Simulator, client_a: LgspClient
) -> None:
    receipt = await client_a.send_document(edoc_from_to(ORG_A, ORG_B))
    async with simulator.client(ORG_C) as client_c:
        with pytest.raises(LgspNotFoundError, match=receipt.document_id):
            await client_c.get_document(receipt.document_id)
        with pytest.raises(LgspNotFoundError):
            await client_c.get_traces(receipt.document_id)


async def test_wrong_token_is_a_permanent_authentication_error(
    simulator: Simulator, client_a: LgspClient
) -> None:
    async with simulator.client(ORG_A, token="not-the-token") as intruder:
        with pytest.raises(LgspAuthenticationError) as caught:
            await intruder.get_pending_document_ids()
    assert isinstance(caught.value, LgspPermanentError)
    assert caught.value.code == "AUTHENTICATION_FAILED"
    assert ORG_A in caught.value.message
    # a refused call is the caller's fault: the breaker stays closed and the server keeps serving
    assert intruder.breaker.failure_rate() == 0.0
    assert len(await client_a.get_organizations()) == 3


async def test_sender_cannot_pretend_to_be_someone_else(client_a: LgspClient) -> None:
    with pytest.raises(LgspPermanentError, match=r"From/OrganId 000\.00\.02\.H26") as caught:
        await client_a.send_document(edoc_from_to(ORG_B, ORG_C))
    assert caught.value.code == "SENDER_MISMATCH"


async def test_unknown_receiver_and_unroutable_content_are_refused(client_a: LgspClient) -> None:
    with pytest.raises(LgspPermanentError, match=r"unknown receiver.*000\.00\.09\.H26") as caught:
        await client_a.send_document(edoc_from_to(ORG_A, "000.00.09.H26"))
    assert caught.value.code == "UNKNOWN_RECEIVER"
    with pytest.raises(LgspPermanentError, match="not a routable edXML") as caught:
        await client_a.send_document(b"this is not XML", receiver_ids=[ORG_B])
    assert caught.value.code == "INVALID_CONTENT"


async def test_organisations_directory(client_b: LgspClient) -> None:
    everyone = await client_b.get_organizations()
    assert [o.organ_id for o in everyone] == [ORG_A, ORG_B, ORG_C]
    (finance,) = await client_b.get_organizations(ORG_B)
    assert finance.name == "Sở Tài chính"
    assert finance.parent_id == ORG_A


async def test_large_document_survives_the_round_trip(client_a: LgspClient, client_b: LgspClient) -> None:
    # more than libxml2's 10 MB text-node limit once base64-encoded, on both sides
    padding = b"<!--" + b"x" * (9 * 1024 * 1024) + b"-->"
    edoc = edoc_from_to(ORG_A, ORG_B) + padding
    receipt = await client_a.send_document(edoc)
    assert (await client_b.get_document(receipt.document_id)).content == edoc


async def test_unreachable_endpoint_is_transient_after_retries() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    policy = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.01)
    async with LgspClient(f"http://127.0.0.1:{port}/lgsp", ORG_A, "token-a", retry=policy) as client:
        with pytest.raises(LgspTransientError) as caught:
            await client.get_pending_document_ids()
        assert caught.value.code == "CONNECT_FAILED"
        assert client.breaker.snapshot().calls_in_window == 3


async def test_simulator_persists_its_store_across_restarts(tmp_path: Path) -> None:
    edoc = edoc_from_to(ORG_A, ORG_B)
    with serve_in_thread(create_app(MemoryStore(ACCOUNTS, tmp_path))) as url:
        async with Simulator(url, MemoryStore()).client(ORG_A) as client_a:
            receipt = await client_a.send_document(edoc)
    with serve_in_thread(create_app(MemoryStore(data_dir=tmp_path))) as url:
        async with Simulator(url, MemoryStore()).client(ORG_B) as client_b:
            assert await client_b.get_pending_document_ids() == [receipt.document_id]
            assert (await client_b.get_document(receipt.document_id)).content == edoc

"""A send whose reply is lost after the city axis stored it is not stored twice (simulator faults)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.lgsp.client import LgspClient
from adapters.lgsp.errors import LgspTransientError
from adapters.lgsp.faults import Faults, FaultSpec
from adapters.lgsp.simulator import create_app
from adapters.lgsp.store import MemoryStore
from hub.listener import serve_in_thread
from tests.adapters.lgsp.conftest import ACCOUNTS, FAST_RETRY, ORG_A, ORG_B, TOKENS, Simulator, edoc_from_to


@pytest.fixture
def faulty() -> Iterator[tuple[Simulator, Faults]]:
    """A simulator whose replies can be spoiled."""
    store, faults = MemoryStore(ACCOUNTS), Faults()
    with serve_in_thread(create_app(store, faults=faults)) as url:
        yield Simulator(url, store), faults


def _client(sim: Simulator, timeout: float = 30) -> LgspClient:
    return LgspClient(sim.address, ORG_A, TOKENS[ORG_A], retry=FAST_RETRY, operation_timeout=timeout)


@pytest.mark.parametrize(
    "fault",
    [
        FaultSpec(after_processing=True, drop_connection=True, operations=["SendDocument"], count=1),
        FaultSpec(after_processing=True, status_code=504, operations=["SendDocument"], count=1),
        FaultSpec(after_processing=True, delay_seconds=2.0, operations=["SendDocument"], count=1),
    ],
    ids=["store-then-drop", "store-then-504", "answer-late"],
)
async def test_lost_reply_leaves_exactly_one_copy(faulty: tuple[Simulator, Faults], fault: FaultSpec) -> None:
    sim, faults = faulty
    faults.set(fault)
    async with _client(sim, timeout=1.0) as client:
        receipt = await client.send_document(edoc_from_to(ORG_A, ORG_B), idempotency_key="cmd-1")
        again = await client.send_document(edoc_from_to(ORG_A, ORG_B), idempotency_key="cmd-1")
    assert faults.injected == 1
    assert [d.document_id for d in sim.store.sent_by(ORG_A)] == [receipt.document_id]
    assert again.document_id == receipt.document_id
    assert sim.store.pending(ORG_B) == [receipt.document_id]


async def test_without_a_key_a_lost_reply_is_not_retried(faulty: tuple[Simulator, Faults]) -> None:
    sim, faults = faulty
    faults.set(FaultSpec(after_processing=True, drop_connection=True, operations=["SendDocument"], count=1))
    async with _client(sim) as client:
        with pytest.raises(LgspTransientError):
            await client.send_document(edoc_from_to(ORG_A, ORG_B))
    assert len(sim.store.sent_by(ORG_A)) == 1  # stored once, and the client did not send it again


async def test_keys_belong_to_their_sender_and_other_keys_are_other_documents(
    faulty: tuple[Simulator, Faults],
) -> None:
    sim, _ = faulty
    async with _client(sim) as a, sim.client(ORG_B) as b:
        first = await a.send_document(edoc_from_to(ORG_A, ORG_B), idempotency_key="k1")
        second = await a.send_document(edoc_from_to(ORG_A, ORG_B), idempotency_key="k2")
        by_b = await b.send_document(edoc_from_to(ORG_B, ORG_A), idempotency_key="k1")
    assert len({first.document_id, second.document_id, by_b.document_id}) == 3
    assert len(sim.store.sent_by(ORG_A)) == 2
    assert sim.store.pending(ORG_A) == [by_b.document_id]

"""Fixtures for the LGSP tests: organisations, edXML samples addressed to them, a running simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest

from adapters.lgsp.client import LgspClient
from adapters.lgsp.simulator import SERVICE_PATH, create_app
from adapters.lgsp.store import MemoryStore, OrganizationAccount
from hub.listener import serve_in_thread
from kit.resilience import RetryPolicy
from tests.paths import official_sample

ORG_A = "000.00.01.H26"
ORG_B = "000.00.02.H26"
ORG_C = "000.00.03.H26"
ACCOUNTS = [
    OrganizationAccount(organ_id=ORG_A, token="token-a", name="Văn phòng UBND Thành phố"),
    OrganizationAccount(organ_id=ORG_B, token="token-b", name="Sở Tài chính", parent_id=ORG_A),
    OrganizationAccount(organ_id=ORG_C, token="token-c", name="Sở Xây dựng", parent_id=ORG_A),
]
TOKENS = {a.organ_id: a.token for a in ACCOUNTS}
FAST_RETRY = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.02)


def edoc_from_to(sender: str = ORG_A, receiver: str = ORG_B) -> bytes:
    """Return the official new-document sample with From and To replaced."""
    data = official_sample("edoc_new.edxml")
    return data.replace(b"002.00.20.H13", sender.encode()).replace(b"28.22.H17", receiver.encode())


def status_from_to(
    sender: str = ORG_B, receiver: str = ORG_A, name: str = "status_rejection_02.edxml"
) -> bytes:
    """Return an official status sample sent by `sender` about a document of `receiver`."""
    data = official_sample(name)
    return data.replace(b"000.00.00.H41", sender.encode()).replace(b"000.00.00.G22", receiver.encode())


@dataclass
class Simulator:
    """A running simulator: its base URL, SOAP address and store."""

    base_url: str
    store: MemoryStore

    @property
    def address(self) -> str:
        return self.base_url + SERVICE_PATH

    def client(self, organ_id: str, token: str | None = None) -> LgspClient:
        return LgspClient(
            self.address, organ_id, token or TOKENS[organ_id], retry=FAST_RETRY, operation_timeout=30
        )


MAX_REQUEST_BYTES = 32 * 1024 * 1024


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    """A simulator with organisations A, B and C on a free port (in memory)."""
    store = MemoryStore(ACCOUNTS)
    with serve_in_thread(create_app(store, max_request_bytes=MAX_REQUEST_BYTES)) as url:
        yield Simulator(url, store)


@pytest.fixture
async def client_a(simulator: Simulator) -> AsyncIterator[LgspClient]:
    async with simulator.client(ORG_A) as client:
        yield client


@pytest.fixture
async def client_b(simulator: Simulator) -> AsyncIterator[LgspClient]:
    async with simulator.client(ORG_B) as client:
        yield client

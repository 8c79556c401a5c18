"""Backend failures become Server faults (transient for the client) without leaking internals."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import httpx
import pytest
from fastapi import FastAPI

from adapters.lgsp.client import LgspClient
from adapters.lgsp.errors import LgspTransientError
from adapters.lgsp.protocol import (
    Document,
    Organization,
    PendingQuery,
    SendReceipt,
    SendRequest,
    Trace,
    TraceUpdate,
)
from adapters.lgsp.soap_server import SoapEndpoint
from hub.listener import serve_in_thread
from tests.adapters.lgsp.conftest import FAST_RETRY, ORG_A, ORG_B, edoc_from_to


class BrokenBackend:
    """Authenticates everyone, then fails: with a bug (RuntimeError) or a declared outage."""

    def __init__(self) -> None:
        self.calls = 0

    async def authenticate(self, organ_id: str, token: str) -> bool:
        return True

    async def send_document(self, caller: str, request: SendRequest) -> SendReceipt:
        self.calls += 1
        raise LgspTransientError("document store is unavailable", "STORE_DOWN")

    async def get_pending_document_ids(self, caller: str, query: PendingQuery) -> list[str]:
        self.calls += 1
        raise RuntimeError("secret database password is hunter2")

    async def get_document(self, caller: str, document_id: str) -> Document:
        raise NotImplementedError

    async def confirm_received(self, caller: str, document_id: str) -> None:
        raise NotImplementedError

    async def update_traces(self, caller: str, traces: Sequence[TraceUpdate]) -> int:
        raise NotImplementedError

    async def get_traces(self, caller: str, document_id: str) -> list[Trace]:
        raise NotImplementedError

    async def get_organizations(self, caller: str, organ_id: str | None) -> list[Organization]:
        return [Organization(organ_id=ORG_A, name="Văn phòng")]


@pytest.fixture
def broken() -> Iterator[tuple[str, BrokenBackend]]:
    backend = BrokenBackend()
    app = FastAPI()
    app.include_router(SoapEndpoint(backend).router("/soap"))
    with serve_in_thread(app) as url:
        yield url + "/soap", backend


async def test_unexpected_error_is_a_generic_server_fault_and_idempotent_calls_are_retried(
    broken: tuple[str, BrokenBackend],
) -> None:
    address, backend = broken
    async with LgspClient(address, ORG_B, "x", retry=FAST_RETRY) as client:
        with pytest.raises(LgspTransientError) as caught:
            await client.get_pending_document_ids()
    assert caught.value.code == "INTERNAL_ERROR"
    assert caught.value.message == "internal server error"
    assert backend.calls == FAST_RETRY.attempts


async def test_declared_outage_is_a_server_fault_and_send_is_not_retried(
    broken: tuple[str, BrokenBackend],
) -> None:
    address, backend = broken
    async with LgspClient(address, ORG_A, "x", retry=FAST_RETRY) as client:
        with pytest.raises(LgspTransientError, match="document store is unavailable") as caught:
            await client.send_document(edoc_from_to())
        assert caught.value.code == "STORE_DOWN"
        assert backend.calls == 1  # the server may have stored it: a blind resend could duplicate
        assert len(await client.get_organizations()) == 1  # and the server still answers


def test_server_fault_body_never_contains_a_stack_trace(broken: tuple[str, BrokenBackend]) -> None:
    address, _ = broken
    envelope = (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:l="urn:lienthong:lgsp:v1">'
        "<s:Header><l:Credentials><l:OrganId>000.00.01.H26</l:OrganId><l:Token>x</l:Token></l:Credentials>"
        "</s:Header><s:Body><l:GetPendingDocumentIdsRequest/></s:Body></s:Envelope>"
    )
    response = httpx.post(address, content=envelope.encode())
    assert response.status_code == 500
    assert "faultcode>soap:Server<" in response.text
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text

"""The simulator refuses badly signed requests with a FAIL reply; the client does not retry them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from adapters.vdxp import VdxpRejectedError
from adapters.vdxp.auth import sign_request
from adapters.vdxp.simulator import SimulatorServer
from tests.adapters.vdxp.conftest import HANOI, SYSTEMS, VPCP, ClientFactory, Sleeps
from tests.adapters.vdxp.samples import edoc


async def test_wrong_secret_is_refused_once_without_retries(
    make_client: ClientFactory, sleeps: Sleeps
) -> None:
    client = make_client("vxp.hanoi.skhdt", secret="not-the-secret")
    with pytest.raises(VdxpRejectedError) as caught:
        await client.get_received_edoc_list()
    error = caught.value
    assert error.error_code == "AUTH_BAD_SIGNATURE"
    assert error.is_auth_error
    assert "vxp.hanoi.skhdt" in error.error_desc
    assert sleeps.delays == []
    assert client.health().state == "closed"  # a refusal is not an outage


async def test_unknown_system_is_named(make_client: ClientFactory) -> None:
    with pytest.raises(VdxpRejectedError) as caught:
        await make_client("vxp.unknown", secret="x").get_agencies_list()
    assert caught.value.error_code == "AUTH_UNKNOWN_SYSTEM"
    assert "vxp.unknown" in caught.value.error_desc


async def test_stale_timestamp_is_refused(make_client: ClientFactory) -> None:
    late = make_client("vxp.vpcp", now=lambda: datetime.now(UTC) - timedelta(hours=1))
    with pytest.raises(VdxpRejectedError) as caught:
        await late.get_received_edoc_list()
    assert caught.value.error_code == "AUTH_STALE_TIMESTAMP"


async def _post(url: str, path: str, headers: dict[str, str], body: bytes) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url) as http:
        return await http.post(path, headers=headers, content=body)


def _send_headers(body: bytes, **overrides: str) -> dict[str, str]:
    headers = sign_request(
        "vxp.hanoi.skhdt",
        SYSTEMS["vxp.hanoi.skhdt"]["secret"],
        [("from", HANOI), ("servicetype", "eDoc"), ("messagetype", "edoc"), ("to", f'["{VPCP}"]')],
        content_type="application/octet-stream",
        body=body,
    )
    headers.update(overrides)
    return headers


async def test_tampered_header_gets_a_fail_reply_naming_the_header(simulator: SimulatorServer) -> None:
    body = edoc(HANOI, [VPCP])
    response = await _post(simulator.url, "/sendEdoc", _send_headers(body, **{"XroadVnpt-to": '["x"]'}), body)
    assert response.status_code == 401
    reply = response.json()
    assert reply["status"] == "FAIL"
    assert reply["ErrorCode"] == "AUTH_HEADER_MISMATCH"
    assert "XroadVnpt-to" in reply["ErrorDesc"]


async def test_changed_body_is_refused_by_its_hash(simulator: SimulatorServer) -> None:
    body = edoc(HANOI, [VPCP])
    response = await _post(simulator.url, "/sendEdoc", _send_headers(body), edoc(HANOI, [VPCP], "Khác"))
    reply = response.json()
    assert (reply["status"], reply["ErrorCode"]) == ("FAIL", "AUTH_HASH_MISMATCH")
    assert "SHA-256" in reply["ErrorDesc"]


async def test_correct_raw_request_like_the_java_sdk_is_accepted(simulator: SimulatorServer) -> None:
    body = edoc(HANOI, [VPCP])
    response = await _post(simulator.url, "/sendEdoc", _send_headers(body), body)
    reply = response.json()
    assert (response.status_code, reply["status"]) == (200, "OK")
    assert reply["DocId"]


async def test_a_replayed_send_is_refused(simulator: SimulatorServer) -> None:
    body = edoc(HANOI, [VPCP])
    headers = _send_headers(body)
    first = await _post(simulator.url, "/sendEdoc", headers, body)
    replayed = await _post(simulator.url, "/sendEdoc", headers, body)
    assert first.json()["status"] == "OK"
    assert (replayed.status_code, replayed.json()["ErrorCode"]) == (401, "AUTH_REPLAYED")
    assert len(simulator.simulator.store.state.documents) == 1

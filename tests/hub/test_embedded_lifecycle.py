"""The embedded NATS server lives and dies with the office that owns it.

A real office process starts its embedded server and is SIGKILLed, leaving the server running (it has
its own session). The next start must stop that orphan, keep its port and never run two servers on
one store; while the owner lives, a second office on the same data folder is refused.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from hub.embedded import NatsServerError, embedded_server, free_port

OFFICE = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from hub.embedded import embedded_server
    server = embedded_server(Path(sys.argv[1]), int(sys.argv[2])).start()
    print("READY", server.port, server.process.pid, flush=True)
    time.sleep(600)
    """
)


def servers_on(store: Path) -> list[int]:
    """Pids of every nats-server process whose command line names `store`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if args and args[0].endswith(b"nats-server") and str(store).encode() in args:
            found.append(int(entry.name))
    return found


def start_office(data: Path, port: int) -> tuple[subprocess.Popen[str], int, int]:
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-c", OFFICE, str(data), str(port)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert proc.stdout is not None
    for line in proc.stdout:  # the office logs to stdout too
        if line.startswith("READY "):
            _, port, pid = line.split()
            return proc, int(port), int(pid)
    raise AssertionError("the office did not start its embedded server")


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc to see the processes")
def test_a_killed_office_leaves_no_second_server_and_keeps_its_port(tmp_path: Path) -> None:
    data = tmp_path / "data"
    office, port, orphan = start_office(data, free_port())
    try:
        # a second office on the same data folder while the first one lives: refused, nothing started
        with pytest.raises(NatsServerError, match="belongs to a running office"):
            embedded_server(data)
        assert servers_on(data / "nats") == [orphan]

        office.send_signal(signal.SIGKILL)
        office.wait()
        assert servers_on(data / "nats") == [orphan], "the orphan should have outlived its office"

        server = embedded_server(data).start()
        try:
            assert server.port == port
            assert servers_on(data / "nats") == [server.process.pid if server.process else -1]
            assert orphan not in servers_on(data / "nats")
        finally:
            server.stop()
        assert servers_on(data / "nats") == []
        assert not (data / "nats" / "owner.json").exists()
    finally:
        office.kill()
        for pid in servers_on(data / "nats"):
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)

"""A SIGTERM stops the whole office within a bounded time, even while it is stuck calling a slow axis,
and leaves no NATS server behind on its store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from hub.embedded import free_port
from tests.hub.test_embedded_lifecycle import servers_on
from tests.lienthong.test_up import ROOT, _wait_healthy

# uses the default development ports: one after the other on one pytest-xdist worker
pytestmark = pytest.mark.xdist_group("default-ports")

STOP_TIMEOUT = 3


def test_sigterm_stops_within_the_bound_while_the_axis_hangs(tmp_path: Path) -> None:
    data = tmp_path / "data"
    portal = free_port()
    log = tmp_path / "up.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIENTHONG_")}
    env |= {
        "LIENTHONG_DATA_DIR": str(data),
        "LIENTHONG_PORTAL_PORT": str(portal),
        "LIENTHONG_NATS_PORT": str(free_port(22000)),
        "LIENTHONG_DEMO": "false",
        "LIENTHONG_STOP_TIMEOUT_SECONDS": str(STOP_TIMEOUT),
        "LIENTHONG_VDXP_POLL_INTERVAL": "0.5",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "lienthong.cli", "up"],
        env=env,
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_healthy(portal, proc, log)
        # the national axis now answers every call after two minutes: the poll loop is stuck in a call
        fault = httpx.post("http://127.0.0.1:8801/_admin/faults", json={"delay_seconds": 120}, timeout=10)
        assert fault.status_code == 200, fault.text
        time.sleep(2)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(STOP_TIMEOUT + 40)
        took = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == 0, log.read_text()[-3000:]
    assert took < STOP_TIMEOUT + 30, f"stopping took {took:.1f} s"
    assert servers_on(data / "nats") == []

"""A SIGTERM stops the whole office within a bounded time, even while it is stuck calling a slow axis,
and leaves no NATS server behind on its store."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import nats
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


def _office(data: Path, portal: int, nats_port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIENTHONG_")}
    env |= {
        "LIENTHONG_DATA_DIR": str(data),
        "LIENTHONG_PORTAL_PORT": str(portal),
        "LIENTHONG_NATS_PORT": str(nats_port),
        "LIENTHONG_STOP_TIMEOUT_SECONDS": str(STOP_TIMEOUT),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "lienthong.cli", "up"],
        env=env,
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


class Load:
    """Commands published to JetStream as fast as the server acknowledges them, from a thread, until
    stopped; counts the acknowledged ones (those the store must still hold after any stop)."""

    SUBJECT = "lt.loadtest.cmd.ping"

    def __init__(self, url: str) -> None:
        self.url, self.acked, self.failed = url, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _run(self) -> None:
        nc = await nats.connect(self.url, max_reconnect_attempts=0, allow_reconnect=False)
        js = nc.jetstream()
        try:
            while not self._stop.is_set():
                try:
                    await js.publish(self.SUBJECT, b'{"load": true}', timeout=2)
                    self.acked += 1
                except Exception:  # the server went away under us: the publish was not acknowledged
                    self.failed += 1
                    if not nc.is_connected:
                        return
        finally:
            with contextlib.suppress(Exception):
                await nc.close()

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(30)


async def _held(url: str) -> int:
    nc = await nats.connect(url)
    try:
        info = await nc.jetstream().stream_info("COMMANDS", subjects_filter=Load.SUBJECT)
        return int((info.state.subjects or {}).get(Load.SUBJECT, 0))
    finally:
        await nc.close()


def test_sigkill_under_load_then_a_restart_keeps_one_server_its_port_and_every_message(
    tmp_path: Path,
) -> None:
    """SIGKILL the office while the demo traffic and a stream of publishes run: its server outlives it.
    The next start stops that orphan, serves the same store on the same port with one server, keeps
    every acknowledged message; a SIGTERM under load then stops everything within the bound."""
    try:
        _sigkill_then_restart(tmp_path)
    finally:  # whatever failed, no nats-server outlives the test on its store
        for pid in servers_on(tmp_path / "data" / "nats"):
            os.kill(pid, signal.SIGKILL)


def _sigkill_then_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    portal, nats_port = free_port(), free_port(23000)
    store = data / "nats"
    log1 = tmp_path / "up-1.log"
    first = _office(data, portal, nats_port, log1)
    try:
        _wait_healthy(portal, first, log1)
        url = (data / "nats.url").read_text().strip()
        with Load(url) as load:
            time.sleep(3)  # the demo traffic runs beside the publishes
            orphans = servers_on(store)
            first.send_signal(signal.SIGKILL)
            first.wait(10)
            time.sleep(1)
        assert load.acked > 100, (load.acked, load.failed)
        assert servers_on(store) == orphans and len(orphans) == 1, "the server should outlive its office"
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()

    log2 = tmp_path / "up-2.log"
    second = _office(data, portal, nats_port, log2)
    code = None
    try:
        _wait_healthy(portal, second, log2)
        now = servers_on(store)
        assert len(now) == 1 and now[0] not in orphans, (orphans, now)
        assert (data / "nats.url").read_text().strip() == url  # the same port (and users)
        assert asyncio.run(_held(url)) >= load.acked  # nothing acknowledged was lost
        text = log2.read_text()
        assert "nats.embedded.orphan_stopped" in text
        # the store was closed cleanly by its last server: the new one recovers it without a warning
        served = (store / "nats-server.log").read_text().rsplit("Starting nats-server", 1)[1]
        troubles = [
            line
            for line in served.splitlines()
            if ("[ERR]" in line or "[WRN]" in line or "prior state" in line)
            and "Plaintext passwords" not in line
        ]
        assert not troubles, troubles
        with Load(url) as again:
            time.sleep(2)
            started = time.monotonic()
            second.send_signal(signal.SIGTERM)
            code = second.wait(STOP_TIMEOUT + 40)
            took = time.monotonic() - started
        assert again.acked > 100, (again.acked, again.failed)
    finally:
        if second.poll() is None:
            second.kill()
            second.wait()
        leftovers = servers_on(store)
        for pid in leftovers:  # a failed run must not leave the orphan behind for the next test
            os.kill(pid, signal.SIGKILL)
    assert not leftovers, f"nats-server left running on the store: {leftovers}"
    assert code == 0, log2.read_text()[-3000:]
    assert took < STOP_TIMEOUT + 30, f"stopping took {took:.1f} s"

"""`lienthong up` (what `make run` starts): from an empty data folder, then again reusing it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nats
import pytest

from hub.embedded import free_port

# uses the default development ports: one after the other on one pytest-xdist worker
pytestmark = pytest.mark.xdist_group("default-ports")

ROOT = Path(__file__).resolve().parents[2]


def _up(data: Path, portal_port: int, nats_port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIENTHONG_")}
    env.update(
        {
            "LIENTHONG_DATA_DIR": str(data),
            "LIENTHONG_PORTAL_PORT": str(portal_port),
            "LIENTHONG_NATS_PORT": str(nats_port),
        }
    )
    return subprocess.Popen(
        [sys.executable, "-m", "lienthong.cli", "up"],
        env=env,
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def _wait_healthy(
    port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float = 90
) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"lienthong up exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                body: dict[str, object] = json.loads(r.read())
                if body.get("ok"):
                    return body
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"portal not healthy within {timeout}s:\n{log.read_text()[-4000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> int:
    proc.send_signal(signal.SIGINT)
    return proc.wait(60)


async def test_up_starts_from_empty_data_folder_and_reuses_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    portal, nats_port = free_port(), free_port(20000 + os.getpid() % 20000)
    log1 = tmp_path / "up-1.log"
    proc = _up(data, portal, nats_port, log1)
    try:
        _wait_healthy(portal, proc, log1)
        url = (data / "nats.url").read_text().strip()
        assert url.endswith(f":{nats_port}")
        nc = await nats.connect(url)
        js = nc.jetstream()
        await js.publish(
            "lt.test.evt.ping", b'{"left": "by the first run"}', headers={"Nats-Msg-Id": "first-run"}
        )
        await nc.close()
        time.sleep(1.0)
    finally:
        assert _stop(proc) == 0, log1.read_text()[-4000:]
    text = log1.read_text()
    assert "Lienthong is running. NATS (embedded)" in text and f"http://127.0.0.1:{portal}/" in text
    assert "created stream EVENTS" in text
    assert (data / "lienthong.db").exists() and (data / "nats" / "jetstream").is_dir()
    assert not (data / "nats.url").exists()

    log2 = tmp_path / "up-2.log"
    proc = _up(data, portal, nats_port, log2)
    try:
        _wait_healthy(portal, proc, log2)
        nc = await nats.connect((data / "nats.url").read_text().strip())
        info = await nc.jetstream().stream_info("EVENTS")
        await nc.close()
        assert info.state.messages == 1  # the first run's message is still there
    finally:
        assert _stop(proc) == 0, log2.read_text()[-4000:]
    assert "created stream" not in log2.read_text()


# Every test that runs `lienthong up` as a subprocess lives in this one module: they all use the
# default development ports, so `make test` (pytest-xdist, --dist loadfile) runs them one after the
# other on one worker. Their bodies are kept in up_*.py beside this file.
from tests.lienthong.up_demo import (  # noqa: E402
    test_make_run_brings_up_every_counterpart_signing_and_the_demo_traffic,  # noqa: F401
)
from tests.lienthong.up_signing import (  # noqa: E402
    office,  # noqa: F401
    test_up_signs_approvals_issues_and_axis_messages_with_the_development_pki,  # noqa: F401
)
from tests.lienthong.up_stop import (  # noqa: E402
    test_sigkill_under_load_then_a_restart_keeps_one_server_its_port_and_every_message,  # noqa: F401
    test_sigterm_stops_within_the_bound_while_the_axis_hangs,  # noqa: F401
)

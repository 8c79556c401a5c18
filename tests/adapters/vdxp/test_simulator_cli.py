"""The simulator as its own process (`python -m adapters.vdxp.simulator`) and its systems configuration."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from adapters.vdxp import VdxpClient, VdxpConfig
from adapters.vdxp.simulator import DEV_SECRET, DEV_SYSTEM_ID, load_systems
from adapters.vdxp.simulator.accounts import AccountsError
from hub.embedded import free_port
from tests.adapters.vdxp.conftest import HANOI, VPCP
from tests.adapters.vdxp.samples import edoc


@pytest.fixture
def sim_process(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    systems = tmp_path / "systems.yaml"
    systems.write_text(
        f"systems:\n  vxp.hanoi:\n    secret: s3cret\n    agencies: ['{HANOI}']\n"
        f"  {DEV_SYSTEM_ID}: {DEV_SECRET}\n"
    )
    cmd = [
        sys.executable,
        "-m",
        "adapters.vdxp.simulator",
        "--port",
        str(port),
        "--data",
        str(tmp_path / "d"),
    ]
    proc = subprocess.Popen(
        [*cmd, "--systems", str(systems)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(url + "/_admin/state", timeout=0.5)
                break
            except httpx.TransportError:
                if proc.poll() is not None:
                    raise RuntimeError(
                        proc.stderr.read().decode() if proc.stderr else "simulator exited"
                    ) from None
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


async def test_cli_simulator_serves_a_configured_centre_and_the_dev_centre(sim_process: str) -> None:
    async with (
        VdxpClient(VdxpConfig(endpoint=sim_process, systemid="vxp.hanoi", secret="s3cret")) as hanoi,
        VdxpClient(VdxpConfig(endpoint=sim_process, systemid=DEV_SYSTEM_ID, secret=DEV_SECRET)) as dev,
    ):
        await hanoi.send_edoc(edoc(HANOI, [VPCP]), from_code=HANOI)
        (item,) = await dev.get_received_edoc_list(to=VPCP)  # the dev centre may act for any agency
        assert item.from_code == HANOI


def test_systems_come_from_json_env_or_the_dev_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("LIENTHONG_VDXP_SIM_SYSTEMS", raising=False)
    assert load_systems()[DEV_SYSTEM_ID].secret == DEV_SECRET
    monkeypatch.setenv("LIENTHONG_VDXP_SIM_SYSTEMS", json.dumps({"a": {"secret": "x", "agencies": [VPCP]}}))
    assert load_systems()["a"].agencies == [VPCP]
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"b": "y"}))
    assert load_systems(path)["b"].secret == "y"


def test_invalid_systems_are_refused_with_the_system_named() -> None:
    with pytest.raises(AccountsError, match="'bad'"):
        load_systems({"bad": {"secret": ""}})
    with pytest.raises(AccountsError, match="no systems"):
        load_systems({})

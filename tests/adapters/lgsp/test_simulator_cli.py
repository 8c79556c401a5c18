"""`python -m adapters.lgsp.simulator` starts a real server that serves the WSDL and answers calls."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from adapters.lgsp.client import LgspClient
from tests.adapters.lgsp.conftest import FAST_RETRY, ORG_A, ORG_B, edoc_from_to


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_module_entry_point_serves_the_axis(tmp_path: Path) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "adapters.lgsp.simulator",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path),
            "--org",
            f"{ORG_A}:token-a:Văn phòng UBND Thành phố",
            "--org",
            f"{ORG_B}:token-b",
        ],
        cwd=Path(__file__).resolve().parents[3],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    address = f"http://127.0.0.1:{port}/lgsp"
    try:
        for _ in range(200):
            try:
                if httpx.get(address + "?wsdl").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            time.sleep(0.05)
        async with LgspClient(address, ORG_A, "token-a", retry=FAST_RETRY) as client_a:
            receipt = await client_a.send_document(edoc_from_to(ORG_A, ORG_B))
            names = {o.organ_id: o.name for o in await client_a.get_organizations()}
        assert names == {ORG_A: "Văn phòng UBND Thành phố", ORG_B: ORG_B}
        assert (tmp_path / "documents" / f"{receipt.document_id}.bin").read_bytes() == edoc_from_to(
            ORG_A, ORG_B
        )
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout:
            process.stdout.close()


def test_bad_org_argument_is_explained() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "adapters.lgsp.simulator", "--org", "no-token-here"],
        cwd=Path(__file__).resolve().parents[3],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "expected ORGAN_ID:TOKEN[:NAME]" in result.stderr

"""Resident memory of the whole office at rest, against the libraries it is built on.

Run: `.venv/bin/python -m bench.memory`. Starts `lienthong up` exactly as `make run` does (every module,
every counterpart on its simulator, the development PKI) on an empty data folder with the living demo
off, waits until /healthz is ok and the office has settled, then reads the resident set (VmRSS) of the
office's process and of each process it started (the embedded nats-server). The baseline, in the same
run, is a bare interpreter that imports the libraries the office uses (FastAPI, SQLAlchemy, nats-py,
pyHanko, lxml, zeep, fpdf2, pdfminer) and does nothing: what any office on this stack pays before its
own code runs. Prints both, the ratio office/baseline and the office's total against the 300 MB target.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_MB = 300
SETTLE_SECONDS = 20
LIBRARIES = "import fastapi, sqlalchemy, nats, pyhanko, lxml.etree, zeep, fpdf, pdfminer, structlog, pydantic"


def rss_mb(pid: int) -> float:
    """VmRSS of one process, in MB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    """Every descendant of a process."""
    kids: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kids.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        for child in kids.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def name_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def baseline() -> float:
    proc = subprocess.Popen([sys.executable, "-c", f"{LIBRARIES}; import time; time.sleep(60)"], cwd=ROOT)
    try:
        time.sleep(8)
        return rss_mb(proc.pid)
    finally:
        proc.kill()
        proc.wait()


def office() -> tuple[float, dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("LIENTHONG_")}
        env.update(
            {
                "LIENTHONG_DATA_DIR": str(Path(tmp) / "data"),
                "LIENTHONG_PORTAL_PORT": str(port),
                "LIENTHONG_NATS_PORT": str(free_port()),
                "LIENTHONG_DEMO": "false",
            }
        )
        log = Path(tmp) / "up.log"
        proc = subprocess.Popen(
            [sys.executable, "-m", "lienthong.cli", "up"],
            env=env,
            cwd=ROOT,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    raise SystemExit(f"lienthong up exited:\n{log.read_text()[-3000:]}")
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as r:
                        if json.loads(r.read()).get("ok"):
                            break
                except OSError:
                    pass
                time.sleep(0.5)
            else:
                raise SystemExit(f"not healthy in 180 s:\n{log.read_text()[-3000:]}")
            time.sleep(SETTLE_SECONDS)
            parts = {f"{name_of(pid)} ({pid})": rss_mb(pid) for pid in children(proc.pid)}
            return rss_mb(proc.pid), parts
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()


def main() -> int:
    base = baseline()
    main_rss, parts = office()
    total = main_rss + sum(parts.values())
    print(f"baseline: interpreter with the stack's libraries imported: {base:.0f} MB")
    print(f"office process (hub, portal, every module and simulator): {main_rss:.0f} MB")
    for name, mb in sorted(parts.items()):
        print(f"  started by it: {name}: {mb:.0f} MB")
    print(f"office total at rest: {total:.0f} MB (target < {TARGET_MB} MB)")
    print(f"ratio office process/baseline: {main_rss / base:.2f}; total/target: {total / TARGET_MB:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

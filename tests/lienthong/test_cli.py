"""The `lienthong` command line: routes check, schemas export, trace, topology and dead letters."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hub import dlq
from hub.core import module as core
from hub.embedded import NatsServer
from hub.runtime import Delivery, Hub, wait_for
from tests.support.fn_module import FnModule

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("LIENTHONG_")}
    full.update(env or {})
    full["PYTHONPATH"] = str(ROOT)
    full["LIENTHONG_LOG_JSON"] = "false"
    return subprocess.run(
        [sys.executable, "-m", "lienthong.cli", *args],
        env=full,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_routes_check_names_the_bad_line(tmp_path: Path) -> None:
    bad = tmp_path / "routes.yaml"
    bad.write_text(
        "routes:\n"
        "  - name: ok-route\n"
        "    from: lt.doc.evt.received\n"
        "    to: [lt.notify.cmd.inapp]\n"
        "  - name: loops\n"
        "    from: lt.doc.evt.received\n"
        "    to: [lt.doc.evt.received]\n",
        encoding="utf-8",
    )
    result = cli("routes", "check", str(bad))
    assert result.returncode == 1
    assert f"{bad}:7: routes.1.to" in result.stderr and "would loop back" in result.stderr
    good = cli("routes", "check", str(ROOT / "hub" / "routes.yaml"))
    assert good.returncode == 0 and "routes OK" in good.stdout


def test_schemas_export_writes_a_json_schema_per_type(tmp_path: Path) -> None:
    result = cli(
        "schemas", "export", str(tmp_path / "out"), env={"LIENTHONG_MODULES": "tests.support.counting"}
    )
    assert result.returncode == 0, result.stderr
    ping = json.loads((tmp_path / "out" / "test.ping.v1.schema.json").read_text())
    assert ping["x-subject"] == "lt.test.evt.ping" and "n" in ping["properties"]
    assert ping["required"] == ["n"]


async def test_trace_topology_and_dlq_commands(
    hub_factory: Callable[..., Any], nats: NatsServer, tmp_path: Path
) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"

    def setup(hub: Hub) -> None:
        @hub.consumer("fussy", "lt.test.evt.ping")
        async def fussy(d: Delivery) -> None:
            if d.payload.poison:
                raise ValueError("cannot handle poison")

    hub = await hub_factory([core, FnModule("fussy", setup)], db_url=db, max_deliver=2)
    ok = await hub.publish("test.ping", {"n": 1}, source="cli-test", issue="HS-42")
    await hub.publish("test.ping", {"n": 2, "poison": True}, source="cli-test", issue="HS-43")

    async def dead() -> bool:
        return bool(await dlq.list_dead(hub))

    assert await wait_for(dead)
    await hub.journal.flush()
    env = {"LIENTHONG_DB_URL": db, "LIENTHONG_NATS_URL": nats.url}

    traced = await asyncio.to_thread(cli, "trace", "HS-42", env=env)
    assert traced.returncode == 0, traced.stderr
    lines = traced.stdout.splitlines()
    assert "published" in lines[0] and "cli-test" in lines[0]
    assert any("handled" in line and "fussy" in line for line in lines)
    assert all(str(ok.id)[:8] in line for line in lines)

    listed = await asyncio.to_thread(cli, "dlq", "list", env=env)
    assert "fussy" in listed.stdout and "cannot handle poison" in listed.stdout
    [row] = await dlq.list_dead(hub)
    shown = await asyncio.to_thread(cli, "dlq", "show", str(row.id), env=env)
    assert json.loads(shown.stdout)["message"]["issue"] == "HS-43"

    topo = await asyncio.to_thread(cli, "topology", "show", env=env)
    assert topo.returncode == 0, topo.stderr
    assert "EVENTS" in topo.stdout and "fussy" in topo.stdout and "ack_pending=" in topo.stdout

    discarded = await asyncio.to_thread(cli, "dlq", "discard", str(row.id), "--actor", "ops-1", env=env)
    assert discarded.returncode == 0, discarded.stderr
    assert (await dlq.get_dead(hub, row.id)).status == "discarded"
    again = await asyncio.to_thread(cli, "dlq", "replay", str(row.id), env=env)
    assert again.returncode != 0 and "already discarded" in again.stderr

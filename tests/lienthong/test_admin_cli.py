"""`lienthong admin create-superuser`: the first administrator on an empty database, then a login."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from hub.core import module as core
from lienthong.web import create_app
from portal.ops import queries

ROOT = Path(__file__).resolve().parents[2]
STRONG = "Quan-Tri-2026!x"


def create_superuser(
    tmp_path: Path, username: str, password: str, *, via_prompt: bool = False
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIENTHONG_")}
    env.update(
        PYTHONPATH=str(ROOT),
        LIENTHONG_LOG_JSON="false",
        LIENTHONG_DATA_DIR=str(tmp_path / "data"),
        LIENTHONG_DB_URL=f"sqlite+aiosqlite:///{tmp_path / 'office.db'}",
        LIENTHONG_MODULES="tests.support.counting",
    )
    if not via_prompt:
        env["LIENTHONG_ADMIN_PASSWORD"] = password
    args = ["admin", "create-superuser", "--username", username, "--full-name", "Nguyễn Quản Trị"]
    return subprocess.run(
        [sys.executable, "-m", "lienthong.cli", *args],
        env=env,
        cwd=ROOT,
        input=f"{password}\n{password}\n" if via_prompt else None,
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_first_administrator_on_an_empty_database_can_log_in(
    hub_factory: Callable[..., Any], tmp_path: Path
) -> None:
    weak = create_superuser(tmp_path, "quantri", "matkhau123")
    assert weak.returncode == 1 and "ít nhất 12 ký tự" in weak.stderr
    simple = create_superuser(tmp_path, "quantri", "toanchuthuongdai")
    assert simple.returncode == 1 and "3 trong 4 loại" in simple.stderr
    named = create_superuser(tmp_path, "quantri", "Quantri-2026-xyz")
    assert named.returncode == 1 and "tên đăng nhập" in named.stderr

    made = create_superuser(tmp_path, "quantri", STRONG)
    assert made.returncode == 0, made.stderr
    assert "administrator quantri" in made.stdout
    second = create_superuser(tmp_path, "quantri2", STRONG + "2", via_prompt=True)
    assert second.returncode == 0, second.stderr + second.stdout
    third = create_superuser(tmp_path, "quantri3", STRONG + "3")
    assert third.returncode == 1 and "Đã có 2 quản trị viên" in third.stderr

    hub = await hub_factory(
        [core], db_url=f"sqlite+aiosqlite:///{tmp_path / 'office.db'}", secret_key="k" * 40
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(hub)), base_url="http://lt"
    ) as c:
        for username, password in (("quantri", STRONG), ("quantri2", STRONG + "2")):
            answer = await c.post("/api/auth/login", json={"username": username, "password": password})
            assert answer.status_code == 200, answer.text
        assert (await c.get("/orgchart")).status_code == 200
        wrong = await c.post("/api/auth/login", json={"username": "quantri", "password": "matkhau123"})
        assert wrong.status_code == 401

    rows = await queries.list_audit(hub.db, action="user.create_superuser")
    assert sorted(r.target for r in rows) == ["user:quantri", "user:quantri2"]
    first = next(r for r in rows if r.target == "user:quantri")
    assert first.actor.startswith("cli:") and first.detail["before"] is None
    assert "admin" in first.detail["after"]["roles"] and "password" not in str(first.detail)

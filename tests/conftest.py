"""Shared fixtures: a real nats-server per test session, SQLite and PostgreSQL databases."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from hub.embedded import NatsServer

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# `make test` runs the suite on two pytest-xdist workers. The adapters' development simulators and
# listeners have fixed default ports; each worker moves them by its own offset, so two hubs on two
# workers never share a simulator. The tests that need the default ports themselves (`lienthong up`
# as a subprocess, which drops LIENTHONG_* variables, and the national axis's development endpoint)
# run one after the other on a single worker (they live in one module, tests/lienthong/test_up.py,
# and --dist loadfile keeps a module on one worker).
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _WORKER.startswith("gw") and _WORKER[2:].isdigit():
    _OFFSET = 1000 * (int(_WORKER[2:]) + 1)
    for _name, _port in {
        "LIENTHONG_NOTIFY_SIMULATOR_SMTP_PORT": 8025,
        "LIENTHONG_NOTIFY_SIMULATOR_SMS_PORT": 8091,
        "LIENTHONG_NOTIFY_SIMULATOR_ZALO_PORT": 8092,
        "LIENTHONG_ONESTOP_SIMULATOR_PORT": 8620,
        "LIENTHONG_ONESTOP_LISTEN_PORT": 8610,
        "LIENTHONG_ATTENDANCE_SIMULATOR_PORT": 8096,
        "LIENTHONG_ATTENDANCE_PORT": 8095,
        "LIENTHONG_LGSP_SIMULATOR_PORT": 8802,
        "LIENTHONG_SIGNING_DEV_PKI_PORT": 8809,
    }.items():
        os.environ.setdefault(_name, str(_port + _OFFSET))
PG_ADMIN_DSN = os.environ.get("LIENTHONG_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """A nats-server 2.15 with JetStream on a free port, never the machine's 4222."""
    server = NatsServer(store_dir=tmp_path_factory.mktemp("nats"), name="lt-test").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def nats_url(nats_server: NatsServer) -> str:
    return nats_server.url


def unique_prefix() -> str:
    """A fresh name for a test's streams and subjects, so tests never collide."""
    return "t" + uuid.uuid4().hex[:10]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'lienthong.db'}"


async def _pg_available() -> str | None:
    try:
        import asyncpg

        conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=3)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    await conn.close()
    return None


@asynccontextmanager
async def fresh_pg_database() -> AsyncIterator[str]:
    """Create a throwaway database on the machine's PostgreSQL; fail in CI when the server is missing."""
    import asyncpg

    problem = await _pg_available()
    if problem:
        message = f"PostgreSQL at {PG_ADMIN_DSN} is not reachable ({problem})"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    name = "lt_" + uuid.uuid4().hex[:12]
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    host_part = PG_ADMIN_DSN.split("://", 1)[1].rsplit("/", 1)[0]
    try:
        yield f"postgresql+asyncpg://{host_part}/{name}"
    finally:
        admin = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database for one test."""
    async with fresh_pg_database() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Run a test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'lienthong.db'}"
        return
    async with fresh_pg_database() as url:
        yield url

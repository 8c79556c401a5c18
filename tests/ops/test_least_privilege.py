"""Least privilege on NATS: each module user publishes only its own subjects; the portal publishes nothing."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest

from hub.embedded import NatsServer
from hub.natsauth import render
from hub.runtime import Delivery, Hub, wait_for
from hub.settings import Settings
from hub.topology import describe
from tests.support import messages  # noqa: F401  (registers test.ping)
from tests.support.fn_module import FnModule

ROOT = Path(__file__).resolve().parents[2]
USERS = ("hub", "documents", "complaints", "tasks", "office", "axis", "portal", "sys")


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[tuple[NatsServer, dict[str, str]]]:
    # nats-server parses the variable like a config value: letters first, no punctuation
    passwords = {u: "p" + secrets.token_hex(12) for u in USERS}
    conf = tmp_path / "nats.conf"
    (tmp_path / "auth.conf").write_text((ROOT / "ops" / "nats" / "auth.conf").read_text())
    conf.write_text("include ./auth.conf\n")  # nats-server includes are relative to the file
    server = NatsServer(
        store_dir=tmp_path / "nats",
        config_file=conf,
        env={f"LT_{u.upper()}_PASSWORD": p for u, p in passwords.items()},
    ).start()
    yield server, passwords
    server.stop()


def url(server: NatsServer, user: str, passwords: dict[str, str]) -> str:
    return f"nats://{user}:{passwords[user]}@{server.host}:{server.port}"


def test_committed_auth_conf_is_generated_from_permissions_yaml() -> None:
    assert (ROOT / "ops" / "nats" / "auth.conf").read_text() == render()


async def _denied_publish(server_url: str, subject: str) -> str:
    """Try a JetStream publish; return the server's permission error text."""
    errors: list[str] = []

    async def on_error(exc: Exception) -> None:
        errors.append(str(exc))

    nc = await nats.connect(server_url, error_cb=on_error)
    try:
        with pytest.raises((nats.errors.TimeoutError, nats.errors.NoRespondersError, TimeoutError)):
            await nc.jetstream().publish(subject, b"{}", timeout=1.0)
        await nc.flush()
        await asyncio.sleep(0.2)
    finally:
        await nc.close()
    return " ".join(errors).lower()


async def test_modules_publish_only_their_own_subjects(
    secured: tuple[NatsServer, dict[str, str]], tmp_path: Path
) -> None:
    server, passwords = secured
    admin = Hub(Settings(data_dir=tmp_path / "d", db_url=f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"))
    await admin.connect([url(server, "hub", passwords)])  # the hub user provisions the topology
    assert admin.nc is not None
    await admin.nc.close()

    complaints = url(server, "complaints", passwords)
    error = await _denied_publish(complaints, "lt.doc.evt.received")
    assert "permissions violation for publish" in error and "lt.doc.evt.received" in error

    documents = url(server, "documents", passwords)
    for subject in ("lt.doc.evt.received", "lt.doc.evt.status_changed"):  # only an axis says so
        error = await _denied_publish(documents, subject)
        assert "permissions violation for publish" in error and subject in error
    nc = await nats.connect(documents)
    ack = await nc.jetstream().publish("lt.doc.evt.registered", b"{}")
    assert ack.stream == "EVENTS"
    await nc.close()

    nc = await nats.connect(complaints)
    ack = await nc.jetstream().publish("lt.complaint.evt.filed", b"{}")
    assert ack.stream == "EVENTS"
    await nc.close()

    portal = url(server, "portal", passwords)
    for subject in ("lt.doc.evt.received", "lt.complaint.evt.filed", "dlq.lt.router", "lt.notify.cmd.send"):
        assert "permissions violation for publish" in await _denied_publish(portal, subject)
    nc = await nats.connect(portal)
    streams = {s["stream"]: s for s in await describe(nc.jetstream())}
    assert streams["EVENTS"]["messages"] == 2  # reading the hub's state is allowed
    await nc.close()


async def test_a_module_runs_its_consumers_with_its_own_user(
    secured: tuple[NatsServer, dict[str, str]], tmp_path: Path
) -> None:
    from hub.migrate import aupgrade

    server, passwords = secured
    db = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"
    await aupgrade(db, [])
    admin = Hub(Settings(data_dir=tmp_path / "d", db_url=db))
    await admin.connect([url(server, "hub", passwords)])
    seen: list[int] = []

    def setup(hub: Hub) -> None:
        @hub.consumer("complaints-intake", "lt.test.evt.ping")
        async def take(d: Delivery) -> None:
            seen.append(d.payload.n)

    worker = Hub(Settings(data_dir=tmp_path / "w", db_url=db), modules=[FnModule("complaints", setup)])
    await worker.start([url(server, "complaints", passwords)])
    try:
        await admin.publish("test.ping", {"n": 3}, source="test")

        async def got() -> bool:
            return seen == [3]

        assert await wait_for(got)
    finally:
        await worker.stop()
        assert admin.nc is not None
        await admin.nc.close()

"""The embedded bus of `lienthong up` admits only its generated users, with production's permissions,
and a consumer applies an axis event only from a source that may publish it.

The server is started in process the way `lienthong up` starts it (`embedded_server`, `start_hub`) on
a temporary data folder; the other tests' servers (fixtures with a URL) stay open.
"""

from __future__ import annotations

import asyncio
import json
import stat
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import nats
import nats.errors
import pytest
from sqlalchemy import func, select

from handlers.documents import DocumentsModule
from handlers.documents.models import Document
from handlers.documents.settings import DocumentsSettings
from hub.core import module as core
from hub.embedded import NatsServer, embedded_server, free_port
from hub.migrate import aupgrade
from hub.models import DeadLetter
from hub.natsauth import ACCOUNTS_FILE, PASSWORDS_FILE, user_names
from hub.routing import RoutingTable, RoutingTableError
from hub.runtime import Delivery, Hub, canonical, wait_for
from hub.settings import Settings
from hub.topology import describe
from lienthong.run import start_hub, stop_hub
from lienthong.seed import seed_demo
from schemas.envelope import Envelope
from tests.handlers.documents.conftest import received_event
from tests.support import messages  # noqa: F401  (registers test.ping)
from tests.support.fn_module import FnModule

PASSWORD = "mật-khẩu-thử"
DENIED = (nats.errors.TimeoutError, nats.errors.NoRespondersError, TimeoutError)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def server(data: Path) -> Iterator[NatsServer]:
    """The embedded server of `lienthong up` on a fresh data folder."""
    started = embedded_server(data, free_port()).start()
    yield started
    started.stop()


def settings(tmp_path: Path, name: str, **kw: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "db_url": f"sqlite+aiosqlite:///{tmp_path / f'{name}.db'}",
        "retry_base_seconds": 0.2,
        "retry_max_seconds": 1.0,
        "ack_wait_seconds": 10.0,
        "max_deliver": 3,
    }
    values.update(kw)
    return Settings(**values)


@pytest.fixture
async def admin(server: NatsServer, tmp_path: Path) -> AsyncIterator[Hub]:
    """A hub connected as the hub user: it provisions the topology."""
    hub = Hub(settings(tmp_path, "admin"))
    await hub.connect([server.client_url()])
    yield hub
    assert hub.nc is not None
    await hub.nc.close()
    await hub.db.dispose()


async def _refused(url: str) -> str:
    with pytest.raises(nats.errors.Error) as refused:
        await nats.connect(url, allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=2)
    return str(refused.value)


async def _errors_of(url: str, attempt: Any) -> str:
    """Run `attempt(js)` as a client of `url`, which must fail; return the server's errors' text."""
    errors: list[str] = []

    async def on_error(exc: Exception) -> None:
        errors.append(str(exc))

    nc = await nats.connect(url, error_cb=on_error, allow_reconnect=False)
    try:
        with pytest.raises(DENIED):
            await attempt(nc.jetstream(timeout=1.0))
        await nc.flush()
        await asyncio.sleep(0.2)
    finally:
        await nc.close()
    return " ".join(errors).lower()


async def test_a_client_without_the_generated_credentials_cannot_connect(
    server: NatsServer, data: Path
) -> None:
    assert "authorization violation" in (await _refused(server.url)).lower()
    wrong = server.url.replace("nats://", "nats://hub:guessed@")
    assert "authorization violation" in (await _refused(wrong)).lower()

    auth = data / "nats" / "auth"
    assert stat.S_IMODE(auth.stat().st_mode) == 0o700
    for name in (PASSWORDS_FILE, ACCOUNTS_FILE):
        assert stat.S_IMODE((auth / name).stat().st_mode) == 0o600, name
    passwords = json.loads((auth / PASSWORDS_FILE).read_text())
    assert sorted(passwords) == sorted(user_names()) and len(set(passwords.values())) == len(passwords)
    assert not any(p in (auth / ACCOUNTS_FILE).read_text() for p in passwords.values())

    nc = await nats.connect(server.client_url("hub"))
    assert nc.is_connected
    await nc.close()


async def test_the_portal_user_reads_the_state_but_changes_nothing_and_reads_no_content(
    server: NatsServer, admin: Hub
) -> None:
    assert admin.js is not None
    await admin.js.publish("lt.task.evt.created", b"{}")
    claim = await admin.claims.put(b"%PDF- confidential", media_type="application/pdf")
    portal = server.client_url("portal")

    for subject in ("lt.doc.evt.received", "lt.doc.evt.status_changed", "lt.axis.evt.sent"):
        error = await _errors_of(portal, lambda js, s=subject: js.publish(s, b"{}"))
        assert "permissions violation for publish" in error and subject in error
    error = await _errors_of(portal, lambda js: js.add_stream(name="EVIL", subjects=["evil.>"]))
    assert "permissions violation for publish" in error and "stream.create" in error
    error = await _errors_of(portal, lambda js: js.delete_stream("EVENTS"))
    assert "permissions violation for publish" in error and "stream.delete" in error

    async def read_content(js: Any) -> bytes:
        store = await js.object_store(claim.bucket)
        return bytes((await store.get(claim.key)).data)

    error = await _errors_of(portal, read_content)
    assert "permissions violation" in error

    # the module users keep production's rules: complaints may not publish the documents' events
    complaints = server.client_url("complaints")
    error = await _errors_of(complaints, lambda js: js.publish("lt.doc.evt.received", b"{}"))
    assert "permissions violation for publish" in error

    # nothing changed; reading the hub's state is what the portal may do
    nc = await nats.connect(portal)
    streams = {s["stream"]: s for s in await describe(nc.jetstream())}
    await nc.close()
    assert streams["EVENTS"]["messages"] == 1 and "EVIL" not in streams
    assert await admin.claims.get(claim) == b"%PDF- confidential"


async def test_up_connects_its_hub_with_the_generated_credentials_and_routes_end_to_end(
    tmp_path: Path,
) -> None:
    routes = tmp_path / "routes.yaml"
    routes.write_text(
        "routes:\n"
        "  - name: urgent-ping\n"
        "    from: lt.test.evt.ping\n"
        "    when: {payload.priority: Hỏa tốc}\n"
        "    to: [lt.test.cmd.urgent]\n",
        encoding="utf-8",
    )
    running = await start_hub(
        settings(tmp_path, "up", nats_port=free_port(), routes_file=routes), ["hub.core"]
    )
    got: list[Envelope] = []

    def setup(hub: Hub) -> None:
        @hub.consumer("test-urgent", "lt.test.cmd.urgent")
        async def take(d: Delivery) -> None:
            got.append(d.envelope)

    # a worker as `lienthong up --workers` starts one: with the URL `up` records in nats.url
    worker = Hub(settings(tmp_path, "up"), modules=[FnModule("urgent", setup)])
    try:
        assert running.nats is not None and running.nats.credentials is not None
        assert running.servers == [running.nats.client_url("hub")] and "@" in running.servers[0]
        assert running.hub.nc is not None and running.hub.nc.connected_url is not None
        assert "@" not in running.hub.nc.connected_url.netloc  # what /healthz shows carries no password
        await worker.start(running.servers)
        sent = await running.hub.publish("test.ping", {"n": 1, "priority": "Hỏa tốc"}, source="test")
        await running.hub.publish("test.ping", {"n": 2, "priority": "Thường"}, source="test")

        async def routed() -> bool:
            return len(got) == 1

        assert await wait_for(routed)
        await asyncio.sleep(0.3)
        assert [e.causation_id for e in got] == [sent.id] and got[0].subject == "lt.test.cmd.urgent"
    finally:
        await worker.stop()
        await stop_hub(running)
    assert not running.nats.running


@pytest.fixture
async def office(server: NatsServer, tmp_path: Path) -> AsyncIterator[Hub]:
    """The hub process with the documents module, connected as the hub user."""
    s = settings(tmp_path, "office")
    await aupgrade(s.database_url, ["handlers.documents", "adapters.signing"])
    hub = Hub(s, modules=[core, DocumentsModule(DocumentsSettings(signing_enabled=False))])
    await seed_demo(hub.db, PASSWORD)
    await hub.start([server.client_url()])
    yield hub
    await hub.stop()


async def _publish_as(url: str, env: Envelope) -> None:
    nc = await nats.connect(url)
    try:
        await nc.jetstream().publish(
            env.subject, env.to_bytes(), headers={"Nats-Msg-Id": str(env.id), "Lt-Type": env.type}
        )
    finally:
        await nc.close()


async def test_a_forged_document_received_is_dead_lettered_never_registered(
    server: NatsServer, office: Hub
) -> None:
    axis = server.client_url("axis")  # a user that may publish on lt.doc.evt.received
    forged_payload = await received_event(office, number="666", subject="Văn bản giả mạo")
    genuine_payload = await received_event(office, number="125")
    forged = Envelope(
        type="document.received",
        source="documents",  # not the intake of an axis
        subject="lt.doc.evt.received",
        issue=forged_payload.document_id,
        payload=canonical("document.received", 1, forged_payload),
    )
    genuine = Envelope(
        type="document.received",
        source="vdxp",
        subject="lt.doc.evt.received",
        issue=genuine_payload.document_id,
        payload=canonical("document.received", 1, genuine_payload),
    )
    await _publish_as(axis, forged)
    await _publish_as(axis, genuine)

    async def dead_letters() -> list[DeadLetter]:
        async with office.db.session() as s:
            rows = await s.scalars(select(DeadLetter).where(DeadLetter.message_id == str(forged.id)))
            return list(rows)

    async def settled() -> bool:
        consumers = {row.consumer for row in await dead_letters()}
        async with office.db.session() as s:
            registered = await s.scalar(select(func.count()).select_from(Document))
        return {"documents-received", "router"} <= consumers and registered == 1

    assert await wait_for(settled, timeout=60)
    [row] = [r for r in await dead_letters() if r.consumer == "documents-received"]
    assert row.reason == "permanent" and row.deliveries == 1
    assert "source 'documents' may not publish lt.doc.evt.received" in row.error
    async with office.db.session() as s:
        ids = list(await s.scalars(select(Document.edoc_document_id)))
    assert ids == [genuine_payload.document_id]

    # no status went back to the axis about the forged document; the genuine one got its answer
    assert office.js is not None
    info = await office.js.stream_info("COMMANDS")
    commands = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        msg = await office.js.get_msg("COMMANDS", seq)
        commands.append(json.loads(msg.data or b"{}"))
    assert commands and all(c["issue"] != forged_payload.document_id for c in commands)
    assert any(c["issue"] == genuine_payload.document_id for c in commands)


async def test_the_generated_credentials_survive_a_restart_from_the_same_data_folder(data: Path) -> None:
    first = embedded_server(data, free_port()).start()
    try:
        url = first.client_url()
        passwords = (data / "nats" / "auth" / PASSWORDS_FILE).read_text()
        nc = await nats.connect(url)
        js = nc.jetstream()
        await js.add_stream(name="KEPT", subjects=["kept.>"])
        await js.publish("kept.one", b"before the restart")
        await nc.close()
    finally:
        first.stop()

    second = embedded_server(data, free_port()).start()
    try:
        assert (data / "nats" / "auth" / PASSWORDS_FILE).read_text() == passwords
        assert second.client_url() == url.replace(f":{first.port}", f":{second.port}")
        nc = await nats.connect(second.client_url())
        info = await nc.jetstream().stream_info("KEPT")
        await nc.close()
        assert info.state.messages == 1
        assert "authorization violation" in (await _refused(second.url)).lower()
    finally:
        second.stop()


async def test_a_store_from_before_authentication_keeps_its_streams(data: Path) -> None:
    store = data / "nats"
    open_server = NatsServer(store_dir=store, port=free_port()).start()
    try:
        nc = await nats.connect(open_server.url)
        await nc.jetstream().add_stream(name="OLD", subjects=["old.>"])
        await nc.jetstream().publish("old.one", b"kept")
        await nc.close()
    finally:
        open_server.stop()

    secured = embedded_server(data, free_port()).start()
    try:
        nc = await nats.connect(secured.client_url())
        info = await nc.jetstream().stream_info("OLD")
        await nc.close()
        assert info.state.messages == 1
    finally:
        secured.stop()


def test_a_routing_table_without_publishers_keeps_the_packaged_rules(tmp_path: Path) -> None:
    forged = Envelope(type="document.received", source="portal", subject="lt.doc.evt.received")
    packaged = RoutingTable.load()
    assert packaged.refusal(forged) is not None
    assert packaged.refusal(forged.model_copy(update={"source": "lgsp"})) is None
    misplaced = forged.model_copy(update={"source": "vdxp", "subject": "lt.complaint.evt.received"})
    assert "travels only on lt.doc.evt.received" in str(packaged.refusal(misplaced))

    custom = tmp_path / "routes.yaml"
    custom.write_text("routes: []\n", encoding="utf-8")
    assert RoutingTable.load(custom).refusal(forged) == packaged.refusal(forged)
    custom.write_text("routes: []\npublishers: []\n", encoding="utf-8")  # an explicit choice
    assert RoutingTable.load(custom).refusal(forged) is None

    custom.write_text(
        "routes: []\npublishers:\n  - subject: lt.doc.cmd.register\n    sources: [x]\n", encoding="utf-8"
    )
    with pytest.raises(RoutingTableError, match=r"routes.yaml:3: publishers.0.subject"):
        RoutingTable.load(custom)

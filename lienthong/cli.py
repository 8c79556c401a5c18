"""The `lienthong` command line."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from hub.settings import Settings

app = typer.Typer(help="Lienthong: the e-office and interconnection hub.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema (Alembic).", no_args_is_help=True)
schemas_app = typer.Typer(help="Canonical message types.", no_args_is_help=True)
topology_app = typer.Typer(help="JetStream streams, consumers and buckets.", no_args_is_help=True)
routes_app = typer.Typer(help="The routing table.", no_args_is_help=True)
dlq_app = typer.Typer(help="Dead letters.", no_args_is_help=True)
sim_app = typer.Typer(help="Simulators of the external counterparts.", no_args_is_help=True)
ops_app = typer.Typer(help="Deployment helpers.", no_args_is_help=True)
admin_app = typer.Typer(help="Administrators of the office.", no_args_is_help=True)
retention_app = typer.Typer(help="What the hub's tables keep, and for how long.", no_args_is_help=True)
for sub, name in (
    (db_app, "db"),
    (schemas_app, "schemas"),
    (topology_app, "topology"),
    (routes_app, "routes"),
    (dlq_app, "dlq"),
    (sim_app, "sim"),
    (ops_app, "ops"),
    (admin_app, "admin"),
    (retention_app, "retention"),
):
    app.add_typer(sub, name=name)

T = TypeVar("T")


def _settings() -> Settings:
    from hub.logging import configure_logging

    s = Settings()
    configure_logging(s.log_level, s.log_json)
    return s


def _run(coro: Awaitable[T]) -> T:
    from hub.errors import HubError

    try:
        return asyncio.run(coro)  # type: ignore[arg-type]
    except HubError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def _nats_servers(s: Settings) -> list[str]:
    """The configured URL, else the embedded server that `lienthong up` recorded in the data folder."""
    if s.nats_url:
        return s.nats_servers
    recorded = s.data_dir / "nats.url"
    if recorded.exists():
        return [recorded.read_text().strip()]
    raise typer.BadParameter("no NATS: set LIENTHONG_NATS_URL or start `lienthong up` first")


async def _with_hub(s: Settings, fn: Callable[[Any], Awaitable[T]], connect: bool = True) -> T:
    from hub.runtime import Hub

    hub = Hub(s)
    try:
        if connect:
            await hub.connect(_nats_servers(s))
        return await fn(hub)
    finally:
        if hub.nc is not None:
            await hub.nc.close()
        await hub.journal.flush()
        await hub.db.dispose()


@app.command()
def up(
    portal: Annotated[bool, typer.Option(help="Serve the portal")] = True,
    workers: Annotated[int, typer.Option(help="Extra worker processes sharing the consumers")] = 0,
) -> None:
    """Start the hub with everything embedded: NATS, database, modules, simulators' clients, portal."""
    s = _settings()
    _run(_up(s, portal, workers))


async def _up(s: Settings, portal: bool, workers: int) -> None:
    import os
    import sys

    from hub.natsauth import redact, write_private
    from lienthong.devpki.wiring import development_keys_in_use
    from lienthong.run import serve_portal, start_hub, stop_hub, wait_for_signal

    running = await start_hub(s)
    # the embedded server's URL carries the hub user's credentials: for this folder's owner only
    write_private(s.data_dir / "nats.url", running.servers[0] + "\n")
    demo_password = None
    if s.demo_seed:
        from lienthong.seed import seed_demo

        demo_password = await seed_demo(
            running.hub.db, s.demo_password.get_secret_value() if s.demo_password else None
        )
        if demo_password:
            (s.data_dir / "demo-password.txt").write_text(demo_password + "\n")
    demo_traffic = None
    if demo_password and s.demo:
        from lienthong import demo

        demo_traffic = demo.start(running.hub, s)
    procs = []
    env = {
        **os.environ,
        "LIENTHONG_NATS_URL": ",".join(running.servers),
        "LIENTHONG_DATA_DIR": str(s.data_dir),
    }
    for _ in range(workers):
        procs.append(await asyncio.create_subprocess_exec(sys.argv[0], "worker", env=env))
    task = server = None
    if portal:
        task, server = await serve_portal(running.hub, s.portal_host, s.portal_port)
    where = "embedded" if running.nats else "external"
    nats_at = ", ".join(redact(u) for u in running.servers)
    typer.echo(f"Lienthong is running. NATS ({where}): {nats_at}", err=True)
    if portal:
        typer.echo(f"Portal: http://{s.portal_host}:{s.portal_port}/  (health: /healthz)", err=True)
    typer.echo(f"Data folder: {s.data_dir}  Database: {s.database_url.split('@')[-1]}", err=True)
    if development_keys_in_use(running.hub.modules):
        from adapters.signing.settings import DEV_PKI_FOLDER

        pki = s.data_dir / DEV_PKI_FOLDER
        served = f"TSA {running.devpki.pki.urls.tsa}" if running.devpki else "TSA not served here"
        typer.echo(
            f"Development signing keys (KHÔNG DÙNG THẬT, no legal value): {pki}; trust anchor "
            f"{pki / 'root-ca.pem'}; {served}. Set LIENTHONG_SIGNING_CONFIG for real keys.",
            err=True,
        )
    if demo_password:
        typer.echo(
            "Demo accounts created (vanthu, giamdoc, chuyenvien, truongphongth, vanhanh, quantri, ...); "
            f"password in {s.data_dir / 'demo-password.txt'}",
            err=True,
        )
    try:
        await wait_for_signal()
    finally:
        typer.echo("Stopping...", err=True)
        if demo_traffic is not None:
            demo_traffic.cancel()
        if server is not None:
            server.should_exit = True  # type: ignore[attr-defined]
            await task  # type: ignore[misc]
        for p in procs:
            p.terminate()
            await p.wait()
        await stop_hub(running)
        (s.data_dir / "nats.url").unlink(missing_ok=True)


@app.command()
def worker(
    modules: Annotated[str, typer.Option(help="Comma-separated module packages (default: all)")] = "",
) -> None:
    """Run consumers of some modules against an external NATS (LIENTHONG_NATS_URL)."""
    s = _settings()
    only = [m.strip() for m in modules.split(",") if m.strip()] or None
    _run(_worker(s, only))


async def _worker(s: Settings, only: list[str] | None) -> None:
    from lienthong.run import start_hub, stop_hub, wait_for_signal

    if not s.nats_url:
        recorded = s.data_dir / "nats.url"
        if recorded.exists():
            s.nats_url = recorded.read_text().strip()
    from hub.natsauth import redact

    running = await start_hub(s, only, embedded=False)
    servers = [redact(u) for u in running.servers]
    typer.echo(f"Worker running modules {[m.name for m in running.hub.modules]} on {servers}", err=True)
    try:
        await wait_for_signal()
    finally:
        await stop_hub(running)


@app.command()
def portal() -> None:
    """Serve the portal and the module APIs only (no consumers), against LIENTHONG_NATS_URL."""
    s = _settings()
    _run(_portal(s))


async def _portal(s: Settings) -> None:
    from lienthong.run import serve_portal, start_hub, stop_hub, wait_for_signal

    if not s.nats_url:
        recorded = s.data_dir / "nats.url"
        if recorded.exists():
            s.nats_url = recorded.read_text().strip()
    running = await start_hub(s, embedded=False, consume=False)
    task, server = await serve_portal(running.hub, s.portal_host, s.portal_port)
    from hub.natsauth import redact

    servers = [redact(u) for u in running.servers]
    typer.echo(f"Portal: http://{s.portal_host}:{s.portal_port}/ on {servers}", err=True)
    try:
        await wait_for_signal()
    finally:
        server.should_exit = True  # type: ignore[attr-defined]
        await task
        await stop_hub(running)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration of the hub and its modules."""
    from hub.migrate import upgrade
    from lienthong.run import module_names

    s = _settings()
    s.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(s.database_url, module_names(s))
    typer.echo(f"database at {s.database_url.split('@')[-1]} is up to date")


@schemas_app.command("export")
def schemas_export(folder: Path) -> None:
    """Write a JSON Schema file for every registered message type."""
    from hub.module import load_modules
    from lienthong.run import module_names
    from schemas.registry import registry

    load_modules(module_names(_settings()))
    written = registry.export(folder)
    typer.echo(f"wrote {len(written)} schemas to {folder}")


@topology_app.command("show")
def topology_show(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Print streams and consumers with their state."""
    from hub.topology import describe

    async def show(hub: Any) -> list[dict[str, Any]]:
        return await describe(hub.js)

    data = _run(_with_hub(_settings(), show))
    if as_json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    for st in data:
        if st.get("missing"):
            typer.echo(f"{st['stream']}: missing")
            continue
        typer.echo(
            f"{st['stream']:<11} {','.join(st['subjects']):<48} messages={st['messages']} "
            f"bytes={st['bytes']} replicas={st['replicas']} retention={st['retention']}"
        )
        for c in st["consumers"]:
            typer.echo(
                f"    {c['name']:<32} pending={c['pending']} ack_pending={c['ack_pending']}/"
                f"{c['max_ack_pending']} redelivered={c['redelivered']}"
            )


@routes_app.command("check")
def routes_check(file: Path) -> None:
    """Validate a routing table without starting anything."""
    from hub.routing import RoutingTable, RoutingTableError

    try:
        table = RoutingTable.load(file)
    except RoutingTableError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{file}: {len(table.routes)} routes OK")
    for r in table.routes:
        conds = " and ".join(f"{p.field} {p.op} {p.value!r}" for p in r.when) or "always"
        typer.echo(f"  {r.name}: {r.from_} [{conds}] -> {', '.join(r.to)}")


@app.command()
def trace(key: str, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Print the path of a message (id), a conversation (correlation id) or a business key, in order."""
    from hub.journal import trace as journal_trace

    async def run(hub: Any) -> list[Any]:
        return await journal_trace(hub.db, key)

    rows = _run(_with_hub(_settings(), run, connect=False))
    if not rows:
        typer.echo(f"nothing in the journal for {key!r}", err=True)
        raise typer.Exit(1)
    if as_json:
        out = [
            {
                c: (v.isoformat() if hasattr(v, "isoformat") else v)
                for c, v in vars(r).items()
                if not c.startswith("_")
            }
            for r in rows
        ]
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False, default=str))
        return
    first = rows[0].at
    for r in rows:
        offset = (r.at - first).total_seconds() * 1000
        extra = f" {r.duration_ms:.1f}ms" if r.duration_ms is not None else ""
        detail = f" {json.dumps(r.detail, ensure_ascii=False)}" if r.detail else ""
        typer.echo(
            f"+{offset:9.1f}ms {r.hop:<13} {r.outcome:<10} {r.actor:<18} {r.type:<28} {r.subject} "
            f"msg={r.message_id[:8]} try={r.delivery}{extra}{detail}"
        )


@dlq_app.command("list")
def dlq_list(status: Annotated[str, typer.Option(help="dead, replayed, discarded or all")] = "dead") -> None:
    """List dead letters."""
    from hub.dlq import dead_letter_dict, list_dead

    async def run(hub: Any) -> list[Any]:
        return await list_dead(hub, None if status == "all" else status)

    for row in _run(_with_hub(_settings(), run, connect=False)):
        d = dead_letter_dict(row)
        typer.echo(
            f"{d['id']:>5} {d['status']:<9} {d['consumer']:<20} {d['type'] or '?':<26} {d['reason']:<9} "
            f"tries={d['deliveries']} {d['error'][:100]}"
        )


@retention_app.command("run")
def retention_run(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count what would go, delete nothing")] = False,
) -> None:
    """Delete journal, inbox, resolved dead letters and audit rows older than the retention settings."""
    from hub.retention import Policy, inbox_floor_days, prune

    s = _settings()
    policy = Policy.of(s)
    if policy.inbox_days > s.retention_inbox_days:
        floor = inbox_floor_days(s)
        typer.echo(f"inbox kept {policy.inbox_days} days, not {s.retention_inbox_days}: its floor is {floor}")

    async def run(hub: Any) -> dict[str, int]:
        return await prune(hub.db, policy, dry_run=dry_run)

    counts = _run(_with_hub(s, run, connect=False))
    days = {
        "journal": policy.journal_days,
        "journal_minutes": policy.journal_days,
        "inbox": policy.inbox_days,
        "dead_letters": policy.dead_letter_days,
        "audit": policy.audit_days,
    }
    verb = "would delete" if dry_run else "deleted"
    for kind, n in counts.items():
        typer.echo(f"{kind:<16} older than {days[kind]:>4} days: {verb} {n}")


@dlq_app.command("show")
def dlq_show(dead_id: int) -> None:
    """Show one dead letter with its message."""
    from hub.dlq import dead_letter_dict, get_dead

    async def run(hub: Any) -> Any:
        return await get_dead(hub, dead_id)

    row = _run(_with_hub(_settings(), run, connect=False))
    typer.echo(json.dumps(dead_letter_dict(row, with_data=True), indent=2, ensure_ascii=False))


@dlq_app.command("replay")
def dlq_replay(
    dead_id: int,
    actor: Annotated[str, typer.Option(help="Who replays it (recorded)")] = "cli",
    payload: Annotated[Path | None, typer.Option(help="JSON file with an edited payload")] = None,
) -> None:
    """Deliver a dead letter again to the consumer that gave up on it."""
    from hub.dlq import replay

    edited = json.loads(payload.read_text()) if payload else None

    async def run(hub: Any) -> Any:
        return await replay(hub, dead_id, actor, edited)

    row = _run(_with_hub(_settings(), run))
    typer.echo(f"replayed dead letter {row.id} to {row.consumer} on {row.subject}")


@dlq_app.command("discard")
def dlq_discard(
    dead_id: int,
    actor: Annotated[str, typer.Option(help="Who discards it (recorded)")] = "cli",
    note: Annotated[str, typer.Option(help="Why")] = "",
) -> None:
    """Drop a dead letter deliberately."""
    from hub.dlq import discard

    async def run(hub: Any) -> Any:
        return await discard(hub, dead_id, actor, note)

    row = _run(_with_hub(_settings(), run, connect=False))
    typer.echo(f"discarded dead letter {row.id}")


@sim_app.command("vdxp")
def sim_vdxp(
    host: str = "127.0.0.1",
    port: int = 8801,
    data: Annotated[Path | None, typer.Option(help="Folder to persist the simulator's store")] = None,
) -> None:
    """Run the national axis (VDXP) simulator."""
    from adapters.vdxp import simulator

    simulator.run_simulator(host, port, data)


@sim_app.command("lgsp")
def sim_lgsp(
    host: str = "127.0.0.1",
    port: int = 8802,
    data: Annotated[Path | None, typer.Option(help="Folder to persist the simulator's store")] = None,
) -> None:
    """Run the Hanoi city axis (LGSP, SOAP) simulator."""
    from adapters.lgsp import simulator

    simulator.run_simulator(host, port, data)


@ops_app.command("nats-auth")
def ops_nats_auth(source: Annotated[Path | None, typer.Option(help="permissions YAML")] = None) -> None:
    """Print the least-privilege NATS accounts block generated from ops/nats/permissions.yaml."""
    from hub.natsauth import DEFAULT_SOURCE, render

    typer.echo(render(source or DEFAULT_SOURCE), nl=False)


ADMIN_PASSWORD_ENV = "LIENTHONG_ADMIN_PASSWORD"  # noqa: S105 - the name of a variable


@admin_app.command("create-superuser")
def admin_create_superuser(
    username: Annotated[str, typer.Option(help="Login name (lower case, digits, . _ -)")],
    full_name: Annotated[str, typer.Option(help="The administrator's full name")],
) -> None:
    """Create the first administrator (or the second, which four-eyes needs); migrates an empty database.

    The password comes from LIENTHONG_ADMIN_PASSWORD or a hidden prompt; a weak one is refused."""
    import getpass
    import os

    from hub.migrate import aupgrade
    from lienthong.run import module_names
    from portal.ops.orgchart import OrgError, create_superuser

    s = _settings()
    password = os.environ.get(ADMIN_PASSWORD_ENV) or typer.prompt(
        "Mật khẩu (password)", hide_input=True, confirmation_prompt=True
    )
    actor = f"cli:{getpass.getuser()}"

    async def run(hub: Any) -> Any:
        s.data_dir.mkdir(parents=True, exist_ok=True)
        await aupgrade(s.database_url, module_names(s))
        return await create_superuser(hub.db, username.strip(), full_name.strip(), password, actor)

    try:
        user = _run(_with_hub(s, run, connect=False))
    except OrgError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"administrator {user.username} ({user.full_name}) created; audited as {actor}")


if __name__ == "__main__":
    app()

"""Run the hub: embedded or external NATS, migrations, modules, portal; stop cleanly on a signal.

Without a real signing configuration the modules are pointed at the development PKI of the data
folder (`lienthong.devpki`), generated on the first start; the process that may embed NATS (`up`)
also serves its timestamp authority, OCSP responder and CRLs.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog

from hub.embedded import NatsServer, embedded_server
from hub.migrate import aupgrade
from hub.module import discover_modules, load_modules
from hub.runtime import Hub
from hub.settings import Settings
from lienthong.devpki.wiring import configure_development_keys, development_keys_in_use

if TYPE_CHECKING:
    from lienthong.devpki.services import DevPkiServices

log = structlog.get_logger(__name__)


def module_names(settings: Settings, only: list[str] | None = None) -> list[str]:
    if only:
        return only
    if settings.modules.strip():
        return settings.module_names
    return discover_modules()


@dataclass
class Running:
    hub: Hub
    nats: NatsServer | None
    servers: list[str]
    devpki: DevPkiServices | None = None


async def start_hub(
    settings: Settings, only_modules: list[str] | None = None, embedded: bool = True, consume: bool = True
) -> Running:
    """Start NATS (embedded when no URL is set), migrate the database, start the hub and its modules.

    `embedded` is true for `lienthong up`: it may embed NATS and serves the development PKI's services.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    server: NatsServer | None = None
    if settings.embedded_nats and embedded:
        server = await asyncio.to_thread(
            lambda: embedded_server(settings.data_dir, settings.nats_port).start()
        )
        servers = [server.client_url()]  # the hub user's generated credentials (data_dir/nats/auth)
    elif settings.nats_url:
        servers = settings.nats_servers
    else:
        raise SystemExit("LIENTHONG_NATS_URL is not set and this command does not embed a NATS server")
    names = module_names(settings, only_modules)
    modules = load_modules(names)
    services: DevPkiServices | None = None
    try:
        pki = await asyncio.to_thread(configure_development_keys, settings, modules)
        if pki is not None and embedded:
            from lienthong.devpki.services import DevPkiServices

            services = DevPkiServices(pki)
            if not await services.start():
                services = None
        if settings.migrate_on_start:
            await aupgrade(settings.database_url, names)
        hub = Hub(settings, modules=modules)
        await hub.start(servers, consume=consume)
    except BaseException:
        if services:
            await services.stop()
        if server:
            server.stop()
        raise
    return Running(hub, server, servers, services)


async def stop_hub(running: Running) -> None:
    """Stop the hub, its development services and the embedded NATS, within a bounded time.

    The hub gets `stop_timeout_seconds` (handlers in flight finish or are cancelled), plus a margin
    for the modules' own servers; whatever still hangs then is abandoned so the process can exit, and
    the embedded NATS server is always stopped last.
    """
    bound = running.hub.settings.stop_timeout_seconds + 10
    try:
        await asyncio.wait_for(running.hub.stop(), bound)
    except TimeoutError:
        log.warning("hub.stop_timed_out", seconds=bound)
    finally:
        if running.devpki:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(running.devpki.stop(), 5)
        if running.nats:
            await running.nats.astop()


async def wait_for_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


async def serve_portal(hub: Hub, host: str, port: int) -> tuple[asyncio.Task[None], object]:
    """Serve the portal ASGI app in this event loop."""
    import uvicorn

    from lienthong.web import create_app

    app = create_app(hub)
    app.state.development_keys = development_keys_in_use(hub.modules)  # the pages' warning banner
    # the client's address behind a proxy is hub.forwarded's to decide (trusted proxies only), not uvicorn's
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", lifespan="on", proxy_headers=False
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(), name="portal")
    return task, server

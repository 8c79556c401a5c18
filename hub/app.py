"""Run the hub: embedded or external NATS, migrations, modules, portal; stop cleanly on a signal."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from dataclasses import dataclass

import structlog

from hub.embedded import NatsServer, embedded_server
from hub.migrate import aupgrade
from hub.module import discover_modules, load_modules
from hub.runtime import Hub
from hub.settings import Settings

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


async def start_hub(
    settings: Settings, only_modules: list[str] | None = None, embedded: bool = True, consume: bool = True
) -> Running:
    """Start NATS (embedded when no URL is set), migrate the database, start the hub and its modules."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    server: NatsServer | None = None
    if settings.embedded_nats and embedded:
        server = await asyncio.to_thread(
            lambda: embedded_server(settings.data_dir, settings.nats_port).start()
        )
        servers = [server.url]
    elif settings.nats_url:
        servers = settings.nats_servers
    else:
        raise SystemExit("LIENTHONG_NATS_URL is not set and this command does not embed a NATS server")
    names = module_names(settings, only_modules)
    modules = load_modules(names)
    await aupgrade(settings.database_url, names)
    hub = Hub(settings, modules=modules)
    try:
        await hub.start(servers, consume=consume)
    except BaseException:
        if server:
            server.stop()
        raise
    return Running(hub, server, servers)


async def stop_hub(running: Running) -> None:
    await running.hub.stop()
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

    from portal.app import create_app

    config = uvicorn.Config(create_app(hub), host=host, port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(), name="portal")
    return task, server

"""HTTP listeners with uvicorn: an adapter's own listener in the hub's event loop (webhooks, devices),
and a server on a background thread (the counterparts' simulators, in tests and in `make run`)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Literal

import structlog
import uvicorn
from fastapi import FastAPI

log = structlog.get_logger(__name__)


class Listener:
    """Serve one ASGI app on host:port (port 0: any free port, read back after start)."""

    def __init__(self, name: str, host: str, port: int) -> None:
        self.name = name
        self.host = host
        self.port = port
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, app: FastAPI) -> None:
        try:
            sock = bind(self.host, self.port)
        except OSError as exc:
            raise RuntimeError(f"{self.name} could not listen on {self.host}:{self.port}: {exc}") from exc
        self.port = int(sock.getsockname()[1])
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name=self.name.replace(" ", "-"))
        for _ in range(200):
            if self._server.started or self._task.done():
                break
            await asyncio.sleep(0.05)
        if not self._server.started:
            await self.stop()
            raise RuntimeError(f"{self.name} did not start on {self.host}:{self.port}")

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await asyncio.wait({self._task}, timeout=10)
        self._server = None
        self._task = None


def bind(host: str, port: int) -> socket.socket:
    """A listening-ready socket on host:port (0: a free port), reusable right after a restart."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


Lifespan = Literal["on", "off", "auto"]


class ThreadedServer:
    """One ASGI app on a real socket in a background thread; stop() then start() again keeps the port
    (a simulated counterpart going down and coming back)."""

    def __init__(
        self, app: FastAPI, name: str, host: str = "127.0.0.1", port: int = 0, lifespan: Lifespan = "off"
    ) -> None:
        self.app = app
        self.name = name
        self.host = host
        self.port = port
        self.lifespan: Lifespan = lifespan
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 20.0) -> ThreadedServer:
        """Bind (a free port the first time) and serve; return once the server accepts connections."""
        if self._thread is not None:
            raise RuntimeError(f"{self.name} is already running")
        sock = bind(self.host, self.port)
        self.port = int(sock.getsockname()[1])
        config = uvicorn.Config(self.app, log_level="warning", lifespan=self.lifespan, access_log=False)
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=self.name)
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                thread.join(timeout)
                sock.close()
                raise RuntimeError(f"{self.name} did not start on {self.url}")
            time.sleep(0.01)
        self._server, self._thread, self._sock = server, thread, sock
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Shut the server down (clients see the counterpart down until start() is called again)."""
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout)
        if self._sock is not None:
            self._sock.close()
        self._server = self._thread = self._sock = None

    def __enter__(self) -> ThreadedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def serve_in_thread(
    app: FastAPI, host: str = "127.0.0.1", port: int = 0, timeout: float = 10.0
) -> Iterator[str]:
    """Serve `app` (with its lifespan) on host:port in a thread; yield the base URL, stop on exit."""
    server = ThreadedServer(app, "uvicorn-thread", host, port, lifespan="on").start(timeout)
    try:
        yield server.url
    finally:
        server.stop(timeout)


@asynccontextmanager
async def serve_in_loop(
    app: FastAPI, host: str = "127.0.0.1", port: int = 0, timeout: float = 10.0
) -> AsyncIterator[str]:
    """Serve `app` as a task of the running loop (so it can share the loop's clients, e.g. NATS)."""
    sock = bind(host, port)
    bound_port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False))
    task = asyncio.create_task(server.serve(sockets=[sock]), name="uvicorn-loop")
    deadline = time.monotonic() + timeout
    try:
        while not server.started:
            if task.done() or time.monotonic() > deadline:
                raise RuntimeError(f"server on {host}:{bound_port} did not start")
            await asyncio.sleep(0.01)
        yield f"http://{host}:{bound_port}"
    finally:
        server.should_exit = True
        await asyncio.wait({task}, timeout=timeout)
        sock.close()

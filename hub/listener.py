"""An adapter's own HTTP listener (webhooks, devices): uvicorn on its port, in the hub's event loop."""

from __future__ import annotations

import asyncio
import socket

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
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
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

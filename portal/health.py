"""Component health checks for /healthz."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text

from hub.runtime import Hub


async def _check_nats(hub: Hub) -> dict[str, Any]:
    if hub.nc is None or not hub.nc.is_connected or hub.js is None:
        return {"ok": False, "error": "not connected"}
    info = await hub.js.account_info()
    return {
        "ok": True,
        "server": hub.nc.connected_url.netloc if hub.nc.connected_url else None,
        "streams": info.streams,
        "consumers": info.consumers,
    }


async def _check_db(hub: Hub) -> dict[str, Any]:
    async with hub.db.session() as s:
        await s.execute(text("SELECT 1"))
    return {"ok": True, "dialect": hub.db.engine.dialect.name}


async def health(hub: Hub, timeout: float = 5.0) -> dict[str, Any]:
    """Run every check with a timeout; the hub is healthy when all are."""
    checks: dict[str, Any] = {}
    for name, check in (("nats", _check_nats), ("database", _check_db)):
        try:
            checks[name] = await asyncio.wait_for(check(hub), timeout)
        except Exception as exc:
            checks[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return {"ok": all(c.get("ok") for c in checks.values()), "checks": checks}

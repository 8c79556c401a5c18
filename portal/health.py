"""Component health checks for /healthz: NATS and JetStream, database, adapters, signing keys."""

from __future__ import annotations

import asyncio
import time
import weakref
from pathlib import Path
from typing import Any

from sqlalchemy import text

from hub.adapter_health import read_all
from hub.runtime import Hub

CACHE_SECONDS = 2.0
MAINTENANCE_KEY = "portal.maintenance"


async def _check_nats(hub: Hub) -> dict[str, Any]:
    if hub.nc is None or not hub.nc.is_connected or hub.js is None:
        return {"ok": False, "error": "not connected"}
    info = await hub.js.account_info()
    return {
        "ok": True,
        "server": hub.nc.connected_url.netloc if hub.nc.connected_url else None,
        "jetstream": True,
        "streams": info.streams,
        "consumers": info.consumers,
    }


async def _check_db(hub: Hub) -> dict[str, Any]:
    async with hub.db.session() as s:
        await s.execute(text("SELECT 1"))
    return {"ok": True, "dialect": hub.db.engine.dialect.name}


async def _check_adapters(hub: Hub) -> dict[str, Any]:
    """Counterparts are reported, not failed on: a partner's outage must not drain the hub itself."""
    adapters = await read_all(hub, include_known=False)
    down = [a.name for a in adapters if a.status == "down"]
    degraded = [a.name for a in adapters if a.status == "degraded"]
    return {
        "ok": True,
        "status": "down" if down else "degraded" if degraded else "ok",
        "down": down,
        "degraded": degraded,
        "adapters": {a.name: a.status for a in adapters},
    }


async def _check_signing(hub: Hub) -> dict[str, Any]:
    """The signing module's keys, when the module is loaded and configured."""
    module = next((m for m in hub.modules if m.name == "signing"), None)
    config = getattr(module, "config", None)
    if module is None or config is None:
        return {"ok": True, "configured": False}
    signers: dict[str, Any] = getattr(config, "signers", {}) or {}
    problems = []
    for name, profile in signers.items():
        key = getattr(profile, "key", None)
        path = getattr(key, "path", None) or getattr(key, "module", None)
        if path is not None and not await asyncio.to_thread(Path(path).is_file):
            problems.append(f"{name}: {path} is missing")
    out: dict[str, Any] = {"ok": bool(signers) and not problems, "configured": True, "signers": len(signers)}
    if problems:
        out["error"] = "; ".join(problems)
    return out


async def _check_routing(hub: Hub) -> dict[str, Any]:
    """The routing table was loaded and validated when the hub started."""
    return {"ok": True, "routes": len(hub.routing.routes), "source": hub.routing.source}


CHECKS = (
    ("nats", _check_nats),
    ("database", _check_db),
    ("routing", _check_routing),
    ("adapters", _check_adapters),
    ("signing", _check_signing),
)


async def maintenance(hub: Hub) -> bool:
    """Whether an administrator switched maintenance mode on (kept in the lt-health bucket)."""
    if hub.js is None:
        return False
    try:
        kv = await hub.js.key_value("lt-health")
        entry = await kv.get(MAINTENANCE_KEY)
    except Exception:
        return False
    return (entry.value or b"") == b"on"


async def set_maintenance(hub: Hub, on: bool) -> None:
    assert hub.js is not None
    kv = await hub.js.key_value("lt-health")
    await kv.put(MAINTENANCE_KEY, b"on" if on else b"off")
    _cache.pop(id(hub), None)


_cache: dict[int, tuple[float, weakref.ref[Hub], dict[str, Any]]] = {}


async def health(hub: Hub, timeout: float = 5.0, use_cache: bool = True) -> dict[str, Any]:
    """Run every check with a timeout (answers cached 2 s); healthy when all pass and not in maintenance."""
    cached = _cache.get(id(hub))
    if use_cache and cached and cached[1]() is hub and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[2]
    checks: dict[str, Any] = {}
    for name, check in CHECKS:
        try:
            checks[name] = await asyncio.wait_for(check(hub), timeout)
        except Exception as exc:
            checks[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    in_maintenance = await maintenance(hub)
    report = {
        "ok": all(c.get("ok") for c in checks.values()) and not in_maintenance,
        "maintenance": in_maintenance,
        "checks": checks,
    }
    _cache[id(hub)] = (time.monotonic(), weakref.ref(hub), report)
    return report

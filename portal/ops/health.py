"""Component health checks for /healthz: NATS and JetStream, database, adapters, signing keys."""

from __future__ import annotations

import asyncio
import re
import time
import weakref
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text

from hub.adapter_health import read_all
from hub.redact import redact_netloc
from hub.runtime import Hub
from kit.workcal import default_calendar

CACHE_SECONDS = 2.0
MAINTENANCE_KEY = "portal.maintenance"


async def _check_nats(hub: Hub) -> dict[str, Any]:
    if hub.nc is None or not hub.nc.is_connected or hub.js is None:
        return {"ok": False, "error": "not connected"}
    info = await hub.js.account_info()
    return {
        "ok": True,
        "server": redact_netloc(hub.nc.connected_url.netloc) if hub.nc.connected_url else None,
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
    out: dict[str, Any] = {
        "ok": bool(signers) and not problems,
        "configured": True,
        "signers": len(signers),
        "development_keys": bool(getattr(config, "development", False)),
    }
    if problems:
        out["error"] = "; ".join(problems)
    return out


async def _check_routing(hub: Hub) -> dict[str, Any]:
    """The routing table was loaded and validated when the hub started."""
    return {"ok": True, "routes": len(hub.routing.routes), "source": hub.routing.source}


async def _check_calendar(_: Hub) -> dict[str, Any]:
    """The working calendar has the government's days off for this year and the next (a warning only:
    without them, deadlines use the days the Labour Code gives, computed from the lunar calendar)."""
    missing = default_calendar().missing_data_for(date.today())
    out: dict[str, Any] = {"ok": True, "provisional_years": missing}
    if missing:
        years = ", ".join(str(y) for y in missing)
        out["warning"] = (
            f"Chưa có lịch nghỉ lễ, Tết năm {years} theo thông báo của Chính phủ: hạn xử lý đang tính "
            "theo ngày nghỉ của Bộ luật Lao động; cần bổ sung vào kit/holidays.yaml."
        )
    return out


AGENCY_CODE = re.compile(r"^[0-9A-Z]+(\.[0-9A-Z]+)*$")  # Decision 20/2020/QĐ-TTg: 0-9, A-Z, dot groups
PROVINCE_ONLY = re.compile(r"^000\.00\.00\.[A-Z]\d{2}$")  # QCVN 102 level 1 alone: the province itself


async def _check_agency(hub: Hub) -> dict[str, Any]:
    """The agency code the axes know us by is well formed, and is the department's own (a warning when
    it is the province's level-1 code alone, as the development default is: the Department has its own
    level-2 code, given by the axis's agency list, getAgenciesList's code102)."""
    code = hub.settings.agency_code
    if len(code) > 35 or not AGENCY_CODE.match(code):
        return {
            "ok": False,
            "agency_code": code,
            "error": f"Mã định danh {code!r} không đúng quy cách (tối đa 35 ký tự 0-9, A-Z và dấu chấm)",
        }
    out: dict[str, Any] = {"ok": True, "agency_code": code}
    if PROVINCE_ONLY.match(code):
        out["warning"] = (
            f"Mã định danh {code} là mã cấp 1 của tỉnh, thành phố, không phải mã của Sở: đặt "
            "LIENTHONG_AGENCY_CODE theo mã cấp 2 của Sở trong danh mục cơ quan của trục liên thông."
        )
    return out


def warnings_of(report: dict[str, Any]) -> list[str]:
    """The warnings of a health report, for the pages that show them to operators."""
    return [
        c["warning"] for c in report.get("checks", {}).values() if isinstance(c, dict) and c.get("warning")
    ]


CHECKS = (
    ("nats", _check_nats),
    ("database", _check_db),
    ("routing", _check_routing),
    ("adapters", _check_adapters),
    ("signing", _check_signing),
    ("calendar", _check_calendar),
    ("agency", _check_agency),
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

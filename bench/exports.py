"""Other requests while a large register export runs, against the same requests on an idle process.

Run: `.venv/bin/python -m bench.exports [ROWS]`. A FastAPI app in this process answers a small JSON page
(a staff list's worth of work); a client in the same event loop calls it back to back. Measured: its p50/p95
idle (the baseline), then while the incoming register of ROWS rows (default 5,000) is rendered as PDF
three ways: on the event loop (how it was), in a thread (`asyncio.to_thread`: still holds the GIL) and in
the render worker process (`hub.offload.in_worker`, what the documents module does now). Prints each p95
and the ratio p95(during)/p95(idle). Target: ratio <= 2 for the worker process.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable

import httpx
from fastapi import FastAPI

from handlers.documents.exports import INCOMING_COLUMNS, Register, register_pdf
from hub import offload

PEOPLE = [{"id": f"u{i}", "name": f"Nguyễn Văn {i}", "unit": f"P{i % 9}"} for i in range(200)]


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/page")
    async def page() -> dict[str, object]:
        rows = sorted(PEOPLE, key=lambda p: (p["unit"], p["name"]))
        return {"count": len(rows), "rows": rows[:50]}

    return app


def _register(rows: int) -> Register:
    line = [
        "12/SKHĐT",
        "12",
        "Văn phòng Chính phủ",
        "01/12/2026",
        "123/VPCP",
        "V/v trả lời góp ý kế hoạch đầu tư công trung hạn giai đoạn 2026-2030",
        "Phòng Tổng hợp",
        "03/12/2026",
        "Thường",
        "Nguyễn Văn An",
    ]
    return Register("SỔ ĐĂNG KÝ VĂN BẢN ĐẾN NĂM 2026", INCOMING_COLUMNS, [list(line) for _ in range(rows)])


async def _latencies(client: httpx.AsyncClient, until: Callable[[], bool], least: int) -> list[float]:
    """Each request's wait from when it was due (10 ms after the last answer): a stalled loop counts."""
    out: list[float] = []
    while not until() or len(out) < least:
        due = time.perf_counter()
        await asyncio.sleep(0.01)
        answer = await client.get("/page")
        answer.raise_for_status()
        out.append(time.perf_counter() - due - 0.01)
    return out


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


async def _during(
    client: httpx.AsyncClient, export: Callable[[], Awaitable[bytes]]
) -> tuple[list[float], float]:
    start = time.perf_counter()
    task = asyncio.ensure_future(export())  # starts while the first request waits for its turn
    latencies = await _latencies(client, task.done, 20)
    pdf = await task
    assert pdf.startswith(b"%PDF")
    return latencies, time.perf_counter() - start


async def main(rows: int) -> None:
    register = _register(rows)
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        await offload.in_worker(register_pdf, _register(10))  # the worker is up before it is timed
        stop = time.perf_counter() + 5
        idle = await _latencies(client, lambda: time.perf_counter() > stop, 200)

        async def inline() -> bytes:
            return register_pdf(register)

        async def thread() -> bytes:
            return await asyncio.to_thread(register_pdf, register)

        async def worker() -> bytes:
            return await offload.in_worker(register_pdf, register)

        idle_p95 = _p(idle, 95)
        print(
            f"rows: {rows}; idle: {len(idle)} requests,"
            f" p50 {_p(idle, 50) * 1000:.2f} ms, p95 {idle_p95 * 1000:.2f} ms"
        )
        results = {}
        for name, export in (("event loop", inline), ("thread", thread), ("worker process", worker)):
            latencies, took = await _during(client, export)
            p95 = _p(latencies, 95)
            results[name] = p95 / idle_p95
            print(
                f"during export in {name}: export {took:.1f} s, {len(latencies)} requests, "
                f"p95 {p95 * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms"
            )
    offload.shutdown()
    print(
        "ratio p95(during export)/p95(idle): "
        + ", ".join(f"{name} {ratio:.2f}" for name, ratio in results.items())
        + " (target: worker process <= 2)"
    )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000))

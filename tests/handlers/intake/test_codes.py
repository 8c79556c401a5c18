"""Dossier codes: `<agency>-YYMMDD-XXXX`, a gap-free daily sequence even under concurrent intake."""

from __future__ import annotations

import asyncio
from datetime import datetime

from handlers.intake import IntakeModule
from tests.handlers.intake.harness import VN, Api, Clock, StartHub

N = 12


async def test_concurrent_intake_gets_consecutive_codes(module_hub: StartHub, db_url: str) -> None:
    clock = Clock(datetime(2026, 11, 30, 23, 50, tzinfo=VN))
    hub = await module_hub([IntakeModule(clock=clock)], ["handlers.intake"], db_url=db_url)
    api = Api(hub)
    try:
        await api.as_("vanthu")

        async def file(i: int) -> str:
            r = await api.call(
                "POST",
                "vanthu",
                "/api/intake/dossiers",
                json={"procedure_code": "DKDN-02", "applicant": {"name": f"Công ty số {i}"}},
            )
            assert r.status_code == 201, r.text
            return str(r.json()["code"])

        codes = await asyncio.gather(*(file(i) for i in range(N)))
        prefix = f"{hub.settings.agency_code}-261130-"
        assert sorted(codes) == [f"{prefix}{n:04d}" for n in range(1, N + 1)]
        clock.set(2026, 12, 1, 0)  # a new day starts again at 0001
        assert await file(99) == f"{hub.settings.agency_code}-261201-0001"
    finally:
        await api.close()

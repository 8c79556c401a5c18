"""A hub with the evaluation module and a September of work in the Phòng Tổng hợp, for the staff pages.

Vũ Thị Mai has ten products (MAI-3 and MAI-7 late without an objective cause); six colleagues have
five products each, all on time. Work tracking's facts reach the module over the bus.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from handlers.evaluation import EvaluationModule
from handlers.evaluation.models import TaskEvidence
from hub.core import module as core
from hub.embedded import NatsServer
from hub.migrate import aupgrade
from hub.runtime import Hub, wait_for
from lienthong.seed import seed_demo
from tests.handlers.evaluation.facts import add_officers, done
from tests.hub.conftest import make_settings
from tests.portal.staff.conftest import PASSWORD, Office, staff_app

COLLEAGUES = 6


def day(n: int) -> date:
    return date(2026, 9, n)


async def september(hub: Hub) -> list[str]:
    extra = await add_officers(hub, "TH", COLLEAGUES, PASSWORD)
    for n in range(1, 11):
        finished = day(10 + n) if n in (3, 7) else day(8 + n)
        await done(hub, f"MAI-{n}", "chuyenvien", "TH", day(9 + n), finished)
    for uid in extra:
        for n in range(1, 6):
            await done(hub, f"{uid}-{n}", uid, "TH", day(5 + n), day(5 + n))

    async def heard() -> bool:
        async with hub.db.session() as s:
            count = await s.scalar(select(func.count()).select_from(TaskEvidence))
        return bool(count == 10 + 5 * COLLEAGUES)

    assert await wait_for(heard, timeout=60, every=0.3)
    return extra


@pytest.fixture
async def evaluation_office(nats: NatsServer, tmp_path: Path) -> AsyncIterator[Office]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'evaluation.db'}"
    await aupgrade(url, ["handlers.evaluation"])
    hub = Hub(make_settings(tmp_path, url, secret_key="s" * 40), modules=[core, EvaluationModule()])
    await seed_demo(hub.db, PASSWORD)
    await hub.start([nats.url])
    try:
        await september(hub)
        yield Office(hub, staff_app(hub))
    finally:
        await hub.stop()

"""Số đến: consecutive and unique under concurrent registration, per register and calendar year."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

from handlers.documents.context import SYSTEM
from handlers.documents.incoming import Incoming, receive
from handlers.documents.models import DocCounter, Document
from tests.handlers.documents.conftest import Office, StartOffice


async def _register(office: Office, n: int, arrived: datetime | None = None) -> int:
    item = Incoming(
        subject=f"Đơn đề nghị số {n}",
        from_agency="Công ty TNHH Hòa Bình",
        source="onestop",
        code=f"{n}/CV-HB",
        arrived_at=arrived,
    )
    async with office.hub.transaction(source="test") as tx:
        doc = await receive(tx, office.module.ctx, item, SYSTEM, register=True)
        assert doc.number is not None
        return doc.number


async def test_200_concurrent_registrations_get_200_consecutive_numbers(
    start_office: StartOffice, db_url: str
) -> None:
    office = await start_office(db_url)
    numbers = await asyncio.gather(*(_register(office, n) for n in range(200)))
    assert sorted(numbers) == list(range(1, 201))
    async with office.hub.db.session() as s:
        stored = sorted(n for n in (await s.execute(select(Document.number))).scalars() if n is not None)
        counter = (await s.execute(select(DocCounter))).scalars().one()
    assert stored == list(range(1, 201))
    assert counter.last == 200


async def test_the_counter_restarts_on_1_january_and_a_failed_registration_leaves_no_gap(
    start_office: StartOffice, db_url: str
) -> None:
    office = await start_office(db_url)
    new_year_eve = datetime(2026, 12, 31, 16, 59, tzinfo=UTC)  # 23:59 in Hanoi
    new_year = datetime(2026, 12, 31, 17, 1, tzinfo=UTC)  # 00:01 on 1 January 2027 in Hanoi
    assert [await _register(office, n, new_year_eve) for n in range(3)] == [1, 2, 3]

    # A registration whose transaction fails gives its number back.
    class Boom(Exception):
        pass

    try:
        async with office.hub.transaction(source="test") as tx:
            item = Incoming(
                subject="Hỏng giữa chừng", from_agency="X", source="paper", arrived_at=new_year_eve
            )
            await receive(tx, office.module.ctx, item, SYSTEM, register=True)
            raise Boom
    except Boom:
        pass
    assert await _register(office, 3, new_year_eve) == 4
    assert [await _register(office, n, new_year) for n in range(2)] == [1, 2]
    async with office.hub.db.session() as s:
        rows = (
            await s.execute(select(Document.year, Document.number).order_by(Document.year, Document.number))
        ).all()
    assert [tuple(r) for r in rows] == [(2026, 1), (2026, 2), (2026, 3), (2026, 4), (2027, 1), (2027, 2)]

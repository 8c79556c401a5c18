"""A module that records the effect of every ping once, for crash and exactly-once tests."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from hub.module import Module
from hub.runtime import Delivery, Hub
from tests.support import messages  # noqa: F401  (registers the test types)

metadata = MetaData()
effects = Table(
    "test_effects",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("message_id", String(36), nullable=False),
    Column("n", Integer, nullable=False),
)


class CountingModule(Module):
    name = "counting"

    def setup(self, hub: Hub) -> None:
        @hub.consumer("counting", "lt.test.evt.ping", transactional=True, batch=50)
        async def count(d: Delivery) -> None:
            await d.session.execute(insert(effects).values(message_id=str(d.envelope.id), n=d.payload.n))

    async def start(self, hub: Hub) -> None:
        async with hub.db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)


module = CountingModule()

"""Rate-limit counters in a module's database table, shared by every process on that database.

`kit.ratelimit.RateLimiter` does the arithmetic; this store counts. One short transaction per hit:
INSERT ... ON CONFLICT DO UPDATE ... RETURNING adds atomically on SQLite and PostgreSQL alike, so two
portal processes (or two machines on one PostgreSQL) refuse the same client at the same count.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hub.db import Database

SWEEP_EVERY = 200  # hits of this process between two sweeps of the expired counters


class DatabaseCounter:
    """A `kit.ratelimit.CounterStore` over a module's table of (key, slot) -> count, expires: the module
    keeps the table (and its migration); this class counts in it."""

    def __init__(self, db: Database, table: Any) -> None:
        self.db = db
        self._adds = 0
        self.table = table

    async def add(self, key: str, slot: int, amount: int, *, expires: float, now: float) -> tuple[int, int]:
        insert = sqlite_insert if self.db.sqlite else pg_insert
        RateCount = self.table
        stmt = (
            insert(RateCount)
            .values(key=key, slot=slot, count=amount, expires=expires)
            .on_conflict_do_update(
                index_elements=[RateCount.key, RateCount.slot], set_={"count": RateCount.count + amount}
            )
            .returning(RateCount.count)
        )
        async with self.db.session() as s:
            current = int((await s.execute(stmt)).scalar_one())
            previous = await s.scalar(
                select(RateCount.count).where(RateCount.key == key, RateCount.slot == slot - 1)
            )
            self._adds += 1
            if self._adds % SWEEP_EVERY == 0:
                await s.execute(delete(RateCount).where(RateCount.expires < now))
        return current, int(previous or 0)

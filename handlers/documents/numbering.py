"""Register numbers (số đến, số đi): consecutive per register and calendar year, without gaps."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.documents.models import DocCounter


async def next_number(session: AsyncSession, register_code: str, year: int) -> int:
    """Take the next number of a register for a year; the counter row stays locked until commit.

    One statement, INSERT ... ON CONFLICT DO UPDATE ... RETURNING: on PostgreSQL the row lock serialises
    concurrent registrations until the caller's transaction ends; on SQLite the transaction already holds
    the write lock (BEGIN IMMEDIATE). A rolled-back registration gives its number back: no gaps.
    """
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    upsert = insert(DocCounter).values(register_code=register_code, year=year, last=1)
    stmt = upsert.on_conflict_do_update(
        index_elements=[DocCounter.register_code, DocCounter.year], set_={"last": DocCounter.last + 1}
    ).returning(DocCounter.last)
    number = (await session.execute(stmt)).scalar_one()
    return int(number)

"""journal rollups: per minute (the ops overview) and totals (/metrics)

Revision ID: hub_0004
Revises: hub_0003
Create Date: 2026-12-03 17:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "hub_0004"
down_revision: str | Sequence[str] | None = "hub_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hub_journal_minutes",
        sa.Column("minute", sa.String(length=16), nullable=False),
        sa.Column("type", sa.String(length=120), nullable=False),
        sa.Column("hop", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("minute", "type", "hop", "outcome", name=op.f("pk_hub_journal_minutes")),
    )
    op.create_table(
        "hub_journal_totals",
        sa.Column("type", sa.String(length=120), nullable=False),
        sa.Column("hop", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("type", "hop", "outcome", name=op.f("pk_hub_journal_totals")),
    )
    # the journal recorded before this revision is counted once, here
    journal = sa.table(
        "hub_journal",
        sa.column("at", sa.DateTime()),
        sa.column("type"),
        sa.column("hop"),
        sa.column("outcome"),
    )
    if op.get_bind().dialect.name == "postgresql":
        utc = sa.func.timezone("UTC", journal.c.at)
        minute = sa.func.to_char(sa.func.date_trunc("minute", utc), "YYYY-MM-DD HH24:MI")
    else:
        minute = sa.func.replace(sa.func.substr(journal.c.at, 1, 16), "T", " ")
    counted = sa.select(minute, journal.c.type, journal.c.hop, journal.c.outcome, sa.func.count()).group_by(
        minute, journal.c.type, journal.c.hop, journal.c.outcome
    )
    minutes = sa.table(
        "hub_journal_minutes",
        sa.column("minute"),
        sa.column("type"),
        sa.column("hop"),
        sa.column("outcome"),
        sa.column("count"),
    )
    op.execute(minutes.insert().from_select(["minute", "type", "hop", "outcome", "count"], counted))
    kinds = (journal.c.type, journal.c.hop, journal.c.outcome)
    totals = sa.table("hub_journal_totals", *(sa.column(n) for n in ("type", "hop", "outcome", "count")))
    summed = sa.select(*kinds, sa.func.count()).group_by(*kinds)
    op.execute(totals.insert().from_select(["type", "hop", "outcome", "count"], summed))


def downgrade() -> None:
    op.drop_table("hub_journal_totals")
    op.drop_table("hub_journal_minutes")

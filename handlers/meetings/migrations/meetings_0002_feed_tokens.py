"""personal calendar subscription addresses

Revision ID: meetings_0002
Revises: meetings_0001
Create Date: 2026-12-04 18:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "meetings_0002"
down_revision: str | Sequence[str] | None = "meetings_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mtg_feed_tokens",
        sa.Column("user_id", sa.String(length=40), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_read_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_mtg_feed_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_mtg_feed_tokens_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("mtg_feed_tokens")

"""messages remember how they were addressed (people, units, groups, in words)

Revision ID: messaging_0002
Revises: messaging_0001
Create Date: 2026-12-03 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "messaging_0002"
down_revision: str | Sequence[str] | None = "messaging_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("msg_messages", schema=None) as batch_op:
        # messages sent before this revision were addressed to one kind only: shown without words
        batch_op.add_column(sa.Column("addressed", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("msg_messages", schema=None) as batch_op:
        batch_op.drop_column("addressed")
